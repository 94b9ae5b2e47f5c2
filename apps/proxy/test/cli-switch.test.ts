import { freePort } from '@wunderproxy/testkit/ports';
import type { RedisServer } from '@wunderproxy/testkit/redis';
import { startRedis } from '@wunderproxy/testkit/redis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBackend, type TestBackend } from './support/backends.js';
import { runCli } from './support/cli.js';
import { request } from './support/http-client.js';
import { redisClient, waitForSubscribers } from './support/redis-watch.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

let redis: RedisServer;
let a: TestBackend;
let b: TestBackend;
let proxies: TestProxy[];
let guarded: TestProxy;
/** Node's start-up on a busy 2-core machine, on top of the command's own --timeout. */
const STARTUP_ALLOWANCE_MS = 8000;

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = (await Promise.all([startBackend('a'), startBackend('b')])) as [TestBackend, TestBackend];
  proxies = [
    await startTestProxy({ backend: a.url, redis: redis.url }),
    await startTestProxy({ backend: a.url, redis: redis.url }),
  ];
  guarded = await startTestProxy({ backend: a.url, adminToken: 'tok' });
  const watcher = redisClient(redis.url);
  await waitForSubscribers(watcher, 'wunderproxy:app:switch', 2);
  watcher.disconnect();
});

afterAll(async () => {
  for (const proxy of [...(proxies ?? []), guarded]) await proxy?.close(100);
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
});

const servedBy = async (proxy: TestProxy) => (await request(proxy.url, { agent: false })).body;

test('switch --redis prints how many proxies acked and exits 0', async () => {
  const result = await runCli(['switch', b.url, '--redis', redis.url]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(new RegExp(`^switched 2 of 2 proxies to ${b.url} \\d+ ms\\n$`));
  for (const proxy of proxies) expect(await servedBy(proxy)).toBe('b');
});

test('switch maintenance --redis via WUNDERPROXY_REDIS puts every proxy in maintenance', async () => {
  const result = await runCli(['switch', 'maintenance', '--json'], { WUNDERPROXY_REDIS: redis.url });
  expect(result.code).toBe(0);
  const printed = JSON.parse(result.stdout) as { subscribers: number; acks: Array<{ ok: boolean }> };
  expect(printed.subscribers).toBe(2);
  expect(printed.acks.map((ack) => ack.ok)).toEqual([true, true]);
  for (const proxy of proxies) expect((await request(proxy.url, { agent: false })).status).toBe(503);
  expect((await runCli(['switch', a.url, '--redis', redis.url])).code).toBe(0);
});

test('switch --redis exits 1 within --timeout when no proxy of that name is subscribed', async () => {
  const result = await runCli(['switch', b.url, '--redis', redis.url, '--name', 'nobody', '--timeout', '2']);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/^switched 0 of 0 proxies/);
  expect(result.stderr).toMatch(/^wunderproxy: no proxy named "nobody" confirmed the switch within 2 s/);
  expect(result.durationMs).toBeLessThan(2000 + STARTUP_ALLOWANCE_MS);
});

test('switch --redis exits 1 when Redis is unreachable', async () => {
  const result = await runCli(['switch', b.url, '--redis', `redis://127.0.0.1:${await freePort()}`, '--timeout', '2']);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^wunderproxy: cannot reach Redis/);
});

test('switch without --redis goes through the admin API', async () => {
  const [proxy] = proxies as [TestProxy];
  const result = await runCli(['switch', b.url, '--admin', proxy.adminUrl]);
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(`switched ${proxy.adminUrl} to ${b.url}\n`);
  expect(await servedBy(proxy)).toBe('b');
});

test('switch through the admin API needs --admin-token when the proxy has one', async () => {
  const refused = await runCli(['switch', b.url, '--admin', guarded.adminUrl]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/answered 401/);
  expect(await servedBy(guarded)).toBe('a');

  const accepted = await runCli(['switch', b.url, '--admin', guarded.adminUrl, '--admin-token', 'tok']);
  expect(accepted.code).toBe(0);
  expect(await servedBy(guarded)).toBe('b');
});

test('switch exits 2 on a URL that is not http(s)', async () => {
  const result = await runCli(['switch', 'ftp://127.0.0.1:21', '--admin', guarded.adminUrl]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^wunderproxy: url: /);
});
