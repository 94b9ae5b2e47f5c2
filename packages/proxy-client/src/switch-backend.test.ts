import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@wunderproxy/testkit/ports';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseAck, readBackendState, SwitchError, switchViaAdmin, switchViaRedis } from './switch-backend.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** A stand-in proxy on the switch channel that acks every message with `ok`. */
async function fakeProxy(name: string, proxyId: string, ok = true): Promise<() => void> {
  const subscriber = new Redis(redis.url);
  const publisher = new Redis(redis.url);
  subscriber.on('message', (_channel: string, text: string) => {
    const { id } = JSON.parse(text) as { id: string };
    void publisher.publish(
      `wunderproxy:${name}:ack`,
      JSON.stringify({ id, proxy: proxyId, ok, ...(ok ? {} : { error: 'url: no' }) }),
    );
  });
  await subscriber.subscribe(`wunderproxy:${name}:switch`);
  return () => {
    subscriber.disconnect();
    publisher.disconnect();
  };
}

test('stores the state, publishes the switch and collects one ack per subscriber', async () => {
  const stops = [await fakeProxy('shop', 'h:1'), await fakeProxy('shop', 'h:2', false)];
  const result = await switchViaRedis({
    redisUrl: redis.url,
    name: 'shop',
    command: { id: 's1', url: 'http://b:1' },
    timeoutMs: 3000,
  });
  for (const stop of stops) stop();
  expect(result.subscribers).toBe(2);
  expect(result.acks.map((ack) => [ack.proxy, ack.ok]).sort()).toEqual([
    ['h:1', true],
    ['h:2', false],
  ]);
  expect(await readBackendState(redis.url, 'shop')).toMatchObject({ url: 'http://b:1', maintenance: false, id: 's1' });
});

test('returns at once with no acks when nobody is subscribed, but still stores the state', async () => {
  const result = await switchViaRedis({
    redisUrl: redis.url,
    name: 'empty',
    command: { id: 'm1', maintenance: true },
    timeoutMs: 3000,
  });
  expect(result).toMatchObject({ subscribers: 0, acks: [] });
  expect(result.durationMs).toBeLessThan(1000);
  expect(await readBackendState(redis.url, 'empty')).toMatchObject({ url: null, maintenance: true, id: 'm1' });
});

test('ignores acks for other switch ids and gives up after timeoutMs', async () => {
  const subscriber = new Redis(redis.url);
  await subscriber.subscribe('wunderproxy:mute:switch');
  const publisher = new Redis(redis.url);
  subscriber.on(
    'message',
    () => void publisher.publish('wunderproxy:mute:ack', JSON.stringify({ id: 'other', proxy: 'x', ok: true })),
  );
  const result = await switchViaRedis({
    redisUrl: redis.url,
    name: 'mute',
    command: { id: 'mine', url: 'http://b:1' },
    timeoutMs: 300,
  });
  subscriber.disconnect();
  publisher.disconnect();
  expect(result.subscribers).toBe(1);
  expect(result.acks).toEqual([]);
  expect(result.durationMs).toBeGreaterThanOrEqual(290);
});

test('raises SWITCH_UNREACHABLE when Redis does not answer', async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const attempt = switchViaRedis({
    redisUrl: url,
    name: 'x',
    command: { id: 'u', url: 'http://b:1' },
    timeoutMs: 1000,
  });
  await expect(attempt).rejects.toBeInstanceOf(SwitchError);
  await expect(attempt).rejects.toMatchObject({ code: 'SWITCH_UNREACHABLE' });
});

test('readBackendState answers null for a name nobody stored', async () => {
  expect(await readBackendState(redis.url, 'never')).toBeNull();
});

test('switchViaAdmin sends the bearer token and maps refusals and unreachable admin APIs', async () => {
  const seen: Array<{ auth: string | undefined; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      seen.push({ auth: req.headers.authorization, body });
      if (req.headers.authorization !== 'Bearer t') res.writeHead(401).end('{"error":"token"}');
      else
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ url: 'http://b:1', maintenance: false, since: 'now', id: 'a1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const command = { id: 'a1', url: 'http://b:1' };

  await expect(switchViaAdmin({ adminUrl, token: 't', command, timeoutMs: 2000 })).resolves.toMatchObject({
    url: 'http://b:1',
  });
  expect(seen[0]).toEqual({ auth: 'Bearer t', body: JSON.stringify(command) });
  await expect(switchViaAdmin({ adminUrl, command, timeoutMs: 2000 })).rejects.toMatchObject({
    code: 'SWITCH_REFUSED',
    message: expect.stringContaining('401'),
  });
  server.close();
  const gone = `http://127.0.0.1:${await freePort()}`;
  await expect(switchViaAdmin({ adminUrl: gone, command, timeoutMs: 2000 })).rejects.toMatchObject({
    code: 'SWITCH_UNREACHABLE',
  });
});

test('parseAck accepts what proxies publish and ignores anything else on the channel', () => {
  expect(parseAck('{"id":"a","proxy":"h:1","ok":true}')).toEqual({ id: 'a', proxy: 'h:1', ok: true });
  expect(parseAck('{"id":"a","proxy":"h:1","ok":false,"error":"url: bad"}')).toEqual({
    id: 'a',
    proxy: 'h:1',
    ok: false,
    error: 'url: bad',
  });
  for (const hostile of [
    'null',
    '1',
    '"x"',
    '[]',
    '{}',
    'not json',
    '{"id":"a","proxy":"h:1","ok":"false"}',
    '{"id":1,"proxy":"h","ok":true}',
  ]) {
    expect(parseAck(hostile)).toBeUndefined();
  }
});
