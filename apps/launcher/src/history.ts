import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { type DeployRecord, invalidRecordReason } from './deploy-record.js';

/** How many deploys of one app the history keeps. */
const HISTORY_LENGTH = 50;

/** How long a read or write waits for a Redis client that is still connecting before it uses the state file alone. */
const REDIS_WAIT_MS = 2_000;

/** Resolves with the client once it is ready, or undefined when it does not get there within waitMs. */
async function whenReady(redis: Redis, waitMs: number): Promise<Redis | undefined> {
  if (redis.status === 'ready') return redis;
  if (redis.status === 'end' || redis.status === 'close') return undefined;
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  return await new Promise((resolve) => {
    const done = (value: Redis | undefined) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      resolve(value);
    };
    const onReady = () => done(redis);
    const onEnd = () => done(undefined);
    const timer = setTimeout(() => done(undefined), waitMs);
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}

function parseItem(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface LoadedHistory {
  /** Newest first. */
  records: DeployRecord[];
  /** One line per entry that was skipped, saying where and why. */
  warnings: string[];
}

function redisKey(app: string): string {
  return `wunderproxy:${app}:deploys`;
}

/**
 * The deploy history of one app: a local state file written atomically (temp file + rename) so it survives a lost
 * Redis, mirrored in a capped Redis list so `status` works from anywhere. Each entry is validated on its own when
 * read back: one bad entry is reported and skipped, never the whole history.
 */
export class DeployHistory {
  readonly file: string;

  constructor(
    stateDir: string,
    readonly app: string,
    private readonly redis?: Redis,
    private readonly redisWaitMs: number = REDIS_WAIT_MS,
  ) {
    this.file = join(stateDir, app, 'history.json');
  }

  async load(): Promise<LoadedHistory> {
    const warnings: string[] = [];
    const byId = new Map<string, DeployRecord>();
    const take = (entries: unknown[], where: string) => {
      entries.forEach((entry, index) => {
        const reason = invalidRecordReason(entry);
        if (reason !== null) {
          warnings.push(`${where} entry ${index}: skipped (${reason})`);
          return;
        }
        const record = entry as DeployRecord;
        const known = byId.get(record.id);
        // the same deploy in both stores: the one that got further wins
        if (known === undefined || (known.finishedAt === null && record.finishedAt !== null))
          byId.set(record.id, record);
      });
    };
    take(this.#readFile(warnings), this.file);
    if (this.redis !== undefined) {
      const redis = await whenReady(this.redis, this.redisWaitMs);
      try {
        if (redis === undefined) throw new Error(`not connected within ${this.redisWaitMs} ms`);
        const items = await redis.lrange(redisKey(this.app), 0, HISTORY_LENGTH - 1);
        take(items.map(parseItem), `redis ${redisKey(this.app)}`);
      } catch (error) {
        warnings.push(`redis ${redisKey(this.app)}: unreadable (${(error as Error).message}); using the state file`);
      }
    }
    const records = [...byId.values()].sort(
      (a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id),
    );
    return { records, warnings };
  }

  /**
   * Inserts or replaces the record with this id (newest first) in the state file and in the Redis list, so a deploy
   * shows as running everywhere while it runs. A state file that is not a JSON array is kept aside, not overwritten.
   */
  async save(record: DeployRecord): Promise<void> {
    const problems: string[] = [];
    const entries = this.#readFile(problems).filter((entry) => (entry as { id?: unknown } | null)?.id !== record.id);
    if (problems.length > 0) {
      try {
        renameSync(this.file, `${this.file}.unreadable-${Date.now()}`);
      } catch {
        // gone meanwhile
      }
    }
    entries.unshift(record);
    entries.sort((a, b) =>
      String((b as DeployRecord | null)?.startedAt).localeCompare(String((a as DeployRecord | null)?.startedAt)),
    );
    mkdirSync(join(this.file, '..'), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(entries.slice(0, HISTORY_LENGTH), null, 1)}\n`);
    renameSync(temp, this.file);
    if (this.redis === undefined) return;
    try {
      const redis = await whenReady(this.redis, this.redisWaitMs);
      if (redis === undefined) return;
      const key = redisKey(this.app);
      // One deploy per app at a time (the lock): nothing else rewrites this id between the read and the write.
      const stale = (await redis.lrange(key, 0, -1)).filter(
        (text) => (parseItem(text) as { id?: unknown } | null)?.id === record.id,
      );
      const write = redis.multi();
      for (const text of stale) write.lrem(key, 0, text);
      await write
        .lpush(key, JSON.stringify(record))
        .ltrim(key, 0, HISTORY_LENGTH - 1)
        .exec();
    } catch {
      // the state file has it; the next load merges both
    }
  }

  #readFile(warnings: string[]): unknown[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const value = JSON.parse(text) as unknown;
      if (Array.isArray(value)) return value;
      warnings.push(`${this.file}: not a JSON array; ignored`);
    } catch (error) {
      warnings.push(`${this.file}: not JSON (${(error as Error).message}); ignored`);
    }
    return [];
  }
}
