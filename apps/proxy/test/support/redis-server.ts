import { existsSync, readFileSync } from 'node:fs';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { waitFor } from './wait-for.js';

/**
 * testkit's `startRedis()`, tolerating its start-up race: redis-server binds its port before it writes its pidfile,
 * so testkit sometimes reads the pidfile too early (ENOENT) and loses the daemon it just started. Here that daemon
 * is stopped and the start repeated. (Fix belongs in packages/testkit/src/redis.ts: wait for the pidfile.)
 */
export async function startTestRedis(): Promise<RedisServer> {
  const server = await withoutPidfileRace(() => startRedis());
  return {
    port: server.port,
    url: server.url,
    stop: () => server.stop(),
    start: () => withoutPidfileRace(() => server.start()),
  };
}

async function withoutPidfileRace<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const pidFile = /ENOENT.*open '(.+redis\.pid)'/.exec((error as Error).message)?.[1];
      if (pidFile === undefined || tries >= 3) throw error;
      const pid = Number(
        await waitFor(
          'redis-server to write its pidfile',
          () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(),
        ),
      );
      process.kill(pid, 'SIGTERM');
      await waitFor(`redis-server ${pid} to exit`, () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
    }
  }
}
