#!/usr/bin/env bash
# `npm run demo [-- destroy]`: build, make sure a Pulumi CLI is available, run scripts/demo.ts (see its header).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || { echo "[demo] run 'npm ci' first" >&2; exit 1; }
npm run build --silent
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh
exec node dist/scripts/demo.js "$@"
