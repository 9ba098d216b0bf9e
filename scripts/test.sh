#!/usr/bin/env bash
# Runs every test. Installs what is missing first (scripts/ensure-tools.sh; idempotent).
#   1. native tests of the whole workspace (core, command line, service); the service's tests
#      also run on PostgreSQL when ECARD_TEST_DATABASE_URL=postgres://… names a server where
#      the role may create databases (one is made and dropped per test; .ci/run starts one)
#   1b. the independent Python checker on the golden code and bundles
#   2. the core's tests compiled to WebAssembly and run in Node (wasm-bindgen-test-runner)
#   3. the web packages (wallet, gate, rules) built as wasm-pack.toml says, with their size budgets
#   4. the built packages loaded in Node as the pages load them
#   5. the pages end to end in headless Chromium against a real `ecard serve`
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n==> %s\n' "$*"; }

say "checking tools"
./scripts/ensure-tools.sh
if [ -n "${ECARD_TEST_DATABASE_URL:-}" ]; then
  say "PostgreSQL tests will run (ECARD_TEST_DATABASE_URL is set)"
else
  say "PostgreSQL tests skipped: ECARD_TEST_DATABASE_URL not set (SQLite tests run; .ci/run sets it)"
fi
say "native tests (cargo test --workspace)"
cargo test --workspace
say "the independent Python checker (docs/format_check.py) agrees with the golden vectors"
ROOT_KEY=d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737
for b in bundle venue_bundle; do
  python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex(open('tests/golden/$b.hex').read()))" \
    > "target/golden-$b.bin"
  python3 docs/format_check.py --bundle "target/golden-$b.bin" --root-key "$ROOT_KEY" \
    "$(cat tests/golden/code.txt)" --now 1795917600 > /dev/null
done
say "core tests in WebAssembly under Node"
cargo test -p ecard-core --target wasm32-unknown-unknown
say "building the web packages (wasm-pack.toml)"
python3 scripts/build-wasm.py
say "the built packages in Node"
node --test tests/js/
say "browser end-to-end tests (headless Chromium, real ecard serve; screenshots in tests/e2e/artifacts)"
cargo build -p ecard
node --test tests/e2e/
