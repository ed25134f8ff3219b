#!/usr/bin/env bash
# Loads a synthetic roster of N members (default 100000) into a fresh kaiind through
# `kaiinctl import-members`, waits for the projections to catch up, then measures a projection
# rebuild against a raw RocksDB scan of the same log. Run from the repository root after
# ./scripts/build.sh. Prints what docs/benchmarks.md records.
set -euo pipefail
n=${1:-100000}
port=${PORT:-18090}
dir=$(mktemp -d /tmp/kaiin-roster-XXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
./build/bench/kaiin-make-roster "$n" > "$dir/roster.csv"
./build/http/kaiind --data-dir "$dir/data" --listen "127.0.0.1:$port" > "$dir/kaiind.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf "127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
auth="Authorization: Bearer $(cat "$dir/data/admin-token")"
base="127.0.0.1:$port/v1/tenants/bench"
curl -sf -H "$auth" -X PUT -d '{"name":"Bench Society"}' "$base" > /dev/null
curl -sf -H "$auth" -X PUT -d '{"name":"正会員"}' "$base/member-types/regular" > /dev/null
curl -sf -H "$auth" -X PUT -d '{"name":"学生会員"}' "$base/member-types/student" > /dev/null
echo "== import of $n members"
start=$(date +%s.%N)
./build/http/kaiinctl import-members --tenant bench --csv "$dir/roster.csv" \
  --url "http://127.0.0.1:$port" --token-file "$dir/data/admin-token"
head=$(curl -sf -H "$auth" "$base" | sed 's/.*"log_head":\([0-9]*\).*/\1/')
curl -sf -o /dev/null -H "$auth" "$base/event-counts?min_position=0"
until curl -sf -o /dev/null -H "$auth" "$base/event-counts?min_position=$head"; do :; done
end=$(date +%s.%N)
echo "import + projections caught up: $(echo "$end - $start" | bc) s for $head events"
echo "== the same import again (every batch answered from its idempotency key)"
./build/http/kaiinctl import-members --tenant bench --csv "$dir/roster.csv" \
  --url "http://127.0.0.1:$port" --token-file "$dir/data/admin-token"
echo "== queries on $n members (one request each, curl)"
for q in "members/m000050000" "members?limit=100" "members?q=member99999@" "members?status=active&member_type=student&limit=100"; do
  curl -s -o /dev/null -w "GET $q: %{time_total} s\n" -H "$auth" "$base/$q"
done
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "== rebuild"
./build/bench/kaiin-bench-rebuild --data-dir "$dir/data" --tenant bench 2>/dev/null
