import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real dockerd, skopeo and Swift: pushes and pulls take seconds, Swift start-up up to ~10 s.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Node 20 is still supported here (ENVIRONMENT.md); the SDK's reminder would only clutter the output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
