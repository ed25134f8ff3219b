#!/usr/bin/env bash
# kaiind's resident memory under load on an existing 1M-member folder (bench/scale_1m.sh's):
#
#   bench/rss_under_load.sh DATA_DIR [KAIIND]
#
# Starts kaiind, then 90 s of `oldest_first` payments over the million members with wrk at 64
# connections (VmRSS every 15 s), waits for the projections, 30 s of arrears first pages at 16
# connections, and stops it. Writes to the folder: use a copy.
set -euo pipefail
. bench/common.sh
data=$1
export KAIIND=${2:-./build/http/kaiind}
port=${PORT:-18112}
members=${MEMBERS:-1000000}
rss() { echo "$(( $(awk '/VmRSS/{print $2}' "/proc/$pid/status") / 1024 )) MiB"; }
start_kaiind "$data" "$port" /tmp/kaiin-rss-under-load.log
trap 'kill $pid 2>/dev/null || true' EXIT
wait_ready "$port"
base="127.0.0.1:$port/v1/tenants/bench"
echo "ready: RSS $(rss), log head $(log_head "$base")"
wrk -t2 -c64 -d90s -s bench/payment.lua "http://$base/payments" -- "$members" "$token" \
  "rss$(date +%s)" oldest_first > /tmp/kaiin-rss-under-load.wrk 2>&1 &
load=$!
for s in 15 30 45 60 75 90; do sleep 15; echo "payments, ${s} s: RSS $(rss)"; done
wait "$load"
grep -E "^RESULT" /tmp/kaiin-rss-under-load.wrk
echo "after the payments: RSS $(rss), log head $(log_head "$base")"
wait_projections "$base"
echo "projections caught up: RSS $(rss)"
echo "wrk.headers[\"Authorization\"] = \"Bearer $token\"" > /tmp/kaiin-rss-under-load.lua
wrk -t2 -c16 -d30s -s /tmp/kaiin-rss-under-load.lua "http://$base/arrears?limit=100" |
  grep -E "Requests/sec|Non-2xx" || true
echo "after 30 s of arrears pages: RSS $(rss)"
t0=$(date +%s.%N)
kill "$pid"
wait "$pid" || true
echo "clean stop: $(echo "$(date +%s.%N) - $t0" | bc) s"
