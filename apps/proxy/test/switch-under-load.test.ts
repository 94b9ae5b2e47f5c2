import { switchViaRedis } from '@wunderproxy/proxy-client';
import type { RedisServer } from '@wunderproxy/testkit/redis';
import { startRedis } from '@wunderproxy/testkit/redis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBackend, type TestBackend } from './support/backends.js';
import { request } from './support/http-client.js';
import { Load, type Sample } from './support/load.js';
import { redisClient, waitForSubscribers } from './support/redis-watch.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

const SWITCHES = 45;
/** Each switch holds at least this long, so the run is ~15 s of sustained load. */
const MIN_SWITCH_INTERVAL_MS = 300;

interface AppliedSwitch {
  target: string;
  via: 'redis' | 'admin';
  startedAt: number;
  ackedAt: number;
}

let redis: RedisServer;
let backends: TestBackend[];
let proxy: TestProxy;

beforeAll(async () => {
  redis = await startRedis();
  backends = await Promise.all(['a', 'b', 'c'].map((name) => startBackend(name)));
  proxy = await startTestProxy({ backend: backends[0]!.url, redis: redis.url });
  const watcher = redisClient(redis.url);
  await waitForSubscribers(watcher, 'wunderproxy:app:switch');
  watcher.disconnect();
});

afterAll(async () => {
  await proxy?.close(1000);
  await Promise.all(backends?.map((backend) => backend.close()) ?? []);
  await redis?.stop();
});

async function switchTo(target: TestBackend, via: AppliedSwitch['via'], index: number): Promise<AppliedSwitch> {
  const startedAt = performance.now();
  if (via === 'redis') {
    const command = { id: `load-${index}`, url: target.url };
    const result = await switchViaRedis({ redisUrl: redis.url, name: 'app', command, timeoutMs: 5000 });
    expect(result.acks, `acks of switch ${index}`).toEqual([expect.objectContaining({ id: command.id, ok: true })]);
  } else {
    const response = await request(`${proxy.adminUrl}/api/backend`, {
      method: 'PUT',
      body: JSON.stringify({ url: target.url }),
    });
    expect(response.status, `admin switch ${index}: ${response.body}`).toBe(200);
  }
  return { target: target.name, via, startedAt, ackedAt: performance.now() };
}

/** The backends a sample may have come from: the last one acked before it was sent, or a later one already underway. */
function allowedBackends(sample: Sample, switches: AppliedSwitch[]): string[] {
  let last = -1;
  while (last + 1 < switches.length && switches[last + 1]!.ackedAt < sample.sentAt) last++;
  const allowed = [last < 0 ? 'a' : switches[last]!.target];
  for (let next = last + 1; next < switches.length && switches[next]!.startedAt < sample.doneAt; next++) {
    allowed.push(switches[next]!.target);
  }
  return allowed;
}

test('switches 45 times under sustained keep-alive and new-connection load without a failed or misrouted request', async () => {
  const load = new Load(proxy.url, { keepAlive: 24, newConnection: 6 });
  load.start();
  await load.answeredSince(0, 200);

  const switches: AppliedSwitch[] = [];
  for (let i = 0; i < SWITCHES; i++) {
    const target = backends[(i + 1) % backends.length]!;
    const applied = await switchTo(target, i % 4 === 3 ? 'admin' : 'redis', i);
    switches.push(applied);
    // Every switch window sees traffic sent after its ack, from both kinds of clients over time.
    await load.answeredSince(applied.ackedAt, 30);
    const elapsed = performance.now() - applied.startedAt;
    if (elapsed < MIN_SWITCH_INTERVAL_MS)
      await new Promise((resolve) => setTimeout(resolve, MIN_SWITCH_INTERVAL_MS - elapsed));
  }
  const samples = await load.stop();

  const failed = samples.filter((sample) => sample.error !== undefined || sample.status !== 200);
  expect(failed.slice(0, 5), `${failed.length} of ${samples.length} requests failed`).toEqual([]);

  const misrouted = samples
    .map((sample) => ({ ...sample, allowed: allowedBackends(sample, switches) }))
    .filter((sample) => !sample.allowed.includes(sample.backend!));
  expect(misrouted.slice(0, 5), `${misrouted.length} requests sent after an ack reached an old backend`).toEqual([]);

  // The run really was sustained load of both kinds, spread over all three backends. (The loop itself makes every
  // fourth switch an admin one and spaces them MIN_SWITCH_INTERVAL_MS apart: nothing to check about that here.)
  const afterFirstAck = samples.filter((sample) => sample.sentAt > switches[0]!.ackedAt);
  expect(afterFirstAck.filter((sample) => sample.client === 'keep-alive').length).toBeGreaterThan(2000);
  expect(afterFirstAck.filter((sample) => sample.client === 'new-connection').length).toBeGreaterThan(300);
  expect(new Set(samples.map((sample) => sample.backend))).toEqual(new Set(['a', 'b', 'c']));
}, 60_000);
