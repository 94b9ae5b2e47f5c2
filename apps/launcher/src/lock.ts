import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
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

function lockPath(stateDir: string, app: string): string {
  return join(stateDir, `${app}.deploy.lock`);
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a lock is stale, or undefined while it is live. The one rule for both the 409 check and the takeover: a lock
 * is stale when it cannot be read, when its process (on this host) no longer runs, or when its expiry has passed or
 * is not a time at all.
 */
function staleReason(holder: LockOwner | undefined): string | undefined {
  if (holder === undefined) return 'unreadable';
  if (holder.host === hostname() && !alive(holder.pid)) return `pid ${holder.pid} no longer runs`;
  if (!(Date.parse(holder.expiresAt) >= Date.now())) return `expired ${holder.expiresAt}`;
  return undefined;
}

/** The lock file's owner, or undefined when there is no file or it is unreadable. */
function readOwner(path: string): LockOwner | undefined {
  const text = readText(path);
  return text === undefined ? undefined : parseOwner(text);
}

/**
 * Who holds the app's deploy lock now, when it is live (unexpired, and its process runs when on this host); reads
 * only: a stale lock is left for the next deploy to take over. For answering 409 before starting a deploy.
 */
export function liveDeployLock(stateDir: string, app: string): LockOwner | undefined {
  const holder = readOwner(lockPath(stateDir, app));
  return staleReason(holder) === undefined ? holder : undefined;
}

export interface HeldLock {
  readonly owner: LockOwner;
  /** When a stale lock was taken over: whose it was and why it was stale. */
  readonly tookOver?: string;
  release(): void;
}

/**
 * Creates `path` holding `text`, only when nothing is there, in one step: written to a temp file, then hard-linked
 * into place (link(2) fails with EEXIST, like O_EXCL). A reader never sees the file empty or half-written, which a
 * plain exclusive create followed by a write allows, and which would look like an unreadable lock to take over.
 */
function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temp, text);
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A takeover guard older than this was left by a process that died inside the few lines that hold it. */
const TAKEOVER_GUARD_STALE_MS = 30_000;

/**
 * Removes the stale lock whose text was `staleText`, unless the file changed since it was judged stale. The check
 * and the unlink run under a second exclusive file (the takeover guard), so two deploys taking over the same stale
 * lock cannot both remove it and the second one delete the first one's fresh lock. False: another deploy is taking
 * it over right now.
 */
function removeStaleLock(path: string, staleText: string): boolean {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, String(process.pid))) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_GUARD_STALE_MS) unlinkSync(guard);
    } catch {
      // gone already
    }
    return false;
  }
  try {
    if (readText(path) === staleText) {
      try {
        unlinkSync(path);
      } catch {
        // not there: the exclusive create decides
      }
    }
    return true;
  } finally {
    unlinkSync(guard);
  }
}

/**
 * One deploy at a time per app on this host: a lock file created exclusively, holding its owner and an expiry.
 * A lock whose process is gone or whose expiry passed is stale: the next deploy removes it and says so.
 */
export function acquireDeployLock(stateDir: string, app: string, deployId: string, ttlMs: number): HeldLock {
  mkdirSync(stateDir, { recursive: true });
  const path = lockPath(stateDir, app);
  const owner = (): LockOwner => ({
    deployId,
    pid: process.pid,
    host: hostname(),
    acquiredAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + ttlMs).toISOString(),
  });
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const mine = owner();
    if (createExclusive(path, JSON.stringify(mine))) return held(path, mine, deployId, ttlMs, tookOver);
    const text = readText(path);
    if (text === undefined) continue; // released in between: try again
    const holder = parseOwner(text);
    const stale = staleReason(holder);
    if (stale === undefined) {
      throw new DeployError(
        'DEPLOY_LOCKED',
        `another deploy of "${app}" is running (deploy ${holder!.deployId}, pid ${holder!.pid}, since ${holder!.acquiredAt}); lock: ${path}`,
      );
    }
    if (!removeStaleLock(path, text)) break;
    tookOver =
      holder === undefined
        ? `removed an unreadable deploy lock ${path}`
        : `removed a stale deploy lock of deploy ${holder.deployId} (${stale})`;
  }
  throw new DeployError('DEPLOY_LOCKED', `another deploy of "${app}" is taking over the stale lock ${path}`);
}

function held(path: string, mine: LockOwner, deployId: string, ttlMs: number, tookOver: string | undefined): HeldLock {
  // Best effort: a failed refresh (disk full) must not crash the deploy, and a lock another deploy took over
  // (ours was stale to it) is theirs: stop refreshing rather than overwrite it.
  const refresh = setInterval(
    () => {
      if (readOwner(path)?.deployId !== deployId) {
        clearInterval(refresh);
        return;
      }
      const next = { ...mine, expiresAt: new Date(Date.now() + ttlMs).toISOString() };
      const temp = `${path}.${process.pid}.tmp`;
      try {
        writeFileSync(temp, JSON.stringify(next));
        renameSync(temp, path);
      } catch {
        try {
          unlinkSync(temp);
        } catch {
          // never written
        }
      }
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
        if (readOwner(path)?.deployId === deployId) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
