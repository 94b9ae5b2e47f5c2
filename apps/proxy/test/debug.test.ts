import { once } from 'node:events';
import { execSync } from 'node:child_process';
import { test } from 'vitest';
import WebSocket from 'ws';
import { startBackend } from './support/backends.js';
import { spawnProxy } from './support/cli.js';

test('debug', async () => {
  const a = await startBackend('a');
  const proxy = await spawnProxy(['--backend', a.url]);
  const ss = () => execSync(`ss -tanp | grep pid=${proxy.pid}, || true`).toString();
  console.log('before', ss());
  for (let i = 0; i < 3; i++) {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws/${i}`);
    await once(ws, 'open');
    ws.send('x');
    await once(ws, 'message');
    const closed = once(ws, 'close');
    ws.close(1000);
    await closed;
  }
  await new Promise((r) => setTimeout(r, 1000));
  console.log('after', ss());
  await proxy.stop();
  await a.close();
});
