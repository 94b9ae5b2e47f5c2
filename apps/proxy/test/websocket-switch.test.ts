import { once } from 'node:events';
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startBackend, type TestBackend } from './support/backends.js';
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

async function openSocket(proxy: TestProxy): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
  cleanups.push(async () => ws.terminate());
  await once(ws, 'open');
  return ws;
}

async function echo(ws: WebSocket, text: string): Promise<string> {
  const reply = once(ws, 'message');
  ws.send(text);
  const [data] = (await reply) as [Buffer];
  return data.toString();
}

async function adminSwitch(proxy: TestProxy, url: string): Promise<void> {
  const response = await request(`${proxy.adminUrl}/api/backend`, { method: 'PUT', body: JSON.stringify({ url }) });
  expect(response.status).toBe(200);
}

test('keeps an open websocket on the old backend after a switch and sends new ones to the new backend', async () => {
  const { b, proxy } = await setUp(5000);
  const old = await openSocket(proxy);
  expect(await echo(old, 'before')).toBe('a:before');

  await adminSwitch(proxy, b.url);
  expect(await echo(old, 'after')).toBe('a:after');
  const fresh = await openSocket(proxy);
  expect(await echo(fresh, 'hello')).toBe('b:hello');
  expect(await echo(old, 'still')).toBe('a:still');

  const closed = once(old, 'close');
  old.close(1000);
  await closed;
  fresh.close(1000);
  await once(fresh, 'close');
});

test('closes a websocket on the old backend with 1001 when the drain deadline passes', async () => {
  const { b, proxy } = await setUp(300);
  const old = await openSocket(proxy);
  expect(await echo(old, 'ping')).toBe('a:ping');
  const closed = once(old, 'close');

  await adminSwitch(proxy, b.url);
  const [code] = (await closed) as [number, Buffer];
  expect(code).toBe(1001);

  const fresh = await openSocket(proxy);
  expect(await echo(fresh, 'ping')).toBe('b:ping');
  fresh.close(1000);
  await once(fresh, 'close');
});

test('refuses a websocket with 503 in maintenance mode', async () => {
  const { proxy } = await setUp(300);
  const maintenance = await request(`${proxy.adminUrl}/api/backend`, { method: 'PUT', body: '{"maintenance":true}' });
  expect(maintenance.status).toBe(200);
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
  ws.on('error', () => {});
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  expect(response.statusCode).toBe(503);
  ws.terminate();
});

test('answers 502 to a websocket whose backend refuses connections', async () => {
  const { a, proxy } = await setUp(300);
  await a.close();
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
  ws.on('error', () => {});
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  expect(response.statusCode).toBe(502);
  ws.terminate();
});
