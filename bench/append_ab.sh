#!/usr/bin/env bash
# A/B of two kaiind builds on the payment append path, in alternating runs (the machine is shared
# and drifts between runs: only pairs run back to back compare). Each run: a fresh data folder,
# the bench society with 1,000 members, 4 s of warm-up, then 10 s of wrk at CONNECTIONS (64)
# (bench/payment.lua). Prints per run the events/s, kaiind's CPU µs per event (all threads and
# per thread name), the mean group-commit size and the projection lag at the end.
#   ./bench/append_ab.sh PAIRS KAIIND_A KAIIND_B
# e.g. build the other commit in a worktree: git worktree add /tmp/a REV &&
# cmake -S /tmp/a -B /tmp/a/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C /tmp/a/build kaiind
set -euo pipefail
. bench/common.sh
pairs=${1:?pairs}; a=${2:?kaiind A}; b=${3:?kaiind B}
port=${PORT:-18121}
members=1000
conns=${CONNECTIONS:-64}
threads=$(( conns < 2 ? 1 : 2 ))

# CPU ticks of kaiind by thread name ("name ticks" lines).
thread_ticks() {
  for t in /proc/"$pid"/task/*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done |
    awk '{ a[$1] += $2 } END { for (k in a) print k, a[k] }' | sort
}
group_stats() {  # "commands batches"
  curl -s "127.0.0.1:$port/metrics" |
    awk '/^kaiin_group_commit_commands_sum/ {s=$2} /^kaiin_group_commit_commands_count/ {c=$2} END {print s, c}'
}

run() {
  local bin=$1 dir
  dir=$(mktemp -d /tmp/kaiin-ab-XXXX)
  ./build/bench/kaiin-make-roster "$members" > "$dir/roster.csv"
  KAIIND=$bin start_kaiind "$dir/data" "$port" "$dir/kaiind.log"
  local base="127.0.0.1:$port/v1/tenants/bench"
  bench_society "$base"
  import_roster "$dir/roster.csv" "$port" "$dir/data" > /dev/null
  wrk -t$threads -c$conns -d4s -s bench/payment.lua "http://127.0.0.1:$port" -- "$members" "$token" warm > /dev/null
  local h0 g0 h1 g1 hz
  hz=$(getconf CLK_TCK)
  h0=$(log_head "$base"); g0=$(group_stats); thread_ticks > "$dir/t0"
  wrk -t$threads -c$conns -d10s -s bench/payment.lua "http://127.0.0.1:$port" -- "$members" "$token" run > /dev/null
  h1=$(log_head "$base"); g1=$(group_stats); thread_ticks > "$dir/t1"
  local lag
  lag=$(curl -s "127.0.0.1:$port/metrics" | awk '/^kaiin_projection_lag_events/ {print $2}')
  local ev=$((h1 - h0))
  local per
  per=$(join "$dir/t0" "$dir/t1" |
    awk -v ev="$ev" -v hz="$hz" '{ d = ($3 - $2) * 1e6 / hz / ev; t += d; if (d >= 0.05) s = s sprintf(" %s %.1f", $1, d) } END { printf "%.1f [%s ]", t, s }')
  echo "$g0 $g1" | awk -v name="$bin" -v ev="$ev" -v per="$per" -v lag="$lag" \
    '{ printf "%s: %d events/s, CPU µs/event %s, %.1f commands/group, lag at end %s\n", name, ev / 10, per, ($3 - $1) / ($4 - $2), lag }'
  kill "$pid"; wait "$pid" || true
  rm -rf "$dir"
}

for _ in $(seq "$pairs"); do
  run "$a"
  run "$b"
done
