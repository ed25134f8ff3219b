#!/usr/bin/env bash
# kaiind's resident memory against the number of tenants in one process: a fresh data folder,
# then N tenants (40), each the bench society with a roster of M members (2,000) imported and a
# member list read, RSS printed after 1, 5, 10, 20, 30 and 40 of them and again SETTLE seconds
# (15) after the last; then the storage memory kaiind reports in /metrics, summed over tenants.
#   ./bench/tenants_rss.sh [KAIIND]      (KAIIND_ARGS passes flags, e.g. "--memtable-mib 16")
set -euo pipefail
. bench/common.sh
KAIIND=${1:-./build/http/kaiind}
n=${N:-40}; members=${MEMBERS:-2000}; port=${PORT:-18911}
dir=$(mktemp -d /tmp/kaiin-tenants-XXXX)
./build/bench/kaiin-make-roster "$members" > "$dir/roster.csv"
start_kaiind "$dir/data" "$port" "$dir/kaiind.log"
trap 'kill $pid 2> /dev/null && wait $pid; rm -rf "$dir"' EXIT
wait_ready "$port"
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
echo "| tenants | RSS MiB | threads |"
echo "|---|---|---|"
echo "| 0 | $(rss) | $(ls "/proc/$pid/task" | wc -l) |"
for i in $(seq 1 "$n"); do
  base=http://127.0.0.1:$port/v1/tenants/t$i
  bench_society "$base"
  ./build/http/kaiinctl import-members --tenant "t$i" --csv "$dir/roster.csv" \
    --url "http://127.0.0.1:$port" --token-file "$dir/data/admin-token" > /dev/null
  curl -sf -H "$auth" "$base/members?limit=100" > /dev/null
  case $i in 1|5|10|20|30|40) sleep 2; echo "| $i | $(rss) | $(ls "/proc/$pid/task" | wc -l) |";; esac
done
sleep "${SETTLE:-15}"
echo "| $n, ${SETTLE:-15} s later | $(rss) | |"
echo
curl -sf "127.0.0.1:$port/metrics" | awk '/^kaiin_storage_(memtable|table_reader|shared_memtable|block_cache)/ {
    split($1, a, "{"); k = a[1]
    if (index($1, "store=\"log\"")) k = k " (log)"
    if (index($1, "store=\"projections\"")) k = k " (projections)"
    s[k] += $2 }
  END { for (k in s) printf "%s: %.1f MiB\n", k, s[k] / 1048576 }' | sort
