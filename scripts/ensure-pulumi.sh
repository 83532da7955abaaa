#!/usr/bin/env bash
# Ensures a Pulumi CLI is available and prints the directory holding it (the last line of stdout).
#
# Order of preference:
#   1. `pulumi` already on PATH whose version is >= PULUMI_MIN_VERSION (what a user's machine has);
#   2. a CLI we built earlier into the cache folder (outside the clone, so CI re-runs reuse it);
#   3. a fresh build from the Go module github.com/pulumi/pulumi/pkg/v3 at PULUMI_VERSION.
# The official installer (get.pulumi.com) and GitHub releases cannot be reached on our machines, so we build
# with the ordinary Go tool from the module proxy. Pulumi's source is never vendored into this repository.
#
# The dynamic-provider launcher `pulumi-resource-pulumi-nodejs` (shipped inside the @pulumi/pulumi npm package)
# is copied next to the binary so the engine finds it without downloading anything.
#
# The Node.js language host (`pulumi-language-nodejs`) is an untagged Go module; our module proxy refuses it
# ("403 Forbidden: This module version is not available", for tags, pseudo-versions and commit ids alike), so
# programs are run through the Automation API, which serves the language runtime from the Node process itself
# (`pulumi up --client=...`). If a language host is found on PATH it is used by plain `pulumi up` too.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.276.0}"
PULUMI_MIN_VERSION="${PULUMI_MIN_VERSION:-3.248.0}"
CACHE_ROOT="${PULUMI_INTERCOM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-intercom-export}"
OUT="$CACHE_ROOT/pulumi-$PULUMI_VERSION"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAUNCHER_SRC="$REPO_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

log() { printf '[ensure-pulumi] %s\n' "$*" >&2; }

# version_ge A B: true when semver A >= B (ignores a leading v and any pre-release suffix).
version_ge() {
  local a="${1#v}" b="${2#v}"
  a="${a%%-*}"; b="${b%%-*}"
  [ "$(printf '%s\n%s\n' "$b" "$a" | sort -t. -k1,1n -k2,2n -k3,3n | head -n1)" = "$b" ]
}

install_launcher() {
  local dir="$1"
  if [ -x "$dir/pulumi-resource-pulumi-nodejs" ] || command -v pulumi-resource-pulumi-nodejs >/dev/null 2>&1; then
    return 0
  fi
  if [ ! -f "$LAUNCHER_SRC" ]; then
    log "missing $LAUNCHER_SRC: run 'npm ci' first"
    exit 1
  fi
  if [ -w "$dir" ]; then
    install -m 0755 "$LAUNCHER_SRC" "$dir/pulumi-resource-pulumi-nodejs"
  fi
}

# 1. A pulumi on PATH that is new enough (but not the one in our own cache: that is case 2).
if [ "${PULUMI_IGNORE_PATH_CLI:-}" != "true" ] && command -v pulumi >/dev/null 2>&1; then
  onpath="$(command -v pulumi)"
  v="$(pulumi version 2>/dev/null || true)"
  if [ -n "$v" ] && version_ge "$v" "$PULUMI_MIN_VERSION"; then
    dir="$(dirname "$(readlink -f "$onpath")")"
    log "using pulumi $v from PATH ($onpath)"
    install_launcher "$dir"
    echo "$dir"
    exit 0
  fi
  log "pulumi on PATH is ${v:-unversioned}, older than $PULUMI_MIN_VERSION: building our own"
fi

# 2. Already built.
if [ -x "$OUT/bin/pulumi" ] && [ "$("$OUT/bin/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
  log "using cached pulumi $PULUMI_VERSION ($OUT/bin)"
  install_launcher "$OUT/bin"
  echo "$OUT/bin"
  exit 0
fi

# 3. Build from the Go module proxy in a throw-away wrapper module.
command -v go >/dev/null 2>&1 || { log "Go is required to build the Pulumi CLI (no pulumi >= $PULUMI_MIN_VERSION on PATH)"; exit 1; }
log "building pulumi $PULUMI_VERSION from the Go module proxy into $OUT (first run only; takes a while on 2 cores)"
start=$(date +%s)
mkdir -p "$OUT/bin"
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
cd "$BUILD"
cat > go.mod <<GOMOD
module example.invalid/pulumi-cli-build

go 1.26

// Same replace as pulumi's own pkg/go.mod (a fork that only changes Windows DLL loading).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" >&2
go get "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" >&2
go mod tidy >&2
CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  -o "$OUT/bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
mv "$OUT/bin/pulumi.tmp" "$OUT/bin/pulumi"
built="$("$OUT/bin/pulumi" version)"
[ "$built" = "$PULUMI_VERSION" ] || { log "built CLI reports '$built', expected $PULUMI_VERSION"; exit 1; }
log "built pulumi $built in $(( $(date +%s) - start ))s"
install_launcher "$OUT/bin"
echo "$OUT/bin"
