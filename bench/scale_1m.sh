#!/usr/bin/env bash
# DESIGN.md §5 at full size: "start-up with 10M events ≤ 5 s; RSS ≤ 2 GB for 1M members and 20M
# events". Builds one tenant of MEMBERS (default 1,000,000) members through the HTTP API: the
# roster (3 events each), the FY2026 and FY2027 dues in confirmed batches (3 events per invoice),
# then `oldest_first` payments with wrk (2 events each: the payment and its allocation) until the
# log holds EVENTS (default 20,000,000). Reports kaiind's resident memory along the way, the
# clean stop (which writes the write-model snapshot), starts from the snapshot and after a
# `kill -9`, and the folder's size. Needs wrk, curl, bc; ~25 min and ~5 GB of disk on the
# 2-core machine. Run from the repository root after ./scripts/build.sh. KEEP=DIR keeps the data
# folder in DIR.
set -euo pipefail
. bench/common.sh
members=${MEMBERS:-1000000}
target=${EVENTS:-20000000}
port=${PORT:-18094}
dir=${KEEP:-$(mktemp -d /tmp/kaiin-scale-XXXX)}
mkdir -p "$dir"
trap 'kill $pid 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
rss() { echo "$(( $(awk '/VmRSS/{print $2}' /proc/$pid/status) / 1024 )) MiB"; }
# start: kaiind on the folder; $started: seconds from its launch until /readyz answers 200.
start() {
  local t0=$(date +%s.%N)
  start_kaiind "$dir/data" "$port" "$dir/kaiind.log"
  wait_ready "$port"
  started=$(echo "$(date +%s.%N) - $t0" | bc)
}
./build/bench/kaiin-make-roster "$members" > "$dir/roster.csv"
start
base="127.0.0.1:$port/v1/tenants/bench"
bench_society "$base"
t0=$(date +%s.%N)
import_roster "$dir/roster.csv" "$port" "$dir/data" > /dev/null
echo "roster of $members imported: $(echo "$(date +%s.%N) - $t0" | bc) s; log head $(log_head "$base"); RSS $(rss)"
# A command may append at most 1,000,000 events and a request body is at most 1 MiB, so each
# year is billed in batches of 70,000 members named by id (2 events per invoice).
chunk=70000
for fy in 2026 2027; do
  curl -sf -H "$auth" -X PUT -d '{"fees":{"regular":15000,"student":5000}}' "$base/fee-schedules/$fy" > /dev/null
  t0=$(date +%s.%N)
  for ((first = 1; first <= members; first += chunk)); do
    last=$(( first + chunk - 1 < members ? first + chunk - 1 : members ))
    { printf '{"fiscal_year":%d,"category":"annual","title":"%d年度年会費","issue_date":"%d-04-01","due_date":"%d-06-30","member_ids":[' \
        "$fy" "$fy" "$fy" "$fy"
      seq -f '"m%09.0f"' "$first" "$last" | paste -sd,
      printf ']}'; } > "$dir/batch.json"
    batch=$(curl -sf -H "$auth" -X POST -d "@$dir/batch.json" "$base/invoice-batches" \
      | sed 's/.*"batch_id":"\([^"]*\)".*/\1/')
    curl -sf -H "$auth" -X POST -o /dev/null "$base/invoice-batches/$batch/confirm"
  done
  echo "FY$fy billed and confirmed in $(( (members + chunk - 1) / chunk )) batches: $(echo "$(date +%s.%N) - $t0" | bc) s; log head $(log_head "$base"); RSS $(rss)"
done
round=0
while head=$(log_head "$base") && [ "$head" -lt "$target" ]; do
  round=$((round + 1))
  left=$(( (target - head) / 2 ))
  secs=$(( left / 9000 + 5 )); [ "$secs" -gt 300 ] && secs=300
  wrk -t2 -c64 -d"${secs}s" -s bench/payment.lua "http://$base/payments" -- "$members" "$token" "scale$round" oldest_first \
    | grep -E "^RESULT" || true
  echo "payments round $round (${secs} s): log head $(log_head "$base"); RSS $(rss)"
done
wait_projections "$base"
echo "== $(log_head "$base") events; projections caught up; kaiind RSS $(rss)"
t0=$(date +%s.%N); kill "$pid"; wait "$pid" 2>/dev/null || true
echo "clean stop (writes the snapshot): $(echo "$(date +%s.%N) - $t0" | bc) s"
for n in 1 2; do
  start; echo "start $n from the snapshot: ready after $started s; RSS $(rss)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
start
curl -sf -H "$auth" -H "Idempotency-Key: scale-last" -o /dev/null \
  -d '{"member_id":"m000000001","amount":1000,"method":"bank_transfer","received_on":"2026-05-01"}' "$base/payments"
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
start; echo "start after kill -9: ready after $started s; RSS $(rss)"
echo "after an arrears page: $(curl -sf -o /dev/null -w '%{http_code}' -H "$auth" "$base/arrears?limit=100") arrears, RSS $(rss)"
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "on disk: log $(du -sh "$dir/data/tenants/bench/log" | cut -f1), projections $(du -sh "$dir/data/tenants/bench/projections" | cut -f1)"
