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

test('launch v1 then v2 under keep-alive load: 0 failed requests, traffic on v2, v1 retired', async () => {
  const { name, proxy, flags, v1, v2 } = await setup();
  const first = await runCli(['launch', v1, ...flags]);
  expect(first.code, first.stderr + first.stdout).toBe(0);
  expect((await proxy.get()).body).toBe('sample-app v1\n');
  console.log(first.stdout, first.stderr);

  const load = new KeepAliveLoad(proxy.url, 16);
  load.start();
  await new Promise((r) => setTimeout(r, 300));
  const second = await runCli(['launch', v2, ...flags]);
  await new Promise((r) => setTimeout(r, 300));
  const samples = await load.stop();
  console.log(second.stdout, second.stderr);
  expect(second.code, second.stderr + second.stdout).toBe(0);

  const failed = samples.filter((s) => s.status !== 200);
  expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
  expect(new Set(samples.map((s) => s.body))).toEqual(new Set(['sample-app v1', 'sample-app v2']));
  expect((await proxy.get()).body).toBe('sample-app v2\n');
  const containers = await appContainers(name);
  console.log(containers, samples.length);
});
