import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real sockets, child processes and a real redis-server per file: forks isolate them (and process.on handlers).
    pool: 'forks',
    // Two cores here: two files at a time keeps the load test and the timing-sensitive drain tests honest.
    maxWorkers: 2,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The load test runs ~15 s; child-process tests start node (~0.5 s each).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Process tests run the built CLI; rebuild it (and the proxy it imports) when src is newer than dist.
    globalSetup: ['test/support/build-cli.ts'],
  },
});
