#!/usr/bin/env bash
# kaiind's resident memory through one periodic write-model snapshot, on an existing large
# folder with a tenant "bench" (bench/scale_1m.sh's):
#
#   bench/snapshot_rss.sh DATA_DIR [KAIIND]
#
# Starts kaiind (--snapshot-every 50000 --snapshot-quiet-ms 500), 10 s of payments with wrk at
# 64 connections (so a snapshot is due), then samples VmRSS every 0.1 s for 25 s without writes
# (the snapshot begins after 0.5 s of quiet): prints the RSS before, the peak, the RSS at the end
# and the snapshot's log line; and the peak of the encoding child's private memory (what the
# fork costs beyond the pages it shares with kaiind: its own buffers and the pages either side
# wrote since). With STOP=1 the snapshot is the clean stop's instead: no periodic one; after the
# payments kaiind is sent SIGTERM and sampled until it exits, and the stop is timed. Writes to
# the folder: use a copy.
set -euo pipefail
. bench/common.sh
data=$1
export KAIIND=${2:-./build/http/kaiind}
port=${PORT:-18117}
members=${MEMBERS:-1000000}
snapshots="--snapshot-every 50000 --snapshot-quiet-ms 500"
[ "${STOP:-0}" = 1 ] && snapshots="--snapshot-every 0"
KAIIND_ARGS=$snapshots start_kaiind "$data" "$port" /tmp/kaiin-snapshot-rss.log
trap 'kill $pid 2> /dev/null && wait $pid' EXIT
wait_ready "$port"
base="127.0.0.1:$port/v1/tenants/bench"
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
echo "ready: RSS $(rss) MiB"
wrk -t2 -c64 -d10s -s bench/payment.lua "http://$base/payments" -- "$members" "$token" \
  "snaprss$(date +%s)" oldest_first > /dev/null 2>&1
# The private memory of kaiind's child processes (the snapshot's encoder), in MiB.
child_private() {
  local total=0 c
  for c in $(pgrep -P "$pid" || true); do
    total=$((total + $(awk '/^Private_(Clean|Dirty)/ {s += $2} END {print int(s / 1024)}' \
      "/proc/$c/smaps_rollup" 2> /dev/null || echo 0)))
  done
  echo "$total"
}
# One sample of kaiind's RSS and its children's private memory into the peaks; fails once kaiind
# is gone.
sample() {
  local r c
  r=$(rss 2> /dev/null) && [ -n "$r" ] || return 1
  (( r > peak )) && peak=$r
  c=$(child_private); (( c > child_peak )) && child_peak=$c
  return 0
}
before=$(rss); peak=$before; child_peak=0
if [ "${STOP:-0}" = 1 ]; then
  t0=$(date +%s.%N)
  kill -TERM "$pid"
  while sample; do sleep 0.1; done
  wait "$pid" || true
  echo "after the payments: RSS $before MiB; peak through the stop $peak MiB;" \
    "stopped in $(echo "$(date +%s.%N) - $t0" | bc) s"
else
  for _ in $(seq 250); do sample; sleep 0.1; done
  echo "after the payments: RSS $before MiB; peak through the snapshot $peak MiB; 25 s later $(rss) MiB"
fi
echo "the encoding child's private memory at its peak: $child_peak MiB"
if [ "${STOP:-0}" != 1 ]; then
  { grep -o "write-model snapshot at .*" /tmp/kaiin-snapshot-rss.log || true; } | sed 's/^/   /'
fi
