#!/usr/bin/env bash
# Ten minutes (LOAD_SECONDS) of mixed traffic at a fixed rate (LOAD_RATE, default 1000/s; 80%
# queries, 20% payments) against kaiind with a billed roster of MEMBERS (default 10000) members,
# through bench/load_gen.cc. Prints a row per 10 s (requests, errors, p50/p99 from the moment each
# request was due, kaiind's resident memory), then stops kaiind and runs kaiin-replay verify.
# Run as root from the repository root after ./scripts/build.sh.
set -euo pipefail
. bench/common.sh
members=${MEMBERS:-10000}
seconds=${LOAD_SECONDS:-600}
rate=${LOAD_RATE:-1000}
port=${PORT:-18092}
dir=$(mktemp -d /tmp/kaiin-load-XXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
./build/bench/kaiin-make-roster "$members" > "$dir/roster.csv"
start_kaiind "$dir/data" "$port" "$dir/kaiind.log"
base="127.0.0.1:$port/v1/tenants/bench"
bench_society "$base"
curl -sf -H "$auth" -X PUT -d '{"fees":{"regular":15000,"student":5000}}' "$base/fee-schedules/2026" > /dev/null
import_roster "$dir/roster.csv" "$port" "$dir/data" > /dev/null
curl -sf -H "$auth" -X POST -o /dev/null \
  -d '{"fiscal_year":2026,"category":"annual","title":"2026年度年会費","issue_date":"2026-04-01","due_date":"2026-06-30"}' \
  "$base/invoice-batches"
curl -sf -H "$auth" -X POST -o /dev/null "$base/invoice-batches/b000000001/confirm"
echo "# $members members billed; $rate requests/s for $seconds s, 16 connections, $(nproc) cores, $(date -u +%F)"
status=0
./build/bench/kaiin-load --port "$port" --token "$token" --members "$members" --rate "$rate" \
  --seconds "$seconds" --connections 16 --pid "$pid" || status=$?
echo
curl -sf -H "$auth" "127.0.0.1:$port/metrics" | grep -E "^kaiin_(events_appended|storage_write_failures|projection_lag)" || true
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "log: $(du -sh "$dir/data/tenants/bench/log" | cut -f1), projections: $(du -sh "$dir/data/tenants/bench/projections" | cut -f1)"
./build/replay/kaiin-replay verify --data-dir "$dir/data" && echo "kaiin-replay verify: OK"
exit "$status"
