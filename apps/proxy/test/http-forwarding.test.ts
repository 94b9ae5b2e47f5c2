import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { nextRequest, startBackend, type TestBackend } from './support/backends.js';
import { request } from './support/http-client.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

let a: TestBackend;
let proxy: TestProxy;

beforeAll(async () => {
  a = await startBackend('a');
  proxy = await startTestProxy({ backend: a.url });
});

afterAll(async () => {
  await proxy?.close(100);
  await a?.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function backendSaw(
  headers: http.OutgoingHttpHeaders,
): Promise<{ seen: Record<string, string>; response: http.IncomingHttpHeaders }> {
  const response = await request(`${proxy.url}/headers`, { headers, agent: false });
  expect(response.status).toBe(200);
  return {
    seen: (JSON.parse(response.body) as { headers: Record<string, string> }).headers,
    response: response.headers,
  };
}

/** Sends `head` as the raw request head on a fresh connection and returns the backend's view of the headers. */
function rawRequest(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxy.port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

test('reuses keep-alive connections on both sides', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const before = a.connections;
  for (let i = 0; i < 5; i++) expect((await request(proxy.url, { agent })).body).toBe('a');
  const status = JSON.parse((await request(`${proxy.adminUrl}/status.json`)).body) as {
    stats: { connections: { open: number } };
  };
  expect(status.stats.connections.open).toBe(1);
  expect(a.connections - before).toBeLessThanOrEqual(1);
  agent.destroy();
});

test('streams a 5 MiB request body to the backend intact', async () => {
  const chunks = Array.from({ length: 80 }, () => randomBytes(64 * 1024));
  const { createHash } = await import('node:crypto');
  const expected = createHash('sha256');
  for (const chunk of chunks) expected.update(chunk);
  const response = await new Promise<string>((resolve, reject) => {
    const req = http.request(`${proxy.url}/hash`, { method: 'POST', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    void (async () => {
      for (const chunk of chunks) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      req.end();
    })();
  });
  expect(JSON.parse(response)).toEqual({ backend: 'a', bytes: 5 * 1024 * 1024, sha256: expected.digest('hex') });
});

test('streams a response: the client gets the first chunk before the backend sends the last', async () => {
  const body = await new Promise<string[]>((resolve, reject) => {
    http
      .get(`${proxy.url}/stream`, { agent: false }, (res) => {
        const seen: string[] = [];
        res.on('data', (chunk: Buffer) => {
          seen.push(chunk.toString());
          // The backend holds `last` until released: if the proxy buffered, this would never run.
          if (seen.length === 1) a.releaseStream();
        });
        res.on('end', () => resolve(seen));
      })
      .on('error', reject);
  });
  expect(body).toEqual(['first\n', 'last\n']);
});

test('sets X-Forwarded-For, -Proto and -Host', async () => {
  const { seen } = await backendSaw({ host: 'shop.example.test' });
  expect(seen['x-forwarded-for']).toBe('127.0.0.1');
  expect(seen['x-forwarded-proto']).toBe('http');
  expect(seen['x-forwarded-host']).toBe('shop.example.test');
  expect(seen.host).toBe('shop.example.test');
});

test("appends the client to an existing X-Forwarded-For and keeps a load balancer's proto and host", async () => {
  const { seen } = await backendSaw({
    'x-forwarded-for': '203.0.113.7, 10.0.0.1',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'public.example.test',
  });
  expect(seen['x-forwarded-for']).toBe('203.0.113.7, 10.0.0.1, 127.0.0.1');
  expect(seen['x-forwarded-proto']).toBe('https');
  expect(seen['x-forwarded-host']).toBe('public.example.test');
});

test('removes hop-by-hop request headers, including those the Connection header names', async () => {
  const text = await rawRequest(
    'GET /headers HTTP/1.1\r\nHost: a.test\r\nConnection: close, X-Hop-Secret\r\nX-Hop-Secret: 1\r\n' +
      'Keep-Alive: timeout=5\r\nProxy-Authorization: Basic eDp5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n' +
      'X-End-To-End: kept\r\n\r\n',
  );
  const seen = (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> }).headers;
  for (const name of ['x-hop-secret', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te'])
    expect(seen[name], name).toBeUndefined();
  expect(seen.connection ?? 'keep-alive').not.toContain('X-Hop-Secret');
  expect(seen['x-end-to-end']).toBe('kept');
});

test('removes hop-by-hop response headers, including those the Connection header names', async () => {
  const response = await request(`${proxy.url}/hop`, { agent: false });
  expect(response.status).toBe(200);
  expect(response.headers['x-backend-secret']).toBeUndefined();
  expect(response.headers['proxy-authenticate']).toBeUndefined();
  expect(response.headers['keep-alive']).not.toBe('timeout=5');
  expect(response.headers['x-end-to-end']).toBe('kept');
});

test('generates an X-Request-Id when there is none and keeps one the client sent', async () => {
  const generated = await backendSaw({});
  expect(generated.seen['x-request-id']).toMatch(UUID);
  expect(generated.response['x-request-id']).toBe(generated.seen['x-request-id']);

  const kept = await backendSaw({ 'x-request-id': 'req-42' });
  expect(kept.seen['x-request-id']).toBe('req-42');
  expect(kept.response['x-request-id']).toBe('req-42');
});

test('forwards method, path and query unchanged', async () => {
  const response = await request(`${proxy.url}/headers?x=1&y=%20`, { method: 'DELETE', agent: false });
  expect(JSON.parse(response.body)).toMatchObject({ method: 'DELETE', url: '/headers?x=1&y=%20' });
});

test('ignores an h2c upgrade offer and answers over HTTP/1.1', async () => {
  const text = await rawRequest(
    'GET / HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
      'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n',
  );
  expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(text.endsWith('\r\n\r\na')).toBe(true);
});

test('resends a bodiless request once when the backend dropped the reused keep-alive connection', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 3; i++) {
    const response = await request(`${proxy.url}/stale-keep-alive`, { agent });
    expect(response.status, `request ${i}`).toBe(200);
  }
  agent.destroy();
});

test('resends once, and only a bodiless request, when the backend dropped the reused connection', async () => {
  // A proxy of its own, so every request below goes over the one upstream connection the previous one left idle.
  const stale = await startBackend('stale');
  const own = await startTestProxy({ backend: stale.url });
  let arrived = 0;
  stale.events.on('request', () => arrived++);
  try {
    const post = (body: string) => request(`${own.url}/stale-keep-alive`, { method: 'POST', body, agent: false });
    expect((await post('one')).status).toBe(200);
    // The body may already be on its way to the backend: sending it again could apply it twice, so 502.
    const dropped = await post('two');
    expect(dropped.status).toBe(502);
    expect(dropped.headers['x-wunderproxy-error']).toBe('backend-error');
    expect(arrived).toBe(2);
    expect((await request(`${own.url}/stale-keep-alive`, { agent: false })).status).toBe(200);
    // Bodiless on the reused connection: dropped, sent again once on a new connection, answered.
    expect((await request(`${own.url}/stale-keep-alive`, { agent: false })).status).toBe(200);
    expect(arrived).toBe(5);
  } finally {
    await own.close(100);
    await stale.close();
  }
});

test('gives up on the backend request when the client goes away', async () => {
  const arrived = nextRequest(a, '/slow');
  const aborted = new Promise<void>((resolve) => a.events.once('aborted', () => resolve()));
  const req = http.get(`${proxy.url}/slow?ms=10000`, { agent: false });
  req.on('error', () => {});
  await arrived;
  req.destroy();
  await aborted;
});

test("answers HEAD with the backend's headers and no body", async () => {
  const response = await request(proxy.url, { method: 'HEAD', agent: false });
  expect(response.status).toBe(200);
  expect(response.headers['content-length']).toBe('1');
  expect(response.body).toBe('');
});
