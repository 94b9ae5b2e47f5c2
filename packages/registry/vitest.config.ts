import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real dockerd, skopeo and Swift: pushes and pulls take seconds, Swift start-up up to ~10 s.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
