import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLauncherApi } from '../src/api.js';
import type { DeployRecord } from '../src/deploy-record.js';
import { DeployError } from '../src/errors.js';
import { buildSampleImages, removeAppContainers, runCli, type SampleImages } from './support/app-fixture.js';
import { containerState, execIn, imageExists, type RollbackEnv, startRollbackEnv } from './support/rollback-env.js';
import { KeepAliveLoad } from './support/rollback-load.js';
import { httpGet } from './support/test-proxy.js';

let redis: RedisServer;
let images: SampleImages;
const envs: RollbackEnv[] = [];

beforeAll(async () => {
  redis = await startRedis();
  images = await buildSampleImages(['v1', 'v2', 'v3']);
});

afterEach(async () => {
  await Promise.all(envs.splice(0).map((env) => env.close()));
});

afterAll(async () => {
  await images?.remove();
  await redis?.stop();
});

async function env(retain?: number): Promise<RollbackEnv> {
  const created = await startRollbackEnv({ redis, ...(retain !== undefined ? { retain } : {}) });
  envs.push(created);
  return created;
}

async function served(e: RollbackEnv): Promise<string> {
  const answer = await httpGet(`${e.proxyUrl}/`);
  expect(answer.status).toBe(200);
  return answer.body.trim();
}

describe('rollback', () => {
  test('puts v1 back from its kept container and keeps v2 stopped', async () => {
    const e = await env();
    const v1 = await e.deploy(images.tags.v1!);
    const v2 = await e.deploy(images.tags.v2!);
    expect(await served(e)).toBe('sample-app v2');
    expect(await containerState(v1.container!.id)).toBe('exited');

    const rollback = await e.launcher.rollback({ app: e.app, trigger: 'test rollback' });

    expect(rollback).toMatchObject({ outcome: 'succeeded', rollbackOf: v1.id, image: images.tags.v1, error: null });
    // the same container, started again: no new one
    expect(rollback.container!.id).toBe(v1.container!.id);
    expect(e.lines.filter((l) => l.step === 'start').at(-1)!.message).toMatch(/^started kept container/);
    expect(e.lines.some((l) => l.step === 'image' && Date.parse(l.at) >= Date.parse(rollback.startedAt))).toBe(false);
    expect(await served(e)).toBe('sample-app v1');
    expect(await containerState(v1.container!.id)).toBe('running');
    expect(await containerState(v2.container!.id)).toBe('exited');

    const { records, warnings } = await e.launcher.history(e.app).load();
    expect(warnings).toEqual([]);
    expect(records.map((r) => [r.id, r.outcome])).toEqual([
      [rollback.id, 'succeeded'],
      [v2.id, 'succeeded'],
      [v1.id, 'succeeded'],
    ]);
    expect(records[0]!.trigger).toBe('test rollback');
  });

  test('recreates the container from the stored config when it was removed by hand and the config file is gone', async () => {
    const e = await env();
    const v1 = await e.deploy(images.tags.v1!);
    await e.deploy(images.tags.v2!);
    await e.docker.removeContainer(v1.container!.id, { force: true });
    rmSync(e.configPath(images.tags.v1!));

    const rollback = await e.launcher.rollback({ app: e.app, trigger: 'test' });

    expect(rollback).toMatchObject({ outcome: 'succeeded', rollbackOf: v1.id, image: images.tags.v1 });
    expect(rollback.container!.id).not.toBe(v1.container!.id);
    expect(rollback.container!.name).toContain(rollback.id);
    expect(rollback.configText).toBe(v1.configText);
    expect(
      e.lines.some((l) => l.step === 'rollback' && /is gone; recreating it from the stored config/.test(l.message)),
    ).toBe(true);
    expect(await served(e)).toBe('sample-app v1');
    const containers = await e.docker.listAppContainers(e.app);
    expect(containers.map((c) => [c.deployId, c.state]).sort()).toEqual(
      [
        [rollback.id, 'running'],
        [containers.find((c) => c.state === 'exited')!.deployId, 'exited'],
      ].sort(),
    );
  });

  test('goes to a given deploy id, and the next plain rollback goes back to the one before it', async () => {
    const e = await env();
    const v1 = await e.deploy(images.tags.v1!);
    const v2 = await e.deploy(images.tags.v2!);
    const v3 = await e.deploy(images.tags.v3!);

    const toV1 = await e.launcher.rollback({ app: e.app, targetId: v1.id, trigger: 'test' });
    expect(toV1).toMatchObject({ outcome: 'succeeded', rollbackOf: v1.id });
    expect(toV1.container!.id).toBe(v1.container!.id);
    expect(await served(e)).toBe('sample-app v1');
    expect(await containerState(v3.container!.id)).toBe('exited');

    const back = await e.launcher.rollback({ app: e.app, trigger: 'test' });
    expect(back.rollbackOf).toBe(v3.id);
    expect(await served(e)).toBe('sample-app v3');

    const toV2 = await e.launcher.rollback({ app: e.app, targetId: v2.id, trigger: 'test' });
    expect(toV2.container!.id).toBe(v2.container!.id);
    expect(await served(e)).toBe('sample-app v2');

    await expect(e.launcher.rollback({ app: e.app, targetId: 'no-such-id', trigger: 'test' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(e.launcher.rollback({ app: e.app, targetId: toV2.id, trigger: 'test' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('serving now'),
    });
    expect(await served(e)).toBe('sample-app v2');

    // the same from the command line: `wunderproxy rollback ID`, a process of its own
    const cli = await runCli([
      'rollback',
      v3.id,
      ...['--name', e.app, '--state-dir', e.stateDir, '--redis', e.redis.url, '--admin', e.adminUrl],
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`rolled back to ${v3.id} as \\S+: traffic on`));
    expect(await served(e)).toBe('sample-app v3');
  });

  test('drops no request of 12 keep-alive clients looping through the proxy during the rollback', async () => {
    const e = await env();
    const v1 = await e.deploy(images.tags.v1!);
    await e.deploy(images.tags.v2!);
    const load = new KeepAliveLoad(e.proxyUrl, 12);
    load.start();
    try {
      await load.waitForAnswers(200);
      const rollback = await e.launcher.rollback({ app: e.app, trigger: 'test' });
      expect(rollback.rollbackOf).toBe(v1.id);
      await load.waitForAnswers(200);
    } finally {
      const result = await load.stop();
      expect(result.failures).toEqual([]);
      expect(result.bodies['sample-app v2']).toBeGreaterThan(0);
      expect(result.bodies['sample-app v1']).toBeGreaterThan(0);
      // after the switch every client is on v1
      expect(new Set(result.lastBodies)).toEqual(new Set(['sample-app v1']));
      expect(result.ok).toBeGreaterThanOrEqual(400);
    }
  });

  test('a rollback whose health check fails leaves the current deploy serving and the kept container stopped', async () => {
    const e = await env();
    const v1 = await e.deploy(images.tags.v1!, { timeoutSeconds: 1 });
    // The kept container's filesystem survives stop/start: without /www/health its next health check gets 404.
    await execIn(v1.container!.id, ['/bin/busybox', 'rm', '/www/health']);
    const v2 = await e.deploy(images.tags.v2!);

    const failed = await e.launcher.rollback({ app: e.app, trigger: 'test' }).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failed).toBeInstanceOf(DeployError);
    expect(failed).toMatchObject({ code: 'HEALTH_CHECK_FAILED' });
    expect(await served(e)).toBe('sample-app v2');
    expect(await containerState(v1.container!.id)).toBe('exited');
    expect(await containerState(v2.container!.id)).toBe('running');
    expect(
      e.lines.some((l) => l.step === 'cleanup' && /stopped .* again; the current deploy keeps serving/.test(l.message)),
    ).toBe(true);
    const { records } = await e.launcher.history(e.app).load();
    expect(records[0]).toMatchObject({
      rollbackOf: v1.id,
      outcome: 'failed',
      error: expect.stringContaining('did not become healthy'),
    });
    expect(records[0]!.finishedAt).not.toBeNull();
  });

  test('POST /api/rollback goes to the previous deploy, or to {"id"}; unknown ids are 404, a second at once 409', async () => {
    const e = await env();
    const v1 = await e.deploy(images.tags.v1!);
    const v2 = await e.deploy(images.tags.v2!);
    const api = createLauncherApi({
      launcher: e.launcher,
      configUrl: undefined,
      app: () => e.app,
      token: undefined,
      log: pino({ level: 'silent' }),
    });
    const server = api.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    const post = (body?: unknown) =>
      fetch(`${base}/rollback`, {
        method: 'POST',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    const finished = async (id: string): Promise<DeployRecord> => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        const response = await fetch(`${base}/deploys/${id}`);
        if (response.status !== 200) continue;
        const record = (await response.json()) as DeployRecord;
        if (record.finishedAt !== null) return record;
      }
      throw new Error(`deploy ${id} did not finish`);
    };
    try {
      expect((await post({ id: 'nope' })).status).toBe(404);
      expect((await post({ id: 7 })).status).toBe(400);

      const first = await post();
      expect(first.status).toBe(202);
      const accepted = (await first.json()) as { id: string; rollbackOf: string };
      expect(accepted.rollbackOf).toBe(v1.id);
      expect(first.headers.get('location')).toBe(`/api/deploys/${accepted.id}`);
      const busy = await post({ id: v2.id });
      expect(busy.status).toBe(409);
      expect(await finished(accepted.id)).toMatchObject({ outcome: 'succeeded', rollbackOf: v1.id, trigger: 'api' });
      expect(await served(e)).toBe('sample-app v1');

      const second = await post({ id: v2.id });
      expect(second.status).toBe(202);
      const byId = (await second.json()) as { id: string; rollbackOf: string };
      expect(byId.rollbackOf).toBe(v2.id);
      expect(await finished(byId.id)).toMatchObject({ outcome: 'succeeded', rollbackOf: v2.id });
      expect(await served(e)).toBe('sample-app v2');
      expect((await post({ id: byId.id })).status).toBe(400);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('retention', () => {
  test('keeps the --retain N containers that served last, prunes older ones and unused images, never the running image', async () => {
    const own = await buildSampleImages(['a', 'b', 'c', 'd']);
    const e = await env(2);
    try {
      const a = await e.deploy(own.tags.a!);
      const b = await e.deploy(own.tags.b!);
      const c = await e.deploy(own.tags.c!);
      const d = await e.deploy(own.tags.d!);
      // retain 2: c and b kept; a pruned, and its image with it (no kept deploy uses it)
      expect(await containerState(a.container!.id)).toBe('gone');
      expect(await imageExists(own.tags.a!)).toBe(false);
      expect(e.lines.some((l) => l.step === 'prune' && l.message.includes(own.tags.a!))).toBe(true);
      expect(await containerState(b.container!.id)).toBe('exited');
      expect(await containerState(c.container!.id)).toBe('exited');
      expect(await containerState(d.container!.id)).toBe('running');

      // b (created before c and d) serves again; then a new deploy of image c retires it: b served last, so it
      // stays, and c's old container goes; image c stays, the running deploy uses it.
      await e.launcher.rollback({ app: e.app, targetId: b.id, trigger: 'test' });
      const c2 = await e.deploy(own.tags.c!);
      expect(await containerState(c.container!.id)).toBe('gone');
      expect(await containerState(b.container!.id)).toBe('exited');
      expect(await containerState(d.container!.id)).toBe('exited');
      expect(await containerState(c2.container!.id)).toBe('running');
      expect(await imageExists(own.tags.c!)).toBe(true);
      expect(await imageExists(own.tags.b!)).toBe(true);
      expect(await imageExists(own.tags.d!)).toBe(true);
      expect((await e.docker.listAppContainers(e.app)).length).toBe(3);
      expect(await served(e)).toBe('sample-app c');

      // and the plain rollback goes to the kept container that served before
      const back = await e.launcher.rollback({ app: e.app, trigger: 'test' });
      expect(back.container!.id).toBe(b.container!.id);
      expect(await served(e)).toBe('sample-app b');
    } finally {
      await removeAppContainers(e.app);
      await own.remove();
    }
  });
});
