#!/usr/bin/env bash
# Loads a synthetic roster of N members (default 100000) into a fresh kaiind through
# `kaiinctl import-members`, waits for the projections to catch up, then measures a projection
# rebuild against a raw RocksDB scan of the same log. Run from the repository root after
# ./scripts/build.sh. Prints what docs/benchmarks.md records.
set -euo pipefail
. bench/common.sh
n=${1:-100000}
port=${PORT:-18090}
dir=$(mktemp -d /tmp/kaiin-roster-XXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
./build/bench/kaiin-make-roster "$n" > "$dir/roster.csv"
start_kaiind "$dir/data" "$port" "$dir/kaiind.log"
base="127.0.0.1:$port/v1/tenants/bench"
bench_society "$base"
echo "== import of $n members"
start=$(date +%s.%N)
import_roster "$dir/roster.csv" "$port" "$dir/data"
head=$(log_head "$base")
curl -sf -o /dev/null -H "$auth" "$base/event-counts?min_position=0"
until curl -sf -o /dev/null -H "$auth" "$base/event-counts?min_position=$head"; do :; done
end=$(date +%s.%N)
echo "import + projections caught up: $(echo "$end - $start" | bc) s for $head events"
echo "== the same import again (every batch answered from its idempotency key)"
import_roster "$dir/roster.csv" "$port" "$dir/data"
echo "== billing: one annual batch for every member, then its confirmation"
curl -sf -H "$auth" -X PUT -d '{"fees":{"regular":15000,"student":5000}}' "$base/fee-schedules/2026" > /dev/null
start=$(date +%s.%N)
curl -sf -H "$auth" -X POST -o "$dir/batch.json" \
  -d '{"fiscal_year":2026,"category":"annual","title":"2026年度年会費","issue_date":"2026-04-01","due_date":"2026-06-30"}' \
  "$base/invoice-batches"
mid=$(date +%s.%N)
curl -sf -H "$auth" -X POST -o /dev/null "$base/invoice-batches/b000000001/confirm"
end=$(date +%s.%N)
echo "batch of $(sed 's/.*"invoice_count":\([0-9]*\).*/\1/' "$dir/batch.json") invoices created (durable): $(echo "$mid - $start" | bc) s; confirmed (issued, posted): $(echo "$end - $mid" | bc) s"
head=$(log_head "$base")
until curl -sf -o /dev/null -H "$auth" "$base/event-counts?min_position=$head"; do :; done
echo "projections caught up: $(echo "$(date +%s.%N) - $end" | bc) s after the confirmation"
curl -s -o /dev/null -w "a payment (oldest_first): %{time_total} s\n" -H "$auth" -H "Idempotency-Key: bench-1" \
  -d '{"member_id":"m000000001","amount":15000,"method":"bank_transfer","received_on":"2026-05-01"}' "$base/payments"
echo "== queries on $n members (one request each, curl)"
for q in "members/m000050000" "members?limit=100" "members?q=member99999@" "members?status=active&member_type=student&limit=100" "members/m000050000/invoices?include_settled=true" "invoice-batches"; do
  curl -s -o /dev/null -w "GET $q: %{time_total} s\n" -H "$auth" "$base/$q"
done
if command -v wrk > /dev/null; then
  echo "== read models under load: wrk, 2 threads, 16 keep-alive connections, 10 s each (same machine)"
  for q in "arrears?limit=100" "fiscal-years/2026/summary" "members/m000050000" "arrears?fiscal_year=2026&limit=100"; do
    echo "-- GET $q"
    wrk -t2 -c16 -d10s --latency -H "$auth" "http://$base/$q" | grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx"
  done
fi
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "== rebuild"
./build/bench/kaiin-bench-rebuild --data-dir "$dir/data" --tenant bench 2>/dev/null
