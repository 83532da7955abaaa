#!/usr/bin/env bash
# The whole test suite: build, make sure a Pulumi CLI is available, then every jest project
# (unit, emulator, lifecycle, and end-to-end under the real Pulumi engine). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh
echo "[test] pulumi $(pulumi version) from $PULUMI_CLI_BIN_DIR"
results="$(mktemp)"
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
# One plain closing line with the counts, whatever reporter is in use.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$results" || true
rm -f "$results"
exit "$status"
