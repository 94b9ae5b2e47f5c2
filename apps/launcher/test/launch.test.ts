import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import {
  appContainers,
  buildSampleImages,
  configDocument,
  launchFlags,
  removeAppContainers,
  runCli,
  type SampleImages,
  uniqueName,
  Workdir,
} from './support/app-fixture.js';
import { KeepAliveLoad } from './support/load.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

let redis: RedisServer;
let images: SampleImages;
let work: Workdir;
const proxies: TestProxy[] = [];
const apps: string[] = [];

beforeAll(async () => {
  [redis, images] = await Promise.all([startRedis(), buildSampleImages(['v1', 'v2'])]);
  work = new Workdir();
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close(500)));
  await Promise.all(apps.splice(0).map((name) => removeAppContainers(name)));
});

afterAll(async () => {
  await images?.remove();
  await redis?.stop();
  work?.remove();
});

async function setup() {
  const name = uniqueName();
  apps.push(name);
  const proxy = await startTestProxy(name, redis.url);
  proxies.push(proxy);
  const flags = launchFlags({ stateDir: work.stateDir(name), adminUrl: proxy.adminUrl, redisUrl: redis.url });
  const v1 = work.write(`${name}-v1.json`, configDocument(name, { image: images.tags.v1! }));
  const v2 = work.write(`${name}-v2.json`, configDocument(name, { image: images.tags.v2! }));
  return { name, proxy, flags, v1, v2 };
}

/** A text step line: what happened, then its duration (`started container … 312 ms`, `… 1.4 s`). */
const STEP_LINE = /^(ERROR )?.+ \d+(\.\d)? (ms|s)$/;

test('launch v1 then v2 under keep-alive load: 0 failed requests, traffic on v2, v1 retired', async () => {
  const { name, proxy, flags, v1, v2 } = await setup();
  const first = await runCli(['launch', v1, ...flags]);
  expect(first.code, first.stderr + first.stdout).toBe(0);
  expect((await proxy.get()).body).toBe('sample-app v1\n');

  const load = new KeepAliveLoad(proxy.url, 8);
  load.start();
  await load.answered(50);
  const second = await runCli(['launch', v2, ...flags]);
  const answeredBefore = load.samples.length;
  await load.answered(answeredBefore + 50);
  const samples = await load.stop();
  expect(second.code, second.stderr + second.stdout).toBe(0);

  const failed = samples.filter((s) => s.status !== 200);
  expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
  // The load saw both versions (it ran across the switch) and nothing else.
  expect(new Set(samples.map((s) => s.body))).toEqual(new Set(['sample-app v1', 'sample-app v2']));
  expect(samples.slice(-20).every((s) => s.body === 'sample-app v2')).toBe(true);
  expect((await proxy.get()).body).toBe('sample-app v2\n');

  // Old container retired: stopped (kept for rollback), not running; the new one runs.
  const containers = await appContainers(name);
  expect(containers.map((c) => [c.image, c.state]).sort()).toEqual([
    [images.tags.v1, 'exited'],
    [images.tags.v2, 'running'],
  ]);

  // Every step is one line with its duration; the closing line names the deploy and the container.
  const lines = second.stdout.trimEnd().split('\n');
  const steps = lines.slice(0, -1);
  for (const line of steps) expect(line).toMatch(STEP_LINE);
  expect(
    steps.map((line) =>
      line
        .replace(/ \d+(\.\d)? (ms|s)$/, '')
        .replace(/\(.*\)|\S*127\.0\.0\.1\S*|wunderproxy-\S+|wp-launcher-test-\S+/g, 'X'),
    ),
  ).toEqual([
    'fetched config X',
    'image X present',
    'started container X on X',
    'container healthy after',
    'switched 1 proxy to X',
    'proxy drained the old container',
    'retired old container X',
  ]);
  expect(lines.at(-1)).toMatch(
    /^deployed \d{8}-\d{6}-[0-9a-f]{4}: traffic on wunderproxy-t-[0-9a-f]+-\S+ \(127\.0\.0\.1:\d+\), \d+(\.\d)? (ms|s) in all$/,
  );
});

test('--log-format json prints only JSON lines: one per step with its duration, then the outcome', async () => {
  const { name, proxy, flags, v1 } = await setup();
  const result = await runCli(['launch', v1, ...flags, '--log-format', 'json']);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  const lines = result.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.map((line) => line.step)).toEqual(['fetch-config', 'image', 'start', 'health', 'switch', 'done']);
  for (const line of lines) {
    expect(line).toMatchObject({
      deploy: expect.stringMatching(/^\d{8}-\d{6}-[0-9a-f]{4}$/),
      ok: true,
      message: expect.any(String),
    });
    expect(typeof line.durationMs).toBe('number');
    expect(Number.isNaN(Date.parse(line.time as string))).toBe(false);
  }
  expect(lines.find((line) => line.step === 'start')!.details).toMatchObject({ hostPort: expect.any(Number) });
  expect(lines.find((line) => line.step === 'switch')!.details).toMatchObject({ confirmed: 1, via: 'redis' });
  expect((await proxy.get()).body).toBe('sample-app v1\n');
  expect((await appContainers(name)).map((c) => c.state)).toEqual(['running']);
});

test('without Redis, launch switches the proxy through its admin API', async () => {
  const { name, proxy, v1 } = await setup();
  const result = await runCli([
    'launch',
    v1,
    ...launchFlags({ stateDir: work.stateDir(name), adminUrl: proxy.adminUrl }),
  ]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(/^switched the proxy \(admin API\) to http:\/\/127\.0\.0\.1:\d+ \d+ ms$/m);
  expect((await proxy.get()).body).toBe('sample-app v1\n');
});
