import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Rebuilds (`tsc -p tsconfig.build.json`) each package whose src is newer than its dist, and every package after it
 * in `packages` (given in build order, paths from the repo root). Tests that run the built CLI as a child process
 * call it from a vitest globalSetup, so they never test a stale dist. A build error fails the run.
 */
export function rebuildStale(packages: readonly string[]): void {
  let rebuildRest = false;
  for (const pkg of packages) {
    const dir = join(root, pkg);
    const src = join(dir, 'src');
    const dist = join(dir, 'dist');
    if (!existsSync(src)) continue;
    // The newest file of dist, not dist/index.js: a package without src/index.ts keeps a stale index.js forever.
    rebuildRest ||= !existsSync(dist) || newestMtime(src) > newestMtime(dist);
    if (rebuildRest)
      execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  }
}
