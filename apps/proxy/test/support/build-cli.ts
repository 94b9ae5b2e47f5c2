import { rebuildStale } from '@wunderproxy/testkit/fresh-build';

/** vitest globalSetup: the packages the CLI's `proxy` and `switch` commands run, rebuilt when stale. */
export default function buildCli(): void {
  rebuildStale(['packages/proxy-client', 'apps/proxy', 'apps/cli']);
}
