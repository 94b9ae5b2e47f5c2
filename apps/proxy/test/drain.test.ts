import { afterEach, expect, test } from 'vitest';
import { nextRequest, startBackend, type TestBackend } from './support/backends.js';
import { request } from './support/http-client.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(drainTimeoutMs: number): Promise<{ a: TestBackend; b: TestBackend; proxy: TestProxy }> {
  const a = await startBackend('a');
  const b = await startBackend('b');
  const proxy = await startTestProxy({ backend: a.url, drainTimeoutMs });
  cleanups.push(a.close, b.close, () => proxy.close(100));
  return { a, b, proxy };
}

async function adminSwitch(proxy: TestProxy, url: string): Promise<void> {
  const response = await request(`${proxy.adminUrl}/api/backend`, { method: 'PUT', body: JSON.stringify({ url }) });
  expect(response.status).toBe(200);
}

test('keeps in-flight requests on the old backend after a switch', async () => {
  const { a, b, proxy } = await setUp(5000);
  const arrived = nextRequest(a, '/slow');
  const slow = request(`${proxy.url}/slow?ms=1500`, { agent: false });
  await arrived;

  await adminSwitch(proxy, b.url);
  expect((await request(proxy.url, { agent: false })).body).toBe('b');

  const response = await slow;
  expect(response.status).toBe(200);
  expect(response.body).toBe('a');
  expect(response.headers['x-backend']).toBe('a');
});

test('answers 504 to a request still running on the old backend when the drain deadline passes', async () => {
  const { a, b, proxy } = await setUp(300);
  const arrived = nextRequest(a, '/slow');
  const started = performance.now();
  const slow = request(`${proxy.url}/slow?ms=5000`, { agent: false });
  await arrived;

  await adminSwitch(proxy, b.url);
  const response = await slow;
  expect(response.status).toBe(504);
  expect(response.headers['x-wunderproxy-error']).toBe('drain');
  expect(performance.now() - started).toBeLessThan(3000);
  expect(proxy.logs.some((line) => line.msg === 'drain timeout: cut requests still running on the old backend')).toBe(
    true,
  );
  expect((await request(proxy.url, { agent: false })).body).toBe('b');
});

test('cuts a response that is still streaming from the old backend at the drain deadline', async () => {
  const { a, b, proxy } = await setUp(300);
  const result = new Promise<{ status: number; body: string; error?: string }>((resolve) => {
    void import('node:http').then(({ default: http }) => {
      http
        .get(`${proxy.url}/stream`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk;
            if (body === 'first\n') void adminSwitch(proxy, b.url);
          });
          res.on('end', () => resolve({ status: res.statusCode!, body }));
          res.on('error', (error) => resolve({ status: res.statusCode!, body, error: error.message }));
        })
        .on('error', (error) => resolve({ status: 0, body: '', error: error.message }));
    });
  });
  const { status, body, error } = await result;
  expect(status).toBe(200);
  expect(body).toBe('first\n');
  expect(error).toBeDefined();
  a.releaseStream();
});

test('shutdown lets an in-flight request finish before closing', async () => {
  const { a, proxy } = await setUp(5000);
  const arrived = nextRequest(a, '/slow');
  const slow = request(`${proxy.url}/slow?ms=800`, { agent: false });
  await arrived;
  const closed = proxy.close(5000);
  const response = await slow;
  await closed;
  expect(response.status).toBe(200);
  expect(response.body).toBe('a');
});
