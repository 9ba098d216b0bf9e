#!/usr/bin/env bash
# Fuzz smoke test: builds the cargo-fuzz targets in fuzz/ and runs each for a while, failing on
# any crash, timeout (one input over 10 s) or out-of-memory (over 2 GB). docs/FUZZING.md lists
# the targets and what each one asserts.
#
#   scripts/fuzz-smoke.sh              60 seconds per target (CI, from .ci/run)
#   scripts/fuzz-smoke.sh 600          ten minutes per target
#   scripts/fuzz-smoke.sh 600 bundle   ten minutes of one target (names: cargo +nightly fuzz list)
#
# Installs what is missing first (safe to run again): the nightly toolchain (libFuzzer's
# instrumentation needs it) and cargo-fuzz. Each target starts from its seeds (fuzz/seeds/,
# committed) and keeps what it finds in fuzz/corpus/<target>/ (not committed); a failing input
# is saved in fuzz/artifacts/<target>/ and its log in fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '==> %s\n' "$*"; }

secs=${1:-60}
shift || true
case "$secs" in '' | *[!0-9]*) echo "usage: $0 [seconds] [target...]" >&2; exit 2 ;; esac

if ! rustup toolchain list | grep -q '^nightly'; then
  say "installing the nightly Rust toolchain (cargo-fuzz needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz (cargo install, about 2 minutes, once)"
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi

# Safe Rust (the core forbids unsafe code): no sanitizer, which builds faster and runs about
# twice as fast; -a keeps debug assertions and integer overflow checks on in the optimised build.
flags=(--sanitizer none --debug-assertions)
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
# csv_import needs the service crate (feature `server`, a long first build): only when it runs.
for t in "${targets[@]}"; do
  if [ "$t" = csv_import ]; then flags+=(--features server); fi
done
say "building ${#targets[@]} fuzz targets (cargo +nightly fuzz build ${flags[*]})"
cargo +nightly fuzz build "${flags[@]}"

mkdir -p fuzz/logs
failed=()
report=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  log="fuzz/logs/$t.log"
  say "fuzzing $t for ${secs}s (log: $log)"
  status=0
  seeds=()
  if [ -d "fuzz/seeds/$t" ]; then seeds=("fuzz/seeds/$t"); fi
  cargo +nightly fuzz run "${flags[@]}" "$t" "fuzz/corpus/$t" "${seeds[@]}" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  execs=$(awk '/^stat::number_of_executed_units/ { print $NF }' "$log" | tail -n 1)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  outcome=ok
  if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
    outcome=TIMEOUT
  elif grep -q -e 'ERROR: libFuzzer: out-of-memory' -e 'ERROR: libFuzzer: malloc' "$log"; then
    outcome=OOM
  elif grep -q -e 'ERROR: libFuzzer' -e 'panicked at' "$log"; then
    outcome=CRASH
  elif [ "$status" -ne 0 ]; then
    outcome="FAILED (exit $status, see the log)"
  fi
  report+=("$(printf '%-18s %6ss %14s execs  corpus %6s  %s' "$t" "$secs" "${execs:-?}" "$corpus" "$outcome")")
  if [ "$outcome" != ok ]; then
    failed+=("$t")
    tail -n 40 "$log" >&2
    say "$t: $outcome; input saved in fuzz/artifacts/$t/ (reproduce: cargo +nightly fuzz run ${flags[*]} $t <file>)"
  fi
done

say "fuzz smoke results"
printf '%s\n' "${report[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets failed: ${failed[*]}" >&2
  exit 1
fi
