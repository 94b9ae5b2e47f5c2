import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { acquireDeployLock, type LockOwner, liveDeployLock } from './lock.js';

let dir: string;
const TTL = 3_000; // refreshed every second

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wp-lock-'));
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const lockFile = () => join(dir, 'app.deploy.lock');
const owner = () => JSON.parse(readFileSync(lockFile(), 'utf8')) as LockOwner;

test('the refresh pushes the expiry forward while the deploy runs', () => {
  const lock = acquireDeployLock(dir, 'app', 'd1', TTL);
  const first = Date.parse(owner().expiresAt);
  vi.advanceTimersByTime(1_000);
  expect(Date.parse(owner().expiresAt)).toBe(first + 1_000);
  expect(liveDeployLock(dir, 'app')?.deployId).toBe('d1');
  lock.release();
  expect(liveDeployLock(dir, 'app')).toBeUndefined();
});

test('a refresh that cannot write (disk full) is not fatal and leaves the lock as it was', () => {
  const lock = acquireDeployLock(dir, 'app', 'd1', TTL);
  const before = readFileSync(lockFile(), 'utf8');
  // The temp file the refresh writes is a directory: writeFileSync throws (EISDIR), as it would on ENOSPC.
  mkdirSync(`${lockFile()}.${process.pid}.tmp`);
  expect(() => vi.advanceTimersByTime(3_000)).not.toThrow();
  expect(readFileSync(lockFile(), 'utf8')).toBe(before);
  rmSync(`${lockFile()}.${process.pid}.tmp`, { recursive: true });
  // …and the next refresh works again
  vi.advanceTimersByTime(1_000);
  expect(Date.parse(owner().expiresAt)).toBeGreaterThan(Date.parse(JSON.parse(before).expiresAt));
  lock.release();
});

test('a lock another deploy took over is never overwritten: the refresh stops, release leaves it', () => {
  const lock = acquireDeployLock(dir, 'app', 'd1', TTL);
  const theirs = JSON.stringify({ ...owner(), deployId: 'd2', pid: process.pid + 1 });
  writeFileSync(lockFile(), theirs);
  vi.advanceTimersByTime(5_000);
  expect(readFileSync(lockFile(), 'utf8')).toBe(theirs);
  // Stopped for good: even if the file became ours again by some accident, the interval is gone.
  expect(vi.getTimerCount()).toBe(0);
  lock.release();
  expect(readFileSync(lockFile(), 'utf8')).toBe(theirs);
});
