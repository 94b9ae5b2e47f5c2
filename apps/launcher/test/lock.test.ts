import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '@wunderproxy/docker';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import {
  appContainers,
  buildSampleImages,
  type ConfigOptions,
  cliMain,
  configDocument,
  launchFlags,
  removeAppContainers,
  runCli,
  type SampleImages,
  uniqueName,
  Workdir,
} from './support/app-fixture.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

let redis: RedisServer;
let images: SampleImages;
let work: Workdir;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [redis, images] = await Promise.all([startRedis(), buildSampleImages(['v1', 'v2'])]);
  work = new Workdir();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await images?.remove();
  await redis?.stop();
  work?.remove();
});

async function app() {
  const name = uniqueName();
  const proxy: TestProxy = await startTestProxy(name, redis.url);
  cleanups.push(async () => {
    await proxy.close(500);
    await removeAppContainers(name);
  });
  const stateDir = work.stateDir(name);
  const flags = launchFlags({ stateDir, adminUrl: proxy.adminUrl, redisUrl: redis.url });
  const config = (version: string, extra: Partial<ConfigOptions> = {}) =>
    work.write(
      `${name}-${version}-${Math.random().toString(16).slice(2, 6)}.json`,
      configDocument(name, { image: images.tags[version]!, ...extra }),
    );
  return { name, proxy, stateDir, flags, config, lockFile: join(stateDir, `${name}.deploy.lock`) };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a second concurrent deploy of the same app fails with a clear message and leaves the first one alone', async () => {
  const { name, proxy, flags, config, lockFile } = await app();
  // The first deploy holds the lock ~2 s: its app needs that long to answer.
  const slow = config('v1', { cmd: ['/bin/sh', '-c', 'sleep 2; exec /bin/busybox httpd -f -p 8080 -h /www'] });
  const first = runCli(['launch', slow, ...flags]);
  await waitFor('the first deploy to take the lock', () => existsSync(lockFile));

  const second = await runCli(['launch', config('v2'), ...flags]);
  expect(second.code, second.stderr + second.stdout).toBe(1);
  expect(second.stderr).toMatch(
    new RegExp(
      `^wunderproxy: another deploy of "${name}" is running \\(deploy \\d{8}-\\d{6}-[0-9a-f]{4}, pid \\d+, since \\S+\\); lock: ${lockFile.replace(/[.]/g, '\\.')}$`,
      'm',
    ),
  );
  expect(second.stdout).not.toMatch(/started container/);

  const done = await first;
  expect(done.code, done.stderr + done.stdout).toBe(0);
  expect((await proxy.get()).body).toBe('sample-app v1\n');
  expect((await appContainers(name)).map((c) => [c.image, c.state])).toEqual([[images.tags.v1, 'running']]);
  expect(existsSync(lockFile)).toBe(false);
});

test('a stale lock of a dead process is taken over, and the output says so', async () => {
  const { proxy, stateDir, flags, config, lockFile } = await app();
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  mkdirSync(stateDir, { recursive: true });
  const now = Date.now();
  writeFileSync(
    lockFile,
    JSON.stringify({
      deployId: '20260101-000000-dead',
      pid: dead,
      host: hostname(),
      acquiredAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + 600_000).toISOString(),
    }),
  );

  const result = await runCli(['launch', config('v1'), ...flags]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toContain(
    `removed a stale deploy lock of deploy 20260101-000000-dead (pid ${dead} no longer runs)\n`,
  );
  expect((await proxy.get()).body).toBe('sample-app v1\n');
  expect(existsSync(lockFile)).toBe(false);
});

test('a live lock that expired is taken over too; an unexpired one of a live process is not', async () => {
  const { flags, config, stateDir, lockFile } = await app();
  mkdirSync(stateDir, { recursive: true });
  const live = {
    deployId: '20260101-000000-a11e',
    pid: process.pid,
    host: hostname(),
    acquiredAt: new Date().toISOString(),
  };
  writeFileSync(lockFile, JSON.stringify({ ...live, expiresAt: new Date(Date.now() + 600_000).toISOString() }));
  const blocked = await runCli(['launch', config('v1'), ...flags]);
  expect(blocked.code, blocked.stdout).toBe(1);
  expect(blocked.stderr).toContain(`(deploy 20260101-000000-a11e, pid ${process.pid}, since`);

  writeFileSync(lockFile, JSON.stringify({ ...live, expiresAt: new Date(Date.now() - 1000).toISOString() }));
  const result = await runCli(['launch', config('v1'), ...flags]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(/^removed a stale deploy lock of deploy 20260101-000000-a11e \(expired \S+\)$/m);
});

test('an orphan container of a crashed deploy is removed and said so; the serving one is retired normally', async () => {
  const { name, proxy, flags, config } = await app();
  const first = await runCli(['launch', config('v1'), ...flags]);
  expect(first.code, first.stderr).toBe(0);
  // What a launcher killed between `start` and `switch` leaves behind: a running container the proxy never saw.
  const orphan = await new DockerClient().runAppContainer({
    name,
    deployId: '20260101-000000-0f0f',
    image: images.tags.v2!,
    port: 8080,
    init: true,
  });

  const result = await runCli(['launch', config('v2'), ...flags]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(
    new RegExp(`^removed orphan container ${orphan.name} \\(running, left by an unfinished deploy\\) \\d+ ms$`, 'm'),
  );
  const containers = await appContainers(name);
  expect(containers.find((c) => c.id === orphan.id)).toBeUndefined();
  expect(containers.map((c) => [c.image, c.state]).sort()).toEqual([
    [images.tags.v1, 'exited'],
    [images.tags.v2, 'running'],
  ]);
  expect((await proxy.get()).body).toBe('sample-app v2\n');
});

test('after a launch killed with SIGKILL mid-deploy, the next one takes over its lock and removes its container, saying both', async () => {
  const { name, proxy, flags, config, lockFile } = await app();
  const first = await runCli(['launch', config('v1'), ...flags]);
  expect(first.code, first.stderr).toBe(0);

  // The doomed deploy's app needs 5 s to answer: the launch is killed while its health gate waits.
  const doomed = spawn(
    process.execPath,
    [
      cliMain,
      'launch',
      config('v2', { cmd: ['/bin/sh', '-c', 'sleep 5; exec /bin/busybox httpd -f -p 8080 -h /www'] }),
      ...flags,
    ],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise((resolve) => doomed.once('exit', resolve));
  await waitFor('the doomed deploy to start its container', () => existsSync(lockFile));
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { deployId: string; pid: number };
  expect(lock.pid).toBe(doomed.pid);
  for (let i = 0; i < 200 && (await appContainers(name)).filter((c) => c.state === 'running').length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const orphan = (await appContainers(name)).find((c) => c.deployId === lock.deployId);
  expect(orphan?.state).toBe('running');
  doomed.kill('SIGKILL');
  await exited;
  expect(existsSync(lockFile)).toBe(true);
  expect((await proxy.get()).body).toBe('sample-app v1\n');

  const next = await runCli(['launch', config('v2'), ...flags]);
  expect(next.code, next.stderr + next.stdout).toBe(0);
  expect(next.stdout).toContain(
    `removed a stale deploy lock of deploy ${lock.deployId} (pid ${lock.pid} no longer runs)\n`,
  );
  expect(next.stdout).toMatch(
    new RegExp(
      `^removed orphan container wunderproxy-${name}-${lock.deployId} \\(running, left by an unfinished deploy\\) \\d+ ms$`,
      'm',
    ),
  );
  expect((await appContainers(name)).find((c) => c.id === orphan!.id)).toBeUndefined();
  expect((await proxy.get()).body).toBe('sample-app v2\n');
});
