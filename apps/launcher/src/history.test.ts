import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import type { DeployRecord } from './deploy-record.js';
import { DeployHistory } from './history.js';

const dirs: string[] = [];
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wp-history-unit-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function record(n: number, overrides: Partial<DeployRecord> = {}): DeployRecord {
  return {
    id: `id-${String(n).padStart(3, '0')}`,
    app: 'app',
    image: `sample-app:v${n}`,
    configUrl: `file:///etc/app/v${n}.json`,
    configText: `{"name":"app","image":"sample-app:v${n}"}`,
    trigger: 'test',
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n, 900)).toISOString(),
    outcome: 'succeeded',
    error: null,
    container: null,
    rollbackOf: null,
    steps: [],
    ...overrides,
  };
}

/** Just what DeployHistory asks of a Redis client: a status, ready/end events and a list. */
class FakeRedis extends EventEmitter {
  status = 'ready';
  list: string[] = [];
  async lrange(_key: string, start: number, stop: number): Promise<string[]> {
    return this.list.slice(start, stop === -1 ? undefined : stop + 1);
  }
  multi() {
    const ops: (() => void)[] = [];
    const chain = {
      lrem: (_key: string, _count: number, value: string) => {
        ops.push(() => {
          this.list = this.list.filter((item) => item !== value);
        });
        return chain;
      },
      lpush: (_key: string, value: string) => {
        ops.push(() => this.list.unshift(value));
        return chain;
      },
      ltrim: (_key: string, start: number, stop: number) => {
        ops.push(() => {
          this.list = this.list.slice(start, stop + 1);
        });
        return chain;
      },
      exec: async () => {
        for (const op of ops) op();
        return [];
      },
    };
    return chain;
  }
}

const asRedis = (fake: FakeRedis) => fake as unknown as Redis;

describe('DeployHistory (state file)', () => {
  test('loads newest first, replaces a record by id and keeps the last 50', async () => {
    const history = new DeployHistory(stateDir(), 'app');
    for (let n = 1; n <= 55; n++) await history.save(record(n, { outcome: 'running', finishedAt: null }));
    await history.save(record(55));
    const { records, warnings } = await history.load();
    expect(warnings).toEqual([]);
    expect(records).toHaveLength(50);
    expect(records[0]).toMatchObject({ id: 'id-055', outcome: 'succeeded' });
    expect(records.at(-1)!.id).toBe('id-006');
  });

  test('writes through a temp file and rename: only history.json remains', async () => {
    const dir = stateDir();
    const history = new DeployHistory(dir, 'app');
    await history.save(record(1));
    expect(readdirSync(join(dir, 'app'))).toEqual(['history.json']);
    expect(JSON.parse(readFileSync(history.file, 'utf8'))).toEqual([record(1)]);
  });
});

describe('DeployHistory (with Redis)', () => {
  test('merges both stores; for the same deploy the finished copy wins over the running one', async () => {
    const redis = new FakeRedis();
    const dir = stateDir();
    await new DeployHistory(dir, 'app').save(record(2, { finishedAt: null, outcome: 'running' }));
    redis.list = [JSON.stringify(record(2)), JSON.stringify(record(1))];
    const { records } = await new DeployHistory(dir, 'app', asRedis(redis)).load();
    expect(records.map((r) => [r.id, r.outcome])).toEqual([
      ['id-002', 'succeeded'],
      ['id-001', 'succeeded'],
    ]);
  });

  test('mirrors every save to the list, replacing the entry of the same id', async () => {
    const redis = new FakeRedis();
    const history = new DeployHistory(stateDir(), 'app', asRedis(redis));
    await history.save(record(1));
    await history.save(record(2, { finishedAt: null, outcome: 'running' }));
    await history.save(record(2, { outcome: 'failed', error: 'health' }));
    expect(redis.list.map((t) => (JSON.parse(t) as DeployRecord).outcome)).toEqual(['failed', 'succeeded']);
  });

  test('waits for a connecting client, and uses it once it is ready', async () => {
    const redis = new FakeRedis();
    redis.status = 'connecting';
    redis.list = [JSON.stringify(record(1))];
    setTimeout(() => {
      redis.status = 'ready';
      redis.emit('ready');
    }, 30);
    const { records, warnings } = await new DeployHistory(stateDir(), 'app', asRedis(redis)).load();
    expect(warnings).toEqual([]);
    expect(records.map((r) => r.id)).toEqual(['id-001']);
  });

  test('a client that never connects costs the wait and a warning, and the state file still loads', async () => {
    const redis = new FakeRedis();
    redis.status = 'reconnecting';
    const dir = stateDir();
    await new DeployHistory(dir, 'app').save(record(1));
    const history = new DeployHistory(dir, 'app', asRedis(redis), 50);
    const started = performance.now();
    const { records, warnings } = await history.load();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(records.map((r) => r.id)).toEqual(['id-001']);
    expect(warnings).toEqual([
      'redis wunderproxy:app:deploys: unreadable (not connected within 50 ms); using the state file',
    ]);
    await history.save(record(2));
    expect(redis.listenerCount('ready')).toBe(0);
  });
});
