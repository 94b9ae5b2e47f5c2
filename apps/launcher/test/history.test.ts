import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@wunderproxy/testkit/ports';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DeployRecord } from '../src/deploy-record.js';
import { DeployHistory } from '../src/history.js';
import { buildSampleImages, runCli, type SampleImages, uniqueName } from './support/app-fixture.js';
import { rollbackConfig, startRollbackEnv } from './support/rollback-env.js';
import { httpGet } from './support/test-proxy.js';

let redis: RedisServer;
let client: Redis;
let dir: string;
/** An admin URL where nothing listens: `status` must not depend on a proxy answering. */
let noAdmin: string;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  dir = mkdtempSync(join(tmpdir(), 'wp-rb-history-'));
  noAdmin = `http://127.0.0.1:${await freePort()}`;
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function record(app: string, n: number, overrides: Partial<DeployRecord> = {}): DeployRecord {
  const image = `wp-rb-history:v${n}`;
  return {
    id: `20260101-00000${n}-ab${n}${n}`,
    app,
    image,
    configUrl: `s3://artifacts/${app}/v${n}.json`,
    configText: rollbackConfig(app, image),
    trigger: 'cli root@host',
    startedAt: `2026-01-01T00:00:0${n}.000Z`,
    finishedAt: `2026-01-01T00:00:0${n}.900Z`,
    outcome: 'succeeded',
    error: null,
    container: { id: `c${n}`, name: `wunderproxy-${app}-${n}`, hostPort: 32000 + n },
    rollbackOf: null,
    steps: [],
    ...overrides,
  };
}

function stateDir(): string {
  return mkdtempSync(join(dir, 'state-'));
}

describe('deploy history', () => {
  test('one corrupted entry, in the state file or in Redis, is skipped with a warning; the others load', async () => {
    const app = uniqueName();
    const state = stateDir();
    const good = [record(app, 3), record(app, 1)];
    const broken = { ...record(app, 2), configText: 42 };
    mkdirIn(state, app);
    writeFileSync(join(state, app, 'history.json'), JSON.stringify([good[0], broken, good[1]]));
    await client.rpush(`wunderproxy:${app}:deploys`, '{"id": "half a record', JSON.stringify(good[0]));

    const { records, warnings } = await new DeployHistory(state, app, client).load();

    expect(records.map((r) => r.id)).toEqual(good.map((r) => r.id));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/history\.json entry 1: skipped \(\/configText must be string\)/);
    expect(warnings[1]).toMatch(new RegExp(`redis wunderproxy:${app}:deploys entry 0: skipped`));

    // the CLI shows the good rows and says what it skipped, without failing
    const table = await runCli([
      'status',
      '--name',
      app,
      '--state-dir',
      state,
      '--redis',
      redis.url,
      '--admin',
      noAdmin,
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(good[0]!.id);
    expect(table.stdout).toContain(good[1]!.id);
    expect(table.stdout).not.toContain(broken.id);
    expect(table.stderr).toMatch(/warning: .*history\.json entry 1: skipped/);
  });

  test('`status` without the launcher reads Redis even with an empty state dir (it waits for the connection)', async () => {
    const app = uniqueName();
    const written = new DeployHistory(stateDir(), app, client);
    await written.save(record(app, 1));
    await written.save(record(app, 2, { rollbackOf: record(app, 1).id, configUrl: null, trigger: 'api' }));

    const json = await runCli([
      'status',
      '--json',
      '--name',
      app,
      '--state-dir',
      stateDir(),
      '--redis',
      redis.url,
      '--admin',
      noAdmin,
    ]);

    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as { app: string; deploys: DeployRecord[]; warnings: string[] };
    expect(status.warnings).toEqual([]);
    expect(status.deploys.map((d) => d.id)).toEqual([record(app, 2).id, record(app, 1).id]);
    // the exact config document is in the history, not only its URL
    expect(status.deploys[1]!.configText).toBe(record(app, 1).configText);

    const table = await runCli([
      'status',
      '--name',
      app,
      '--state-dir',
      stateDir(),
      '--redis',
      redis.url,
      '--admin',
      noAdmin,
    ]);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('ID'))!;
    expect(header.split(/\s{2,}/)).toEqual(['ID', 'IMAGE', 'CONFIG', 'STARTED', 'FINISHED', 'OUTCOME', 'TRIGGER']);
    const row = lines.find((l) => l.startsWith(record(app, 1).id))!;
    expect(row.split(/\s{2,}/)).toEqual([
      record(app, 1).id,
      'wp-rb-history:v1',
      `s3://artifacts/${app}/v1.json`,
      '2026-01-01 00:00:01',
      '2026-01-01 00:00:01',
      'succeeded',
      'cli root@host',
    ]);
    expect(lines.find((l) => l.startsWith(record(app, 2).id))).toContain(`(stored, of ${record(app, 1).id})`);
  });

  test('`status` without the launcher and without Redis reads the state file; a dead Redis falls back to it', async () => {
    const app = uniqueName();
    const state = stateDir();
    await new DeployHistory(state, app).save(record(app, 1));

    const plain = await runCli(['status', '--json', '--name', app, '--state-dir', state, '--admin', noAdmin]);
    expect(plain.code, plain.stderr).toBe(0);
    expect((JSON.parse(plain.stdout) as { deploys: DeployRecord[] }).deploys.map((d) => d.id)).toEqual([
      record(app, 1).id,
    ]);

    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const fallback = await runCli([
      'status',
      '--name',
      app,
      '--state-dir',
      state,
      '--redis',
      deadRedis,
      '--admin',
      noAdmin,
    ]);
    expect(fallback.code).toBe(0);
    expect(fallback.stdout).toContain(record(app, 1).id);
    expect(fallback.stderr).toMatch(
      /warning: redis .*: unreadable \(not connected within 2000 ms\); using the state file/,
    );
    expect(fallback.durationMs).toBeLessThan(10_000);
  });

  test('survives a lost Redis and a lost state file; a restarted launcher sees the same history', async () => {
    const app = uniqueName();
    const state = stateDir();
    const history = new DeployHistory(state, app, client);
    for (const n of [1, 2, 3]) await history.save(record(app, n));

    await client.del(`wunderproxy:${app}:deploys`);
    expect((await new DeployHistory(state, app, client).load()).records.map((r) => r.id)).toEqual(
      [3, 2, 1].map((n) => record(app, n).id),
    );

    await history.save(record(app, 4));
    rmSync(join(state, app, 'history.json'));
    // only deploy 4 was written to Redis after it was lost
    expect((await new DeployHistory(state, app, client).load()).records.map((r) => r.id)).toEqual([record(app, 4).id]);

    const e = await startRollbackEnv({ redis });
    try {
      const restarted = e.newLauncher();
      const first = e.launcher.history(e.app);
      await first.save(record(e.app, 1));
      expect((await restarted.history(e.app).load()).records.map((r) => r.id)).toEqual([record(e.app, 1).id]);
      // no temp files left next to the state file: written by rename
      expect(readdirSync(join(e.stateDir, e.app))).toEqual(['history.json']);
    } finally {
      await e.close();
    }
  });

  test('a running deploy is in Redis while it runs and replaced, not duplicated, when it ends', async () => {
    const app = uniqueName();
    const history = new DeployHistory(stateDir(), app, client);
    const running = record(app, 1, { finishedAt: null, outcome: 'running' });
    await history.save(running);
    const listed = async () =>
      (await client.lrange(`wunderproxy:${app}:deploys`, 0, -1)).map((t) => JSON.parse(t) as DeployRecord);
    expect((await listed()).map((r) => r.outcome)).toEqual(['running']);

    await history.save({ ...running, finishedAt: '2026-01-01T00:00:01.900Z', outcome: 'failed', error: 'boom' });
    expect((await listed()).map((r) => [r.id, r.outcome])).toEqual([[running.id, 'failed']]);
  });

  test('a state file that is not JSON is kept aside, not overwritten, and reported', async () => {
    const app = uniqueName();
    const state = stateDir();
    mkdirIn(state, app);
    const file = join(state, app, 'history.json');
    writeFileSync(file, '[{"id": tru');
    const history = new DeployHistory(state, app);
    expect((await history.load()).warnings[0]).toMatch(/not JSON/);

    await history.save(record(app, 1));

    const aside = readdirSync(join(state, app)).filter((f) => f.startsWith('history.json.unreadable-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(state, app, aside[0]!), 'utf8')).toBe('[{"id": tru');
    expect((await history.load()).records.map((r) => r.id)).toEqual([record(app, 1).id]);
  });
});

describe('deploy history with real deploys', () => {
  let images: SampleImages;
  beforeAll(async () => {
    images = await buildSampleImages(['v1', 'v2']);
  });
  afterAll(async () => {
    await images?.remove();
  });

  test('a rollback skips a corrupted entry with a warning and still goes back; status shows the warning', async () => {
    const e = await startRollbackEnv({ redis });
    try {
      const v1 = await e.deploy(images.tags.v1!);
      const v2 = await e.deploy(images.tags.v2!);
      // v2's entry is damaged in both stores (a disk or an editor accident)
      const file = join(e.stateDir, e.app, 'history.json');
      const entries = JSON.parse(readFileSync(file, 'utf8')) as DeployRecord[];
      writeFileSync(file, JSON.stringify(entries.map((r) => (r.id === v2.id ? { ...r, outcome: 'exploded' } : r))));
      const key = `wunderproxy:${e.app}:deploys`;
      const items = await client.lrange(key, 0, -1);
      await client.del(key);
      await client.rpush(key, ...items.map((t) => ((JSON.parse(t) as DeployRecord).id === v2.id ? t.slice(0, 40) : t)));

      const rollback = await e.launcher.rollback({ app: e.app, trigger: 'test' });

      expect(rollback).toMatchObject({ outcome: 'succeeded', rollbackOf: v1.id });
      expect((await httpGet(`${e.proxyUrl}/`)).body.trim()).toBe('sample-app v1');
      const notes = e.lines.filter((l) => l.step === 'history').map((l) => l.message);
      expect(notes).toHaveLength(2);
      expect(notes[0]).toMatch(
        /history\.json entry \d: skipped \(\/outcome must be equal to one of the allowed values\)/,
      );
      expect(notes[1]).toMatch(/redis .* entry \d: skipped/);

      const status = await runCli([
        'status',
        '--name',
        e.app,
        '--state-dir',
        e.stateDir,
        '--redis',
        redis.url,
        '--admin',
        e.adminUrl,
      ]);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`backend: http://127.0.0.1:${rollback.container!.hostPort}`);
      expect(status.stdout).toContain(rollback.id);
      expect(status.stdout).toContain(v1.id);
      expect(status.stderr).toMatch(/warning: .*skipped/);
      expect(existsSync(file)).toBe(true);
    } finally {
      await e.close();
    }
  });
});

function mkdirIn(state: string, app: string): void {
  mkdirSync(join(state, app), { recursive: true });
}
