import { rebuildStale } from '@wunderproxy/testkit/fresh-build';

/** vitest globalSetup: what `wunderproxy launch` runs, in build order, rebuilt when stale. */
export default function buildCli(): void {
  rebuildStale([
    'packages/config',
    'packages/docker',
    'packages/proxy-client',
    'packages/s3',
    'packages/registry',
    'packages/testkit',
    'apps/proxy',
    'apps/launcher',
    'apps/cli',
  ]);
}
