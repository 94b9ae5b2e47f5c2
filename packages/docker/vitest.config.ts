import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real Docker: builds, pulls and container stops take seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
