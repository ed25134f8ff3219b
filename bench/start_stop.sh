#!/usr/bin/env bash
# Start-up, resident memory and clean stop of kaiind on an existing data folder (DESIGN.md §5:
# "start-up with 10M events ≤ 5 s; RSS ≤ 2 GB for 1M members and 20M events"):
#
#   bench/start_stop.sh DATA_DIR [TIMES] [KAIIND ...]
#
# For each build given (default ./build/http/kaiind), TIMES times (default 3), the builds
# alternating: launch it on DATA_DIR, poll /readyz every 50 ms, read VmRSS a second later, stop
# it with SIGTERM and time the stop (which writes the write-model snapshot when the latest is not
# of the head). Use a copy of a folder no kaiind is serving; bench/scale_1m.sh makes one.
set -euo pipefail
data=$1
times=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(./build/http/kaiind)
port=${PORT:-18111}
now() { date +%s.%N; }
for _ in $(seq "$times"); do
  for bin in "${builds[@]}"; do
    t0=$(now)
    "$bin" --data-dir "$data" --listen "127.0.0.1:$port" > /tmp/kaiin-start-stop.log 2>&1 &
    pid=$!
    until curl -sf -o /dev/null "127.0.0.1:$port/readyz"; do
      kill -0 "$pid" 2>/dev/null || { tail /tmp/kaiin-start-stop.log; exit 1; }
      sleep 0.05
    done
    ready=$(echo "$(now) - $t0" | bc)
    sleep 1
    rss=$(( $(awk '/VmRSS/{print $2}' "/proc/$pid/status") / 1024 ))
    t0=$(now)
    kill -TERM "$pid"
    wait "$pid" || true
    echo "$bin: ready after $ready s, RSS $rss MiB, clean stop $(echo "$(now) - $t0" | bc) s"
  done
done
