import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { type DeployRecord, invalidRecordReason } from './deploy-record.js';

/** How many deploys of one app the history keeps. */
const HISTORY_LENGTH = 50;

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
        if (known === undefined || (known.finishedAt === null && record.finishedAt !== null)) byId.set(record.id, record);
      });
    };
    take(this.#readFile(warnings), this.file);
    if (this.redis !== undefined) {
      try {
        const items = await this.redis.lrange(redisKey(this.app), 0, HISTORY_LENGTH - 1);
        take(
          items.map((text) => {
            try {
              return JSON.parse(text) as unknown;
            } catch {
              return text;
            }
          }),
          `redis ${redisKey(this.app)}`,
        );
      } catch (error) {
        warnings.push(`redis ${redisKey(this.app)}: unreadable (${(error as Error).message}); using the state file`);
      }
    }
    const records = [...byId.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
    return { records, warnings };
  }

  /** Inserts or replaces the record with this id (newest first) in the file, and in Redis once it has finished. */
  async save(record: DeployRecord): Promise<void> {
    const ignored: string[] = [];
    const entries = this.#readFile(ignored).filter((entry) => (entry as { id?: unknown }).id !== record.id);
    entries.unshift(record);
    entries.sort((a, b) => String((b as DeployRecord).startedAt).localeCompare(String((a as DeployRecord).startedAt)));
    mkdirSync(join(this.file, '..'), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(entries.slice(0, HISTORY_LENGTH), null, 1)}\n`);
    renameSync(temp, this.file);
    if (this.redis !== undefined && record.finishedAt !== null) {
      try {
        await this.redis.multi().lpush(redisKey(this.app), JSON.stringify(record)).ltrim(redisKey(this.app), 0, HISTORY_LENGTH - 1).exec();
      } catch {
        // the state file has it; the next status merges both
      }
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
