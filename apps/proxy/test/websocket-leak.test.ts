import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startBackend, type TestBackend } from './support/backends.js';
import { type ProxyProcess, spawnProxy } from './support/cli.js';
import { request } from './support/http-client.js';
import { waitFor } from './support/wait-for.js';

let a: TestBackend;
let proxy: ProxyProcess;

beforeAll(async () => {
  a = await startBackend('a');
  proxy = await spawnProxy(['--backend', a.url]);
});

afterAll(async () => {
  await proxy?.stop();
  await a?.close();
});

/** Sockets the proxy process holds open: listeners, client connections, upstream connections. */
function openSockets(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

async function roundTrip(i: number): Promise<void> {
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws/${i}`);
  await once(ws, 'open');
  const reply = once(ws, 'message');
  ws.send(`m${i}`);
  const [data] = (await reply) as [Buffer];
  expect(data.toString()).toBe(`a:m${i}`);
  const closed = once(ws, 'close');
  ws.close(1000);
  await closed;
}

async function openConnections(): Promise<number> {
  const status = JSON.parse((await request(`${proxy.adminUrl}/status.json`, { agent: false })).body) as {
    stats: { connections: { open: number; websockets: number } };
  };
  return status.stats.connections.open + status.stats.connections.websockets;
}

test('leaves no socket open after 200 websocket round trips', async () => {
  // Before any traffic: stdio and the two listeners.
  const baseline = openSockets(proxy.pid);

  for (let i = 1; i <= 200; i++) await roundTrip(i);

  await waitFor('client connections and websockets to reach 0', async () => (await openConnections()) === 0);
  // The status request's own admin connection closes right after its answer.
  await waitFor(`the proxy's sockets to return to ${baseline}`, () => openSockets(proxy.pid) <= baseline, 5000);
  expect(openSockets(proxy.pid)).toBe(baseline);
}, 60_000);
