# Source this file (bash) to get an offline, non-interactive Pulumi CLI environment:
#
#   source scripts/pulumi-env.sh
#
# It runs scripts/ensure-pulumi.sh (builds the CLI on first use, fast when cached), puts the directory holding
# `pulumi` and `pulumi-resource-pulumi-nodejs` first on PATH and exports it as PULUMI_CLI_BIN_DIR, and sets:
#   PULUMI_SKIP_UPDATE_CHECK=true                      no call to the Pulumi Cloud version API
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true   never try to download a missing plugin
#   PULUMI_CONFIG_PASSPHRASE (only if unset, and PULUMI_CONFIG_PASSPHRASE_FILE is unset too): a fixed local value
#     for the passphrase secrets provider of `file://` backends. Set your own for anything that is not throw-away.
# It does not choose a backend or PULUMI_HOME: set PULUMI_BACKEND_URL=file://<dir> (or `pulumi login file://<dir>`)
# and, for isolation, PULUMI_HOME=<dir> yourself.
#
# Returns non-zero (without exiting the sourcing shell) when no CLI can be provided.

__pulumi_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if __pulumi_env_bin="$(bash "$__pulumi_env_root/scripts/ensure-pulumi.sh" | tail -n 1)" && [ -x "$__pulumi_env_bin/pulumi" ]; then
  case ":$PATH:" in
    ":$__pulumi_env_bin:"*) ;;
    *) export PATH="$__pulumi_env_bin:$PATH" ;;
  esac
  export PULUMI_CLI_BIN_DIR="$__pulumi_env_bin"
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    export PULUMI_CONFIG_PASSPHRASE="pulumi-intercom-export-local"
  fi
  unset __pulumi_env_root __pulumi_env_bin
else
  echo "[pulumi-env] could not provide a Pulumi CLI (see the messages of scripts/ensure-pulumi.sh above)" >&2
  unset __pulumi_env_root __pulumi_env_bin
  return 1 2>/dev/null || exit 1
fi
