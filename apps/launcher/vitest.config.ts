import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real dockerd, redis-server, Swift and child CLI processes: forks isolate them (and process.on handlers).
    pool: 'forks',
    // One file at a time: deploys are timing-sensitive and the two cores also run dockerd and the containers.
    fileParallelism: false,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A deploy takes ~1 s, a failing health check waits out its timeout, Swift takes ~8 s to start.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // The CLI tests run apps/cli/dist: rebuild it (and what it imports) when a src is newer than its dist.
    globalSetup: ['test/support/build-cli.ts'],
  },
});
