import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';

// Real processes racing for one stale lock: the exclusive create, the takeover guard and the file system decide,
// nothing in this process can serialize them.
const lockModule = join(dirname(fileURLToPath(import.meta.url)), 'lock.ts');
const tsx = createRequire(import.meta.url).resolve('tsx');
const CONTENDERS = 8;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wp-lock-race-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a contender that waits for `startAt`, tries the lock, holds a win for `holdMs`, and prints what happened. */
function contender(id: string, startAt: number, holdMs: number): Promise<string> {
  const script = `
    const { acquireDeployLock } = await import(${JSON.stringify(lockModule)});
    while (Date.now() < ${startAt}) {}
    try {
      const lock = acquireDeployLock(${JSON.stringify(dir)}, 'app', ${JSON.stringify(id)}, 60000);
      console.log('won' + (lock.tookOver ? ' (took over)' : ''));
      await new Promise((resolve) => setTimeout(resolve, ${holdMs}));
      lock.release();
    } catch (error) {
      console.log(error.code === 'DEPLOY_LOCKED' ? 'locked' : 'error ' + error.message);
    }`;
  const child = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  return new Promise((resolve) => child.on('close', () => resolve(out.trim())));
}

test.each([1, 2, 3])(
  `round %i: ${CONTENDERS} processes taking over the same stale lock at once, exactly one gets it`,
  async () => {
    // Stale: its process (a finished one on this host) no longer runs.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(
      join(dir, 'app.deploy.lock'),
      JSON.stringify({
        deployId: 'gone',
        pid: deadPid,
        host: hostname(),
        acquiredAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
      }),
    );
    // Time for every contender to load tsx and the module before the start line.
    const startAt = Date.now() + 2_500;
    const results = await Promise.all(Array.from({ length: CONTENDERS }, (_, i) => contender(`d${i}`, startAt, 1_500)));
    expect(
      results.filter((r) => r.startsWith('won')),
      results.join(', '),
    ).toHaveLength(1);
    expect(results.filter((r) => r === 'locked')).toHaveLength(CONTENDERS - 1);
  },
  30_000,
);
