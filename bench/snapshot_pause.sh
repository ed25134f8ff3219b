#!/usr/bin/env bash
# How long a periodic write-model snapshot holds commands up, encoded by a forked child
# (--snapshot-in-child 1, the default) or on the writer (0), on an existing large folder with a
# tenant "bench" (bench/scale_1m.sh's):
#
#   bench/snapshot_pause.sh DATA_DIR [KAIIND] [ROUNDS]
#
# Each round, for each mode: starts kaiind (--snapshot-every 50000 --snapshot-quiet-ms 500),
# 10 s of payments with wrk (so a snapshot is due), 0.7 s of quiet (a snapshot begins after 0.5 s
# without commits), then one payment every 20 ms for 6 s with curl: the slowest of them is the
# pause the snapshot caused. Prints that, the snapshot's log line and the RSS. Writes to the
# folder: use a copy.
set -euo pipefail
. bench/common.sh
data=$1
export KAIIND=${2:-./build/http/kaiind}
rounds=${3:-2}
port=${PORT:-18116}
members=${MEMBERS:-1000000}
for round in $(seq "$rounds"); do
  for mode in 1 0; do
    KAIIND_ARGS="--snapshot-every 50000 --snapshot-quiet-ms 500 --snapshot-in-child $mode" \
      start_kaiind "$data" "$port" /tmp/kaiin-snapshot-pause.log
    wait_ready "$port"
    base="127.0.0.1:$port/v1/tenants/bench"
    wrk -t2 -c64 -d10s -s bench/payment.lua "http://$base/payments" -- "$members" "$token" \
      "pause$round$mode$(date +%s)" oldest_first > /dev/null 2>&1
    sleep 0.7  # the snapshot begins after 0.5 s without commits (looked for every 125 ms)
    times=()
    for i in $(seq 300); do
      body="{\"member_id\":\"m$(printf %09d $(( (i * 7919) % members + 1 )))\",\"amount\":1000,\"method\":\"cash\",\"received_on\":\"2026-05-01\",\"allocation\":\"none\"}"
      times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$auth" -H "Idempotency-Key: pause-$round-$mode-$i-$(date +%s%N)" \
        -H 'Content-Type: application/json' -d "$body" "$base/payments")")
      sleep 0.02
    done
    slowest=$(printf '%s\n' "${times[@]}" | sort -g | tail -1)
    median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 150p)
    rss=$(( $(awk '/VmRSS/{print $2}' "/proc/$pid/status") / 1024 ))
    echo "round $round, in child $mode: payments after the load: median ${median} s, slowest ${slowest} s; RSS $rss MiB"
    kill "$pid"
    wait "$pid" || true
    { grep -o "write-model snapshot at .*" /tmp/kaiin-snapshot-pause.log || true; } | sed 's/^/   /'

  done
done
