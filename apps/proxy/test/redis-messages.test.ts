import type { SwitchAck } from '@wunderproxy/proxy-client';
import type { RedisServer } from '@wunderproxy/testkit/redis';
import { startRedis } from '@wunderproxy/testkit/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBackend, type TestBackend } from './support/backends.js';
import { request } from './support/http-client.js';
import { redisClient, waitForSubscribers } from './support/redis-watch.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

const CHANNEL = 'wunderproxy:app:switch';
const ACKS = 'wunderproxy:app:ack';

let redis: RedisServer;
let a: TestBackend;
let b: TestBackend;
let proxy: TestProxy;
let publisher: Redis;
let ackListener: Redis;
const acks: SwitchAck[] = [];

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = (await Promise.all([startBackend('a'), startBackend('b')])) as [TestBackend, TestBackend];
  proxy = await startTestProxy({ backend: a.url, redis: redis.url });
  publisher = redisClient(redis.url);
  ackListener = redisClient(redis.url);
  ackListener.on('message', (_channel: string, text: string) => acks.push(JSON.parse(text) as SwitchAck));
  await ackListener.subscribe(ACKS);
  await waitForSubscribers(publisher, CHANNEL);
});

afterAll(async () => {
  publisher?.disconnect();
  ackListener?.disconnect();
  await proxy?.close(100);
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
});

/** Messages are handled one at a time in order: once this one's refusal is acked, every earlier one was handled. */
async function publishAndSettle(messages: string[]): Promise<void> {
  const marker = `marker-${acks.length}-${Date.now()}`;
  const settled = new Promise<void>((resolve) => {
    ackListener.on('message', (_channel: string, text: string) => {
      if ((JSON.parse(text) as SwitchAck).id === marker) resolve();
    });
  });
  for (const message of messages) await publisher.publish(CHANNEL, message);
  await publisher.publish(CHANNEL, JSON.stringify({ id: marker, url: 'gopher://marker' }));
  await settled;
}

async function expectStillOnA(): Promise<void> {
  const state = JSON.parse((await request(`${proxy.adminUrl}/api/backend`)).body) as { url: string };
  expect(state.url).toBe(a.url);
  expect((await request(proxy.url, { agent: false })).body).toBe('a');
}

test('ignores and logs messages that are not a switch object, without acking them', async () => {
  const messages = [
    'not json',
    `{"id": "x", "url": "${b.url}"`,
    JSON.stringify([{ id: 'array', url: b.url }]),
    'null',
    '42',
    '"http://127.0.0.1:1"',
    JSON.stringify({ url: b.url }),
    JSON.stringify({ id: 7, url: b.url }),
    JSON.stringify({ id: '', url: b.url }),
    JSON.stringify({ id: 'huge', url: b.url, padding: 'x'.repeat(1024 * 1024) }),
  ];
  const logged = proxy.logs.length;
  const acked = acks.length;
  await publishAndSettle(messages);

  await expectStillOnA();
  const warnings = proxy.logs.slice(logged).filter((line) => line.msg === 'ignoring a malformed switch message');
  expect(warnings).toHaveLength(messages.length + 1);
  expect(warnings.find((line) => String(line.err).includes('larger than'))).toBeDefined();
  expect(warnings.find((line) => String(line.err).startsWith('id: required'))).toBeDefined();
  // Nothing without a usable id is acked: only the marker's refusal arrived.
  expect(acks.slice(acked).map((ack) => ack.id)).toEqual([expect.stringMatching(/^marker-/)]);
});

test('refuses well-formed ids with a bad url, wrong types or unknown fields, acking ok:false', async () => {
  const refused: Record<string, unknown> = {
    javascript: { url: 'javascript:alert(1)' },
    ftp: { url: 'ftp://127.0.0.1:21' },
    file: { url: 'file:///etc/passwd' },
    path: { url: `${b.url}/admin` },
    query: { url: `${b.url}?x=1` },
    credentials: { url: `http://user:secret@127.0.0.1:${b.port}` },
    'not-a-url': { url: 'b' },
    'url-number': { url: 1234 },
    'url-object': { url: { href: b.url } },
    'maintenance-string': { maintenance: 'true' },
    'maintenance-with-url': { maintenance: true, url: b.url },
    'unknown-field': { url: b.url, weight: 100 },
    'no-target': {},
  };
  const acked = acks.length;
  const logged = proxy.logs.length;
  await publishAndSettle(Object.entries(refused).map(([id, body]) => JSON.stringify({ id, ...(body as object) })));

  await expectStillOnA();
  const answers = acks.slice(acked).filter((ack) => !ack.id.startsWith('marker-'));
  expect(answers.map((ack) => ack.id)).toEqual(Object.keys(refused));
  for (const ack of answers) {
    expect(ack, ack.id).toMatchObject({ ok: false, proxy: expect.stringMatching(/:\d+$/) });
    expect(ack.error, ack.id).toMatch(/^(url|maintenance|weight): /);
  }
  expect(proxy.logs.slice(logged).filter((line) => line.msg === 'ignoring a malformed switch message')).toHaveLength(
    answers.length + 1,
  );
});

test('refuses __proto__ and constructor keys without polluting prototypes', async () => {
  const acked = acks.length;
  await publishAndSettle([
    `{"id": "proto", "url": "${b.url}", "__proto__": {"maintenance": true, "polluted": "yes"}}`,
    `{"__proto__": {"id": "proto-id", "url": "${b.url}"}}`,
    `{"id": "ctor", "url": "${b.url}", "constructor": {"prototype": {"polluted": "yes"}}}`,
  ]);

  await expectStillOnA();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).maintenance).toBeUndefined();
  const answers = acks.slice(acked).filter((ack) => !ack.id.startsWith('marker-'));
  expect(answers.map((ack) => [ack.id, ack.ok])).toEqual([
    ['proto', false],
    ['ctor', false],
  ]);
});

test('applies a well-formed switch after all that and acks it ok:true', async () => {
  await publishAndSettle([JSON.stringify({ id: 'good', url: b.url })]);
  expect(acks.find((ack) => ack.id === 'good')).toMatchObject({ ok: true });
  expect((await request(proxy.url, { agent: false })).body).toBe('b');
});
