#!/usr/bin/env bash
# Runs every test. Installs what is missing first (scripts/ensure-tools.sh; idempotent).
#   1. native tests of the whole workspace (core, command line)
#   2. the core's tests compiled to WebAssembly and run in Node (wasm-bindgen-test-runner)
#   3. the web package build as wasm-pack.toml says, with its size budget
#   4. the built package loaded in Node as the pages load it
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n==> %s\n' "$*"; }

say "checking tools"
./scripts/ensure-tools.sh
say "native tests (cargo test --workspace)"
cargo test --workspace
say "core tests in WebAssembly under Node"
cargo test -p ecard-core --target wasm32-unknown-unknown
say "building the web package (wasm-pack.toml)"
python3 scripts/build-wasm.py
say "the built package in Node"
node --test tests/js/
