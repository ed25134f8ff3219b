#!/usr/bin/env bash
# The trial balance at a log position (GET {T}/trial-balance?as_of_position=N), read from the
# running totals, and the same cut with a date as well (as_of=9999-12-31: the same figures, read
# from the blocks by day and the events' rows from the nearer end of the log). Give KAIIND a
# build before 5a4d712 for the walk over the events' rows the cut by both took before (and
# before d436cfc, the cut by position alone too).
#
#   ./bench/trial_balance_cut.sh DATA_DIR [KAIIND]
#
# DATA_DIR: a copy of a data folder with a tenant "bench" (its projections are built first if
# needed). Asks each cut at 20 positions spread over the log (each position asked once: the
# answer cache never serves them) and prints the median, the largest and all times in ms. A cut by
# both walks from the nearer end of the log: its worst is the middle.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
data=${1:?usage: trial_balance_cut.sh DATA_DIR [KAIIND]}
export KAIIND=${2:-./build/http/kaiind}
port=18093
base="127.0.0.1:$port/v1/tenants/bench"
start_kaiind "$data" "$port" /tmp/kaiin-trial-balance-cut.log
trap 'kill $pid 2> /dev/null; wait $pid 2> /dev/null || true' EXIT
wait_ready "$port"
wait_projections "$base"
head=$(log_head "$base")
echo "log head $head"

# times QUERY_SUFFIX ROUND: ms for each of 20 positions from 5% to 100% of the log, sorted, on one
# line; each round asks positions of its own.
times() {
  for i in $(seq 1 20); do
    n=$(( head * i / 20 - i - 100 * $2 ))
    curl -sf -o /dev/null -w "%{time_total}\n" -H "$auth" "$base/trial-balance?as_of_position=$n$1"
  done | awk '{ printf "%.2f\n", $1 * 1000 }' | sort -n | tr '\n' ' '
}
summary() { awk '{ print "median " ($10 + $11) / 2 " ms, largest " $20 " ms (all: " $0 ")" }'; }

for round in 1 2; do
  pos=$(times "" "$round")
  both=$(times "&as_of=9999-12-31" "$round")
  echo "round $round position only:       $(echo "$pos" | summary)"
  echo "round $round position and a date: $(echo "$both" | summary)"
done
