#!/usr/bin/env bash
# A real full disk (not the injected one of the tests): kaiind's data folder on a small tmpfs,
# filled up while a client records payments. Checks that commands answer 503 while the disk is
# full, queries keep answering 200, and that after space returns every payment retried with its
# Idempotency-Key is recorded exactly once (kaiin-replay verify counts them). Needs root (mount).
# Run from the repository root after ./scripts/build.sh.
set -euo pipefail
. bench/common.sh
port=${PORT:-18094}
mnt=$(mktemp -d /tmp/kaiin-full-XXXX)
mount -t tmpfs -o size=96m tmpfs "$mnt"
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; umount "$mnt"; rmdir "$mnt"; }
trap cleanup EXIT
start_kaiind "$mnt/data" "$port" /tmp/kaiin-full-disk.log
base="127.0.0.1:$port/v1/tenants/full"
bench_society "$base"
curl -sf -H "$auth" -d '{"email":"a@example.jp","member_type":"regular","applied_on":"2026-04-01","name":{"family":"山田"}}' "$base/members" > /dev/null
pay() {  # key -> HTTP status
  curl -s -o /dev/null -w "%{http_code}" -H "$auth" -H "Idempotency-Key: $1" \
    -d '{"member_id":"m000000001","amount":1000,"method":"bank_transfer","received_on":"2026-05-01","allocation":"none"}' \
    "$base/payments"
}
for i in $(seq 1 20); do [ "$(pay "k$i")" = 201 ] || { echo "payment k$i failed before the disk was full"; exit 1; }; done
free=$(df --output=avail -B1 "$mnt" | tail -1)
fallocate -l $((free - 256 * 1024)) "$mnt/filler"
echo "disk filled: $(df -h --output=avail "$mnt" | tail -1 | tr -d ' ') left"
ok=0; refused=0; refused_keys=()
for i in $(seq 21 2000); do
  s=$(pay "k$i")
  case "$s" in
    201) ok=$((ok + 1)) ;;
    503) refused=$((refused + 1)); refused_keys+=("k$i") ;;
    *) echo "k$i: unexpected $s"; exit 1 ;;
  esac
  [ "$refused" -ge 20 ] && break
done
echo "while filling: $ok payments recorded, then $refused answered 503"
[ "$refused" -ge 20 ] || { echo "the disk never filled up"; exit 1; }
q=$(curl -s -o /dev/null -w "%{http_code}" -H "$auth" "$base/members/m000000001")
echo "query while full: GET member -> $q"; [ "$q" = 200 ]
rm "$mnt/filler"
echo "space returned: $(df -h --output=avail "$mnt" | tail -1 | tr -d ' ') free"
retried=0
for k in "${refused_keys[@]}"; do
  for _ in $(seq 50); do s=$(pay "$k"); [ "$s" = 503 ] || break; sleep 0.2; done
  [ "$s" = 201 ] || [ "$s" = 200 ] || { echo "$k: $s after space returned"; exit 1; }
  retried=$((retried + 1))
done
again=$(pay "k1")
echo "retried $retried refused payments: all recorded; k1 again -> $again (its first answer)"
expected=$((20 + ok + refused))
kill "$pid"; wait "$pid" 2>/dev/null || true
out=$(./build/replay/kaiin-replay verify --data-dir "$mnt/data")
echo "$out" | head -3
money=$(echo "$out" | sed -n 's/.*ledger: \([0-9]*\) money events.*/\1/p')
echo "payments in the log: $money, distinct keys sent: $expected"
[ "$money" = "$expected" ] && echo "full disk: OK"
