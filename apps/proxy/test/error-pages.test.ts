import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@wunderproxy/testkit/ports';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { ProxyOptions } from '../src/index.js';
import { startBackend, type TestBackend } from './support/backends.js';
import { request } from './support/http-client.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

let a: TestBackend;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  a = await startBackend('a');
});
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close(100);
});
afterAll(async () => {
  await a?.close();
});

async function proxyWith(options: Partial<ProxyOptions>): Promise<TestProxy> {
  const proxy = await startTestProxy(options);
  proxies.push(proxy);
  return proxy;
}

async function timed(url: string, method = 'GET') {
  const started = performance.now();
  const response = await request(url, { agent: false, method });
  return { ...response, ms: performance.now() - started };
}

test('answers 502 at once when no backend is set', async () => {
  const proxy = await proxyWith({});
  const response = await timed(`${proxy.url}/anything`);
  expect(response.status).toBe(502);
  expect(response.headers['x-wunderproxy-error']).toBe('no-backend');
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.ms).toBeLessThan(200);
});

test('answers 502 when the backend refuses connections', async () => {
  const proxy = await proxyWith({ backend: `http://127.0.0.1:${await freePort()}` });
  const response = await timed(proxy.url);
  expect(response.status).toBe(502);
  expect(response.headers['x-wunderproxy-error']).toBe('backend-unreachable');
  expect(response.ms).toBeLessThan(1000);
});

test('answers 502 when the backend closes the connection without answering', async () => {
  const proxy = await proxyWith({ backend: a.url });
  const response = await timed(`${proxy.url}/destroy`);
  expect(response.status).toBe(502);
  expect(response.headers['x-wunderproxy-error']).toBe('backend-error');
});

test('answers 504 when the backend sends nothing for backendTimeoutMs', async () => {
  const proxy = await proxyWith({ backend: a.url, backendTimeoutMs: 300 });
  const response = await timed(`${proxy.url}/slow?ms=5000`);
  expect(response.status).toBe(504);
  expect(response.headers['x-wunderproxy-error']).toBe('timeout');
  expect(response.ms).toBeGreaterThanOrEqual(290);
  expect(response.ms).toBeLessThan(3000);
  // The proxy stays usable for the next request.
  expect((await timed(proxy.url)).body).toBe('a');
});

test('answers 503 with Retry-After in maintenance mode, and 200 on the health check path', async () => {
  const proxy = await proxyWith({ backend: 'maintenance' });
  const page = await timed(`${proxy.url}/shop`);
  expect(page.status).toBe(503);
  expect(page.headers['retry-after']).toBe('30');
  expect(page.headers['x-wunderproxy-error']).toBe('maintenance');
  expect(page.body).toContain('maintenance');

  const head = await timed(`${proxy.url}/shop`, 'HEAD');
  expect(head.status).toBe(503);
  expect(head.body).toBe('');

  const health = await timed(`${proxy.url}/healthz`);
  expect(health.status).toBe(200);
  expect(health.body).toBe('ok\n');
});

test('answers 200 on a custom health check path in maintenance mode', async () => {
  const proxy = await proxyWith({ backend: 'maintenance', healthCheckPath: '/up' });
  expect((await timed(`${proxy.url}/up`)).status).toBe(200);
  expect((await timed(`${proxy.url}/healthz`)).status).toBe(503);
});

test('serves the maintenance page file, and only for the proxy that was given it', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'wp-page-')), 'maintenance.html');
  writeFileSync(file, '<h1>Back at 10:00</h1>\n');
  const custom = await proxyWith({ backend: 'maintenance', maintenancePage: file });
  const page = await timed(custom.url);
  expect(page.status).toBe(503);
  expect(page.body).toBe('<h1>Back at 10:00</h1>\n');

  const plain = await proxyWith({ backend: 'maintenance' });
  expect((await timed(plain.url)).body).not.toContain('Back at 10:00');
});

test('refuses to start when the maintenance page file cannot be read', async () => {
  await expect(startTestProxy({ maintenancePage: '/nonexistent/page.html' })).rejects.toThrow(/--maintenance-page/);
});
