#!/usr/bin/env bash
# Scale and service load figures for docs/SCALE.md. Not part of CI: a benchmark never fails CI
# for being slow. One command:
#
#   ./scripts/bench-scale.sh              # everything: gate scale, SQLite, PostgreSQL
#   ONLY=gate|sqlite|postgres ./scripts/bench-scale.sh
#
# 1. `cargo bench --bench scale`: what a gate holds at province scale (revocation list of
#    1,000,000, deltas, replay set, bundle growth), memory counted by the bench's allocator.
# 2. `ecard serve` (release) on a fresh SQLite data directory, driven on loopback by
#    `ecard-load` (tools/ecard-load): credential renewals and application submissions.
# 3. The same against a throwaway PostgreSQL cluster (Debian's postgresql, as .ci/run makes
#    it, but with fsync on: the figures are for a durable database), port 57000 or above.
#
# Knobs: HOLDERS (200), APPLICANTS (3000), CONCURRENCY (32), DURATION (20 s of renewals).
# Output: target/scale/*.txt; the lines SCALE_JSON / LOAD_JSON carry the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

# The service's production rate limits (docs/SECURITY.md) would refuse a load generator on one
# address after a few registrations: this measures throughput, so they are off here.
export ECARD_RATE_LIMITS=${ECARD_RATE_LIMITS:-off}
HOLDERS=${HOLDERS:-200}
APPLICANTS=${APPLICANTS:-3000}
CONCURRENCY=${CONCURRENCY:-32}
SECONDS_EACH=${DURATION:-20}
ONLY=${ONLY:-all}
OUT=target/scale
mkdir -p "$OUT"
say() { printf '\n== %s\n' "$*"; }
load() { printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"; }

say "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
load

if [ "$ONLY" = all ] || [ "$ONLY" = gate ]; then
  say "gate scale: cargo bench --bench scale"
  cargo bench --bench scale 2>&1 | tee "$OUT/gate.txt" | grep -v '^ *Compiling\|^ *Running\|^ *Finished'
  load
fi

[ "$ONLY" = gate ] && exit 0

say "building ecard and ecard-load (release)"
cargo build --release -p ecard -p ecard-load
ECARD=target/release/ecard
LOADGEN=target/release/ecard-load

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

SERVER_PID=""
PG_DIR=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DIR" ]; then
    (cd "$PG_DIR" && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1) || true
    rm -rf "$PG_DIR"
  fi
  rm -rf "${DATA:-}"
}
trap cleanup EXIT

# run_service NAME [--database-url URL]: a fresh data directory (keys; SQLite file unless a URL
# is given), a reviewer made with the CLI, the service in the background, then the generator.
run_service() {
  local name=$1
  shift
  DATA=$(mktemp -d /tmp/ecard-bench.XXXXXX)
  local port
  port=$(free_port 57080)
  local pass
  pass=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  echo "$pass" | "$ECARD" admin add-reviewer --data "$DATA" "$@" --username bench --display-name 压测审核员 >/dev/null
  RUST_LOG=${RUST_LOG:-info} "$ECARD" serve --listen "127.0.0.1:$port" --data "$DATA" "$@" >"$OUT/serve-$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    port_in_use "$port" && break
    sleep 0.1
  done
  say "$name: ecard serve on 127.0.0.1:$port (pid $SERVER_PID); $HOLDERS holders, $APPLICANTS applicants, $CONCURRENCY clients"
  load
  "$LOADGEN" --url "http://127.0.0.1:$port" --reviewer bench --reviewer-password "$pass" \
    --holders "$HOLDERS" --applicants "$APPLICANTS" --concurrency "$CONCURRENCY" --seconds "$SECONDS_EACH" \
    --server-pid "$SERVER_PID" \
    | tee "$OUT/load-$name.txt"
  load | tee -a "$OUT/load-$name.txt"
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  rm -rf "$DATA"
}

if [ "$ONLY" = all ] || [ "$ONLY" = sqlite ]; then
  run_service sqlite
fi

if [ "$ONLY" = all ] || [ "$ONLY" = postgres ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL not installed (apt-get install postgresql): skipped" >&2
    exit 0
  fi
  id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  PG_PORT=$(free_port 57000)
  PG_DIR=$(mktemp -d /tmp/ecard-bench-pg.XXXXXX)
  chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  as_pg() { (cd "$PG_DIR" && runuser -u postgres -- "$@"); }
  PG_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=100" >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; exit 1; }
  as_pg "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE ecard_bench LOGIN PASSWORD '$PG_PASSWORD'" \
    -c "CREATE DATABASE ecard_bench OWNER ecard_bench"
  say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (fsync on)"
  run_service postgres --database-url "postgres://ecard_bench:$PG_PASSWORD@127.0.0.1:$PG_PORT/ecard_bench"
fi
