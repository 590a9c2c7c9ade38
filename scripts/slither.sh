#!/usr/bin/env bash
# Slither over contracts/ at --fail-medium: exits non-zero on any finding of medium or high
# impact in chaincred's own contracts (OpenZeppelin under node_modules is a dependency and is
# reported only where it meets our code).
#
# Runs offline once .venv-slither exists. The first run creates it from PyPI: slither pins web3 7
# and brings solc-select, so it lives apart from .venv. Slither builds through Foundry's forge
# (npm @foundry-rs/forge, foundry.toml), and forge compiles with the pinned solc-js through
# scripts/solc-shim.cjs: no solc is ever downloaded (FOUNDRY_SOLC, FOUNDRY_OFFLINE, and a `solc`
# wrapper first on PATH, ahead of solc-select's).
#
# Usage: scripts/slither.sh [extra slither options, e.g. --json out.json]
#        scripts/slither.sh --install    (only create/update .venv-slither, then exit)
# Environment: PYTHON (default python3) creates the virtualenv; SLITHER_VENV moves it.
set -euo pipefail

SLITHER_VERSION="0.11.6"
CRYTIC_COMPILE_VERSION="0.4.2"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SLITHER_VENV:-$root/.venv-slither}"
cd "$root"

if [[ "$("$venv/bin/slither" --version 2>/dev/null || true)" != "$SLITHER_VERSION" ]]; then
    echo "slither.sh: installing slither-analyzer $SLITHER_VERSION into $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "slither-analyzer==$SLITHER_VERSION" "crytic-compile==$CRYTIC_COMPILE_VERSION"
fi

if [[ "${1:-}" == "--install" ]]; then
    exit 0
fi

forge_dir="$root/node_modules/@foundry-rs/forge-linux-amd64/bin"
if [[ ! -x "$forge_dir/forge" ]]; then
    if ! command -v forge >/dev/null; then
        echo "slither.sh: forge was not found; install it with: npm ci" >&2
        exit 2
    fi
    forge_dir="$(dirname "$(command -v forge)")"
fi
if ! command -v node >/dev/null || [[ ! -d "$root/node_modules/solc" ]]; then
    echo "slither.sh: node and npm solc are needed; install them with: npm ci" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/solc" <<EOF
#!/bin/sh
exec "$(command -v node)" "$root/scripts/solc-shim.cjs" "\$@"
EOF
chmod +x "$work/solc"

export PATH="$work:$forge_dir:$PATH"
export FOUNDRY_SOLC="$work/solc" FOUNDRY_OFFLINE=true

# Suppressions live next to the code as `// slither-disable-next-line <detector>` with a reason;
# an empty triage database keeps a stray slither.db.json from hiding anything.
exec "$venv/bin/slither" . \
    --compile-force-framework foundry \
    --exclude-dependencies \
    --fail-medium \
    --triage-database "$work/no-triage.json" \
    "$@"
