import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

/** A real redis-server on a free loopback port, owned by one test file. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM, waits for the process to be gone). */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wp-redis-'));
  const pidFile = join(dir, 'redis.pid');
  let pid = 0;

  const start = async (): Promise<void> => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'yes',
        '--pidfile',
        pidFile,
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run redis-server (is it installed?): ${error.message}`)));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-server exited ${code}`))));
    });
    await waitForPort(port);
    // Redis opens its port before it writes the pidfile, and deletes the pidfile on shutdown: wait for it, then
    // keep the pid.
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        pid = Number(readFileSync(pidFile, 'utf8').trim());
        if (pid > 0) break;
      } catch {
        // not written yet
      }
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} wrote no pidfile ${pidFile}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const stop = async (): Promise<void> => {
    if (!pid) return;
    const stopping = pid;
    pid = 0;
    try {
      process.kill(stopping, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        process.kill(stopping, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    process.kill(stopping, 'SIGKILL');
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
  } satisfies RedisServer;
}
