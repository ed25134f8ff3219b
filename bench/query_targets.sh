#!/usr/bin/env bash
# DESIGN.md §5's query targets (member view and arrears first page, p99 at 10,000 requests/s),
# on an existing folder with a tenant "bench" (e.g. the 100,000-member tenant of
# docs/benchmarks.md, "Bulk rebuild"):
#
#   bench/query_targets.sh DATA_DIR [KAIIND] [SECONDS]
#
# Starts kaiind, waits for its projections, then with kaiin-load (open loop, 16 connections):
#   0. the member view of a different member each time at 10,000/s;
#   1. the first page (`arrears?limit=100`) at 10,000/s: the same question at one position;
#   2. pages after a different member each time (`&cursor={member}`) at 3,000/s: every one read
#      anew (what the first page costs when it cannot be kept);
#   3. the first page at 10,000/s while another kaiin-load sends the 80/20 mix at 1,000/s (200
#      payments/s: the projections move, and the page is read anew after each move).
# Prints each run's percentiles and kaiind's CPU per request (user + system time over the run).
# Writes payments to the folder: use a copy.
set -euo pipefail
. bench/common.sh
data=$1
export KAIIND=${2:-./build/http/kaiind}
seconds=${3:-15}
port=${PORT:-18113}
members=${MEMBERS:-100000}
load=./build/bench/kaiin-load
# A copy made just before leaves hundreds of MB for the kernel to write back, and kaiind's first
# synced commits waited behind that writeback (one stall of ~180 ms at the mix's start without
# this sync, none with it: docs/benchmarks.md). Written out first.
sync
start_kaiind "$data" "$port" /tmp/kaiin-query-targets.log
trap 'kill $pid 2>/dev/null || true' EXIT
wait_ready "$port"
base="127.0.0.1:$port/v1/tenants/bench"
wait_projections "$base"
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }  # clock ticks
hz=$(getconf CLK_TCK)
run() {  # NAME RATE QUERY [background mix rate]
  local before after requests
  before=$(cpu)
  if [ -n "${4:-}" ]; then
    $load --port "$port" --token "$token" --members "$members" --rate "$4" \
      --seconds "$seconds" --connections 4 --report "$seconds" --pid "$pid" > /tmp/kaiin-arrears-mix.out &
    mix=$!
  fi
  $load --port "$port" --token "$token" --members "$members" --rate "$2" --seconds "$seconds" \
    --connections 16 --report "$seconds" --pid "$pid" --query "$3" > /tmp/kaiin-arrears-run.out
  [ -n "${4:-}" ] && wait "$mix"
  after=$(cpu)
  echo "== $1"
  grep -v '^#' /tmp/kaiin-arrears-run.out | tail -2
  [ -n "${4:-}" ] && { echo "   (the mix beside it)"; grep -v '^#' /tmp/kaiin-arrears-mix.out | tail -1; }
  requests=$(( $2 * seconds ))
  [ -n "${4:-}" ] && requests=$(( requests + $4 * seconds ))
  echo "   kaiind CPU per request: $(( (after - before) * 1000000 / hz / requests )) us"
}
run "member view, 10000/s" 10000 'members/{member}'
run "first page, 10000/s" 10000 'arrears?limit=100'
run "a different page each time, 3000/s" 3000 'arrears?limit=100&cursor={member}'
run "first page, 10000/s, beside the mix at 1000/s" 10000 'arrears?limit=100' 1000
curl -sf "127.0.0.1:$port/metrics" | grep '^kaiin_answer_cache_total' || true
kill "$pid"
wait "$pid" || true
