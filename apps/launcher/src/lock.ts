import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DeployError } from './errors.js';

/** Who holds an app's deploy lock, as stored in the lock file. */
export interface LockOwner {
  deployId: string;
  pid: number;
  host: string;
  acquiredAt: string;
  /** Refreshed while the deploy runs; past it the lock is stale even if the process lives (a hung deploy). */
  expiresAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface HeldLock {
  readonly owner: LockOwner;
  /** When a stale lock was taken over: whose it was and why it was stale. */
  readonly tookOver?: string;
  release(): void;
}

/**
 * One deploy at a time per app on this host: a lock file created exclusively, holding its owner and an expiry.
 * A lock whose process is gone or whose expiry passed is stale: the next deploy removes it and says so.
 */
export function acquireDeployLock(stateDir: string, app: string, deployId: string, ttlMs: number): HeldLock {
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, `${app}.deploy.lock`);
  const owner = (): LockOwner => ({
    deployId,
    pid: process.pid,
    host: hostname(),
    acquiredAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + ttlMs).toISOString(),
  });
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const mine = owner();
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: 'wx' });
      const refresh = setInterval(
        () => {
          const next = { ...mine, expiresAt: new Date(Date.now() + ttlMs).toISOString() };
          writeFileSync(`${path}.${process.pid}.tmp`, JSON.stringify(next));
          renameSync(`${path}.${process.pid}.tmp`, path);
        },
        Math.max(1000, ttlMs / 3),
      );
      refresh.unref();
      return {
        owner: mine,
        ...(tookOver ? { tookOver } : {}),
        release: () => {
          clearInterval(refresh);
          try {
            const current = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
            if (current.deployId === deployId) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: LockOwner | undefined;
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    } catch {
      holder = undefined;
    }
    const expired = holder === undefined || Date.parse(holder.expiresAt) < Date.now();
    const dead = holder !== undefined && holder.host === hostname() && !alive(holder.pid);
    if (!expired && !dead) {
      throw new DeployError(
        'DEPLOY_LOCKED',
        `another deploy of "${app}" is running (deploy ${holder!.deployId}, pid ${holder!.pid}, since ${holder!.acquiredAt}); lock: ${path}`,
      );
    }
    tookOver =
      holder === undefined
        ? `removed an unreadable deploy lock ${path}`
        : `removed a stale deploy lock of deploy ${holder.deployId} (${dead ? `pid ${holder.pid} no longer runs` : `expired ${holder.expiresAt}`})`;
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it first; the exclusive create decides
    }
  }
  throw new DeployError('DEPLOY_LOCKED', `could not take the deploy lock ${path}`);
}
