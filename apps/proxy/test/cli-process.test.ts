import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freePort } from '@wunderproxy/testkit/ports';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { nextRequest, startBackend, type TestBackend } from './support/backends.js';
import { type ProxyProcess, runCli, spawnProxy } from './support/cli.js';
import { request } from './support/http-client.js';

let a: TestBackend;
const running: ProxyProcess[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  a = await startBackend('a');
});
afterEach(async () => {
  for (const proxy of running.splice(0)) await proxy.stop();
  for (const server of servers.splice(0)) server.close();
});
afterAll(async () => {
  await a?.close();
});

async function occupiedPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

test('drains an in-flight request on SIGTERM, refuses new connections, and exits 0', async () => {
  const proxy = await spawnProxy(['--backend', a.url]);
  running.push(proxy);
  const arrived = nextRequest(a, '/slow');
  const slow = request(`${proxy.url}/slow?ms=1500`, { agent: false });
  await arrived;

  proxy.child.kill('SIGTERM');
  await proxy.logged('shutting down: draining');
  await expect(request(proxy.url, { agent: false })).rejects.toThrow(/ECONNREFUSED/);

  const response = await slow;
  expect(response.status).toBe(200);
  expect(response.body).toBe('a');
  expect(await proxy.exited).toBe(0);
  expect(proxy.logs.at(-1)?.msg).toBe('proxy stopped');
});

test('exits 2 with one line naming --listen when the port is in use', async () => {
  const port = await occupiedPort();
  const result = await runCli(['proxy', '--listen', `127.0.0.1:${port}`, '--admin', '127.0.0.1:0']);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe(`wunderproxy: --listen 127.0.0.1:${port}: address already in use\n`);
});

test('exits 2 naming --admin when the admin port is in use', async () => {
  const port = await occupiedPort();
  const result = await runCli(['proxy', '--listen', '127.0.0.1:0', '--admin', `127.0.0.1:${port}`]);
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toEqual([`wunderproxy: --admin 127.0.0.1:${port}: address already in use`]);
});

test('exits 2 on an unknown flag, a bad address and a bad backend URL', async () => {
  const unknown = await runCli(['proxy', '--listen', '127.0.0.1:0', '--frobnicate', 'yes']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/frobnicate/);

  const address = await runCli(['proxy', '--listen', 'nowhere', '--admin', '127.0.0.1:0']);
  expect(address.code).toBe(2);
  expect(address.stderr).toMatch(/^wunderproxy: --listen: expected HOST:PORT/);

  const backend = await runCli([
    'proxy',
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    '--backend',
    'ftp://x:21',
  ]);
  expect(backend.code).toBe(2);
  expect(backend.stderr).toMatch(/^wunderproxy: --backend: /);
});

test('reads WUNDERPROXY_LISTEN and WUNDERPROXY_BACKEND from the environment', async () => {
  const port = await freePort();
  const proxy = await spawnProxy(
    [],
    {
      WUNDERPROXY_LISTEN: `127.0.0.1:${port}`,
      WUNDERPROXY_ADMIN: '127.0.0.1:0',
      WUNDERPROXY_BACKEND: a.url,
    },
    false,
  );
  running.push(proxy);
  expect(proxy.url).toBe(`http://127.0.0.1:${port}`);
  expect((await request(proxy.url, { agent: false })).body).toBe('a');
  expect(await proxy.stop()).toBe(0);
});

test('closes open websockets with 1001 at the --drain-timeout on SIGTERM and exits 0', async () => {
  const proxy = await spawnProxy(['--backend', a.url, '--drain-timeout', '0.3']);
  running.push(proxy);
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws`);
  await once(ws, 'open');
  const closed = once(ws, 'close');
  proxy.child.kill('SIGTERM');
  const [code] = (await closed) as [number];
  expect(code).toBe(1001);
  expect(await proxy.exited).toBe(0);
});

test('bin/wunderproxy starts node with the proxy V8 flags; a bare `node` start logs a warning naming the missing one', async () => {
  const viaBin = await spawnProxy(['--backend', a.url]);
  running.push(viaBin);
  expect(readFileSync(`/proc/${viaBin.pid}/cmdline`, 'utf8').split('\0')).toContain('--no-memory-reducer');
  expect(viaBin.logs.filter((entry) => entry.level === 40)).toEqual([]);

  const bare = await spawnProxy(['--backend', a.url], {}, true, 'node');
  running.push(bare);
  const warning = bare.logs.find((entry) => entry.level === 40);
  expect(warning?.missing).toEqual(['--no-memory-reducer']);
  expect(warning?.msg).toMatch(/started without --no-memory-reducer.*bin\/wunderproxy/);
  expect((await request(bare.url)).body).toBe('a');
});
