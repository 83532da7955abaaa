#!/usr/bin/env bash
# The whole test suite: build, make sure a Pulumi CLI is available, then every jest project
# (unit, emulator, lifecycle, and end-to-end under the real Pulumi engine). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh
echo "[test] pulumi $(pulumi version) from $PULUMI_CLI_BIN_DIR"
npx jest --ci "$@"
