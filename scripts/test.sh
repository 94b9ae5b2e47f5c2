#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, starts dockerd, lints, type-checks, builds
# and runs every package's tests (real Docker, Redis, S3-compatible server and sockets).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

scripts/install.sh
scripts/services.sh

echo "[test] lint"
pnpm lint
echo "[test] typecheck"
pnpm typecheck --output-logs=errors-only

rm -f apps/*/test-results.json packages/*/test-results.json
status=0
pnpm test -- --reporter=default --reporter=json --outputFile=test-results.json || status=$?

# One closing line for CI: the sum over every package's vitest JSON report.
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const dir of ["apps", "packages"]) for (const name of fs.readdirSync(dir)) {
    const file = `${dir}/${name}/test-results.json`;
    if (!fs.existsSync(file)) continue;
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
  }
  console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
'
exit "$status"
