import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** Packages the CLI's `proxy` and `switch` commands run, in build order. */
const packages = ['packages/proxy-client', 'apps/proxy', 'apps/cli'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** vitest globalSetup: `tsc -p tsconfig.build.json` for each package whose src is newer than its dist. */
export default function buildCli(): void {
  let rebuildRest = false;
  for (const pkg of packages) {
    const dir = join(root, pkg);
    const marker = join(dir, 'dist/index.js');
    rebuildRest ||= !existsSync(marker) || newestMtime(join(dir, 'src')) > statSync(marker).mtimeMs;
    if (!rebuildRest) continue;
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  }
}
