#!/usr/bin/env bash
# Installs what the build and the tests need, only where it is missing (safe to run again):
#   - the Rust target wasm32-unknown-unknown
#   - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock (about 6 minutes once)
#   - wasm-opt, from the npm package binaryen pinned in tools/package.json
#   - Debian's chromium and the npm package playwright-core, for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

[ -f Cargo.lock ] || cargo generate-lockfile
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes"
  # --locked fails here (a pinned dependency of the CLI is missing from the registry).
  cargo install wasm-bindgen-cli --version "$want" --force
fi

if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
  command -v npm >/dev/null || { echo "npm is required (Node.js 20)"; exit 1; }
  say "installing wasm-opt (npm package binaryen) into tools/node_modules"
  (cd tools && npm install --no-audit --no-fund --loglevel=error)
fi
if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium for the browser tests (about a minute)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
  say "installing playwright-core (npm; it drives Debian's chromium, no browser download)"
  (cd tests/e2e && npm install --no-audit --no-fund --loglevel=error)
fi
say "tools ready: $(wasm-bindgen --version), wasm-opt $(tools/node_modules/.bin/wasm-opt --version | awk '{print $3}')"
