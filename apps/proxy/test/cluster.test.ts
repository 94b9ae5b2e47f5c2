import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { nextRequest, startBackend, type TestBackend } from './support/backends.js';
import { type ProxyProcess, spawnProxy } from './support/cli.js';
import { request } from './support/http-client.js';

let a: TestBackend;
let b: TestBackend;
const running: ProxyProcess[] = [];

beforeAll(async () => {
  [a, b] = (await Promise.all([startBackend('a'), startBackend('b')])) as [TestBackend, TestBackend];
});
afterEach(async () => {
  for (const proxy of running.splice(0)) await proxy.stop();
});
afterAll(async () => {
  await Promise.all([a, b].map((backend) => backend?.close()));
});

async function switchTo(proxy: ProxyProcess, url: string): Promise<void> {
  const response = await request(`${proxy.adminUrl}/api/backend`, { method: 'PUT', body: JSON.stringify({ url }) });
  expect(response.status).toBe(200);
}

test('with --workers 2, every request after a switch answer goes to the new backend, whichever worker takes it', async () => {
  const proxy = await spawnProxy(['--workers', '2', '--backend', a.url]);
  running.push(proxy);
  for (const [target, name] of [
    [b, 'b'],
    [a, 'a'],
    [b, 'b'],
  ] as const) {
    await switchTo(proxy, target.url);
    // New connections each time: the kernel spreads them over both workers.
    const bodies = await Promise.all(
      Array.from({ length: 40 }, () => request(proxy.url, { agent: false }).then((r) => `${r.status} ${r.body}`)),
    );
    expect(new Set(bodies)).toEqual(new Set([`200 ${name}`]));
  }
  const status = JSON.parse((await request(`${proxy.adminUrl}/status.json`)).body) as {
    backend: { url: string };
    stats: { requests: Record<string, number> };
  };
  expect(status.backend.url).toBe(b.url);
  // The counters are the sum over the workers, refreshed when a switch is applied and every second.
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const later = JSON.parse((await request(`${proxy.adminUrl}/status.json`)).body) as typeof status;
  expect(later.stats.requests['2xx']).toBe(120);
}, 30_000);

test('with --workers 2, SIGTERM drains an in-flight request on a worker and exits 0', async () => {
  const proxy = await spawnProxy(['--workers', '2', '--backend', a.url]);
  running.push(proxy);
  const arrived = nextRequest(a, '/slow');
  const slow = request(`${proxy.url}/slow?ms=1000`, { agent: false });
  await arrived;
  proxy.child.kill('SIGTERM');
  const response = await slow;
  expect(response.status).toBe(200);
  expect(response.body).toBe('a');
  expect(await proxy.exited).toBe(0);
}, 30_000);
