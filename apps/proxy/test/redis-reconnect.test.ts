import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendState, switchViaRedis } from '@wunderproxy/proxy-client';
import type { RedisServer } from '@wunderproxy/testkit/redis';
import { startRedis } from '@wunderproxy/testkit/redis';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { startBackend, type TestBackend } from './support/backends.js';
import { request } from './support/http-client.js';
import { redisClient, waitForSubscribers } from './support/redis-watch.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';
import { waitFor } from './support/wait-for.js';

const KEY = 'wunderproxy:app:backend';
const CHANNEL = 'wunderproxy:app:switch';

let a: TestBackend;
let b: TestBackend;
let c: TestBackend;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [a, b, c] = (await Promise.all(['a', 'b', 'c'].map((name) => startBackend(name)))) as [
    TestBackend,
    TestBackend,
    TestBackend,
  ];
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await Promise.all([a, b, c].map((backend) => backend?.close()));
});

async function redisFor(): Promise<RedisServer> {
  const redis = await startRedis();
  cleanups.push(redis.stop);
  return redis;
}

async function proxyFor(redis: RedisServer, backend: TestBackend, redisWaitMs?: number): Promise<TestProxy> {
  const proxy = await startTestProxy({
    backend: backend.url,
    redis: redis.url,
    ...(redisWaitMs ? { redisWaitMs } : {}),
  });
  cleanups.push(() => proxy.close(100));
  return proxy;
}

async function servedBy(proxy: TestProxy): Promise<string> {
  const response = await request(proxy.url, { agent: false });
  expect(response.status).toBe(200);
  return response.body;
}

async function switchAcked(redis: RedisServer, id: string, target: TestBackend): Promise<void> {
  const result = await switchViaRedis({
    redisUrl: redis.url,
    name: 'app',
    command: { id, url: target.url },
    timeoutMs: 5000,
  });
  expect(result.acks).toEqual([expect.objectContaining({ id, ok: true })]);
}

test('comes back on the backend stored in Redis after a restart, not on its --backend option', async () => {
  const redis = await redisFor();
  const first = await proxyFor(redis, a);
  const watcher = redisClient(redis.url);
  cleanups.push(async () => watcher.disconnect());
  await waitForSubscribers(watcher, CHANNEL);
  await switchAcked(redis, 'to-b', b);
  expect(await servedBy(first)).toBe('b');
  await first.close(100);

  const second = await proxyFor(redis, c);
  expect(await servedBy(second)).toBe('b');
  const state = JSON.parse((await request(`${second.adminUrl}/api/backend`)).body) as BackendState;
  expect(state).toMatchObject({ url: b.url, id: 'to-b', maintenance: false });
});

test('keeps serving while Redis is down, re-reads the key when it returns, and acks switches after that', async () => {
  const redis = await redisFor();
  const proxy = await proxyFor(redis, a);
  const watcher = redisClient(redis.url);
  cleanups.push(async () => watcher.disconnect());
  await waitForSubscribers(watcher, CHANNEL);
  const [, dir] = (await watcher.config('GET', 'dir')) as [string, string];
  watcher.disconnect();

  await redis.stop();
  for (let i = 0; i < 20; i++) expect(await servedBy(proxy)).toBe('a');
  await waitFor('the proxy to log the outage', () =>
    proxy.logs.some((line) => line.msg.startsWith('redis unavailable')),
  );

  // The key must be there the moment Redis accepts connections, before the proxy reconnects: write it in another
  // Redis and let the restarted one load that snapshot (Redis loads dump.rdb from its dir at start).
  const elsewhere = await startRedis();
  const writer = redisClient(elsewhere.url);
  const stored: BackendState = { url: c.url, maintenance: false, since: new Date().toISOString(), id: 'while-away' };
  await writer.set(KEY, JSON.stringify(stored));
  const [, otherDir] = (await writer.config('GET', 'dir')) as [string, string];
  await writer.save();
  writer.disconnect();
  await elsewhere.stop();
  copyFileSync(join(otherDir, 'dump.rdb'), join(dir, 'dump.rdb'));
  await redis.start();

  await waitFor('the proxy to switch to the stored backend', async () => (await servedBy(proxy)) === 'c', 15_000);
  const state = JSON.parse((await request(`${proxy.adminUrl}/api/backend`)).body) as BackendState;
  expect(state).toMatchObject({ url: c.url, id: 'while-away' });

  const again = redisClient(redis.url);
  cleanups.push(async () => again.disconnect());
  await waitForSubscribers(again, CHANNEL);
  await switchAcked(redis, 'after-reconnect', b);
  expect(await servedBy(proxy)).toBe('b');
}, 30_000);

test('stores an admin switch made while Redis was down when it returns, instead of going back to the stale key', async () => {
  const redis = await redisFor();
  const proxy = await proxyFor(redis, a);
  const watcher = redisClient(redis.url);
  await waitForSubscribers(watcher, CHANNEL);
  await waitFor('the proxy to store its backend', () => watcher.get(KEY));
  // The restarted Redis loads this snapshot, so its key still says `a`: the stale state a reconnect must not apply.
  await watcher.save();
  watcher.disconnect();
  await redis.stop();
  await waitFor('the proxy to log the outage', () =>
    proxy.logs.some((line) => line.msg.startsWith('redis unavailable')),
  );

  const viaAdmin = await request(`${proxy.adminUrl}/api/backend`, {
    method: 'PUT',
    body: JSON.stringify({ url: b.url }),
  });
  expect(viaAdmin.status).toBe(200);
  await redis.start();

  const again = redisClient(redis.url);
  cleanups.push(async () => again.disconnect());
  await waitFor(
    'the proxy to store the backend it switched to while Redis was away',
    async () => (JSON.parse((await again.get(KEY)) ?? '{}') as Partial<BackendState>).url === b.url,
    15_000,
  );
  for (let i = 0; i < 10; i++) expect(await servedBy(proxy)).toBe('b');
}, 30_000);

test('starts serving --backend when Redis is unreachable and syncs once Redis comes up', async () => {
  const redis = await redisFor();
  await redis.stop();
  const started = performance.now();
  const proxy = await proxyFor(redis, a, 300);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(await servedBy(proxy)).toBe('a');
  expect(proxy.logs.some((line) => line.msg.includes('redis not reachable at start'))).toBe(true);

  await redis.start();
  const watcher = redisClient(redis.url);
  cleanups.push(async () => watcher.disconnect());
  // Syncing an empty Redis means storing our backend, so proxies started later agree with this one.
  const stored = await waitFor('the proxy to store its backend', () => watcher.get(KEY), 15_000);
  expect(JSON.parse(stored as string)).toMatchObject({ url: a.url, maintenance: false });
  await waitForSubscribers(watcher, CHANNEL);
  await switchAcked(redis, 'after-start', b);
  expect(await servedBy(proxy)).toBe('b');
}, 30_000);

test('stores admin API and maintenance switches in Redis, so a restarted proxy comes back on them', async () => {
  const redis = await redisFor();
  const first = await proxyFor(redis, a);
  const viaAdmin = await request(`${first.adminUrl}/api/backend`, {
    method: 'PUT',
    body: JSON.stringify({ url: b.url }),
  });
  expect(viaAdmin.status).toBe(200);
  await first.close(100);
  const second = await proxyFor(redis, c);
  expect(await servedBy(second)).toBe('b');

  const watcher = redisClient(redis.url);
  cleanups.push(async () => watcher.disconnect());
  await waitForSubscribers(watcher, CHANNEL);
  const result = await switchViaRedis({
    redisUrl: redis.url,
    name: 'app',
    command: { id: 'm', maintenance: true },
    timeoutMs: 5000,
  });
  expect(result.acks).toEqual([expect.objectContaining({ ok: true })]);
  await second.close(100);
  const third = await proxyFor(redis, c);
  expect((await request(third.url, { agent: false })).status).toBe(503);
  expect(JSON.parse((await request(`${third.adminUrl}/api/backend`)).body)).toMatchObject({
    maintenance: true,
    id: 'm',
  });
});
