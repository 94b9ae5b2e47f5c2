import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBackend, type TestBackend } from './support/backends.js';
import { request } from './support/http-client.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

let a: TestBackend;
let b: TestBackend;
let proxy: TestProxy;
let guarded: TestProxy;
const TOKEN = 's3cret-token';

beforeAll(async () => {
  [a, b] = (await Promise.all([startBackend('a'), startBackend('b')])) as [TestBackend, TestBackend];
  proxy = await startTestProxy({ backend: a.url });
  guarded = await startTestProxy({ backend: a.url, adminToken: TOKEN });
});

afterAll(async () => {
  await proxy?.close(100);
  await guarded?.close(100);
  await Promise.all([a?.close(), b?.close()]);
});

const put = (target: TestProxy, body: string, headers: Record<string, string> = {}) =>
  request(`${target.adminUrl}/api/backend`, {
    method: 'PUT',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('PUT /api/backend with bad input', () => {
  const cases: Array<[string, () => string, string]> = [
    ['a body that is not JSON', () => '{"url": ', 'body'],
    ['an empty body', () => '', 'url'],
    ['a JSON array', () => JSON.stringify([{ url: b.url }]), 'body'],
    ['a JSON string', () => JSON.stringify(b.url), 'body'],
    ['a url that is a number', () => '{"url": 8080}', 'url'],
    ['maintenance as a string', () => '{"maintenance": "yes"}', 'maintenance'],
    ['a body over 64 KiB', () => JSON.stringify({ url: b.url, pad: 'x'.repeat(70 * 1024) }), 'body'],
    ['an ftp url', () => '{"url": "ftp://127.0.0.1:21"}', 'url'],
    ['a javascript: url', () => '{"url": "javascript:alert(1)"}', 'url'],
    ['a url with a path', () => JSON.stringify({ url: `${b.url}/x` }), 'url'],
    ['a url with credentials', () => JSON.stringify({ url: `http://u:p@127.0.0.1:${b.port}` }), 'url'],
    ['an unknown field', () => JSON.stringify({ url: b.url, color: 'red' }), 'color'],
    ['no url', () => '{}', 'url'],
    ['a __proto__ key', () => `{"url": "${b.url}", "__proto__": {"x": 1}}`, '__proto__'],
  ];
  test.each(cases)('answers 400 naming the field for %s and keeps the backend', async (_what, body, field) => {
    const response = await put(proxy, body());
    expect(response.status).toBe(400);
    const { error } = JSON.parse(response.body) as { error: string };
    expect(error.startsWith(`${field}: `), error).toBe(true);
    const state = JSON.parse((await request(`${proxy.adminUrl}/api/backend`)).body) as { url: string };
    expect(state.url).toBe(a.url);
    expect((await request(proxy.url, { agent: false })).body).toBe('a');
  });
});

test('switches with a good body and answers the new state; GET shows it', async () => {
  const response = await put(proxy, JSON.stringify({ url: `${b.url}/` }));
  expect(response.status).toBe(200);
  const state = JSON.parse(response.body) as Record<string, unknown>;
  expect(state).toMatchObject({ url: b.url, maintenance: false, id: expect.any(String), since: expect.any(String) });
  expect(JSON.parse((await request(`${proxy.adminUrl}/api/backend`)).body)).toEqual(state);
  expect((await request(proxy.url, { agent: false })).body).toBe('b');

  const maintenance = await put(proxy, '{"maintenance": true}');
  expect(JSON.parse(maintenance.body)).toMatchObject({ url: null, maintenance: true });
  const back = await put(proxy, JSON.stringify({ url: a.url }));
  expect(JSON.parse(back.body)).toMatchObject({ url: a.url, maintenance: false });
});

test('requires the bearer token on /api/* when adminToken is set', async () => {
  const missing = await request(`${guarded.adminUrl}/api/backend`);
  expect(missing.status).toBe(401);
  expect(missing.headers['www-authenticate']).toBe('Bearer');
  expect(
    (await request(`${guarded.adminUrl}/api/backend`, { headers: { authorization: 'Bearer wrong' } })).status,
  ).toBe(401);
  expect((await request(`${guarded.adminUrl}/api/backend`, { headers: { authorization: TOKEN } })).status).toBe(401);
  expect((await put(guarded, JSON.stringify({ url: b.url }))).status).toBe(401);
  expect((await request(guarded.url, { agent: false })).body).toBe('a');

  const ok = await request(`${guarded.adminUrl}/api/backend`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body)).toMatchObject({ url: a.url });
  expect((await put(guarded, JSON.stringify({ url: b.url }), { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  expect((await request(guarded.url, { agent: false })).body).toBe('b');
  // Health and status pages stay open for supervisors and load balancers.
  expect((await request(`${guarded.adminUrl}/healthz`)).status).toBe(200);
});

test('answers /healthz, /status, /status.json and /metrics', async () => {
  await request(proxy.url, { agent: false });
  const health = await request(`${proxy.adminUrl}/healthz`);
  expect(health.status).toBe(200);
  expect(health.body).toBe('ok\n');

  const page = await request(`${proxy.adminUrl}/status`);
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.body).toContain('status.json');

  const status = JSON.parse((await request(`${proxy.adminUrl}/status.json`)).body) as {
    stats: { requests: Record<string, number>; connections: Record<string, number> };
    process: { pid: number };
  };
  expect(status).toMatchObject({
    name: 'app',
    backend: { url: expect.any(String) },
    drainingBackends: expect.any(Number),
  });
  expect(status.stats.requests['2xx']).toBeGreaterThan(0);
  expect(status.stats.connections).toMatchObject({ open: expect.any(Number), websockets: 0 });
  expect(status.process.pid).toBe(process.pid);

  const metrics = await request(`${proxy.adminUrl}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
  expect(metrics.body).toMatch(/^wunderproxy_requests_total\{class="2xx"\} [1-9]/m);
  expect(metrics.body).toContain('wunderproxy_draining_backends');
});

test('answers 404 for an unknown /api path', async () => {
  const response = await request(`${proxy.adminUrl}/api/nothing`);
  expect(response.status).toBe(404);
});
