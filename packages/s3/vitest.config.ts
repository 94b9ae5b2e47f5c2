import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One Swift for every integration test file; unit tests beside the code do not use it.
    globalSetup: ['test/swift-global-setup.ts'],
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
