import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** What `wunderproxy launch` runs, in build order (each after the packages it imports). */
const packages = [
  'packages/config',
  'packages/docker',
  'packages/proxy-client',
  'packages/s3',
  'packages/registry',
  'packages/testkit',
  'apps/proxy',
  'apps/launcher',
  'apps/cli',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** vitest globalSetup: `tsc -p tsconfig.build.json` for each package whose src is newer than its dist (and those after it). */
export default function buildCli(): void {
  let rebuildRest = false;
  for (const pkg of packages) {
    const dir = join(root, pkg);
    const src = join(dir, 'src');
    const dist = join(dir, 'dist');
    if (!existsSync(src)) continue;
    // The newest file of dist, not dist/index.js: a package without src/index.ts keeps a stale index.js forever.
    rebuildRest ||= !existsSync(dist) || newestMtime(src) > newestMtime(dist);
    if (!rebuildRest) continue;
    try {
      execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
    } catch {
      // Someone's half-done edit elsewhere in the monorepo: test with the last good dist rather than not at all.
      process.stderr.write(`warning: building ${pkg} failed; the tests run its previous dist\n`);
    }
  }
}
