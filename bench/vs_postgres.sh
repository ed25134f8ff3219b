#!/usr/bin/env bash
# kaiind against the usual event store on PostgreSQL 15, side by side in one run on this machine.
#   (a) appends: kaiind payment commands over HTTP keep-alive (wrk + bench/payment.lua) and
#       pgbench appends with an expected-version check in the same transaction
#       (bench/append.sql), both with synchronous commits, at 1, 16 and 64 connections;
#   (b) a projection rebuild (kaiin-bench-rebuild) against a PostgreSQL GROUP BY over its events.
# Prints the table docs/benchmarks.md records. Run as root from the repository root after
# ./scripts/build.sh; needs wrk and postgresql-15 (apt-get install wrk postgresql-15).
# SECONDS_PER_RUN (default 10), MEMBERS (default 1000), PG_TRANSPORT (default "unix": pgbench
# over PostgreSQL's Unix socket, its fastest local path; "tcp": over 127.0.0.1, as wrk reaches
# kaiind), ROUNDS_64 (default 1: the kaiind/PostgreSQL pair at 64 connections this many times,
# one after the other, then each round's ratio and their median; the machine drifts between
# runs, and one pair is a sample of that drift).
set -euo pipefail
. bench/common.sh
secs=${SECONDS_PER_RUN:-10}
members=${MEMBERS:-1000}
port=${PORT:-18091}
pgport=${PGPORT:-15433}
pgbin=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/kaiin-vs-pg-XXXX)
chmod 755 "$dir"
hz=$(getconf CLK_TCK)
cleanup() {
  [ -n "${kpid:-}" ] && kill "$kpid" 2>/dev/null || true
  [ -d "$dir/pg" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg" -m fast stop > /dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# CPU seconds (user + system) of a process, with its reaped children.
cpu_of() { awk -v hz="$hz" '{ print ($14 + $15 + $16 + $17) / hz }' "/proc/$1/stat"; }
# ... of PostgreSQL: the postmaster (whose reaped backends count in its children's time) and
# the processes still alive under it.
pg_cpu() {
  local pm total
  pm=$(head -1 "$dir/pg/postmaster.pid")
  total=$(cpu_of "$pm")
  for c in $(pgrep -P "$pm"); do total=$(echo "$total + $(cpu_of "$c" 2>/dev/null || echo 0)" | bc); done
  echo "$total"
}
pct() {  # percentile $2 (0..100) of the numbers in file $1, one per line
  sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END { i = int(NR * p / 100); if (i < 1) i = 1; print a[i] }'
}

echo "# kaiind vs PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') (pgbench over ${PG_TRANSPORT:-unix}), ${secs} s per run, $(nproc) cores, $(date -u +%F)"

# ---- kaiind
./build/bench/kaiin-make-roster "$members" > "$dir/roster.csv"
start_kaiind "$dir/data" "$port" "$dir/kaiind.log"
kpid=$pid
base="127.0.0.1:$port/v1/tenants/bench"
bench_society "$base"
import_roster "$dir/roster.csv" "$port" "$dir/data" > /dev/null

# ---- PostgreSQL
mkdir "$dir/pg" "$dir/sock" && chown postgres "$dir/pg" "$dir/sock"
runuser -u postgres -- "$pgbin/initdb" -D "$dir/pg" -A trust -U postgres > /dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg/log" -w start \
  -o "-p $pgport -k $dir/sock -c listen_addresses='127.0.0.1' -c synchronous_commit=on -c fsync=on -c shared_buffers=512MB -c max_connections=200" > /dev/null
psql() { command psql -h "$dir/sock" -p "$pgport" -U postgres -X -q "$@"; }
psql -c "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL,
  version bigint NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), data jsonb NOT NULL,
  UNIQUE (stream, version))"

printf "\n| system | connections | events/s | ratio kaiind/PostgreSQL | p50 ms | p99 ms | CPU s per 1k events | errors |\n|---|---|---|---|---|---|---|---|\n"
levels="1 16"
for _ in $(seq "${ROUNDS_64:-1}"); do levels="$levels 64"; done
run=0
ratios_64=()
for c in $levels; do
  run=$((run + 1))
  t=$(( c < 2 ? 1 : 2 ))
  # kaiind: every payment is one PaymentRecorded event (allocation "none": the money is credit).
  h0=$(log_head "$base"); cpu0=$(cpu_of "$kpid")
  out=$(wrk -t"$t" -c"$c" -d"${secs}s" -s bench/payment.lua "http://127.0.0.1:$port" -- "$members" "$token" "r$run" | grep RESULT)
  h1=$(log_head "$base"); cpu1=$(cpu_of "$kpid")
  k_events=$((h1 - h0))
  k_secs=$(echo "$out" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
  k_rate=$(echo "$k_events / $k_secs" | bc -l)
  k_p50=$(echo "$out" | sed 's/.*p50_us=\([0-9]*\).*/\1/'); k_p99=$(echo "$out" | sed 's/.*p99_us=\([0-9]*\).*/\1/')
  k_err=$(echo "$out" | sed 's/.*non2xx=\([0-9]*\) socket_errors=\([0-9]*\).*/\1+\2/')
  k_cpu=$(echo "($cpu1 - $cpu0) * 1000 / $k_events" | bc -l)
  # PostgreSQL: the same number of connections, one append per transaction.
  n0=$(psql -tAc "SELECT count(*) FROM events"); cpu0=$(pg_cpu)
  rm -f "$dir"/pglog*
  pghost="$dir/sock"; [ "${PG_TRANSPORT:-unix}" = tcp ] && pghost=127.0.0.1
  (cd "$dir" && pgbench -h "$pghost" -p "$pgport" -U postgres -n -f "$OLDPWD/bench/append.sql" \
    -D members="$members" -c "$c" -j "$t" -T "$secs" -l --log-prefix=pglog postgres > pgbench.out 2>&1) || cat "$dir/pgbench.out"
  n1=$(psql -tAc "SELECT count(*) FROM events"); cpu1=$(pg_cpu)
  p_events=$((n1 - n0))
  p_rate=$(echo "$p_events / $secs" | bc -l)
  cat "$dir"/pglog* | awk '{ print $3 }' > "$dir/lat"
  p_p50=$(pct "$dir/lat" 50); p_p99=$(pct "$dir/lat" 99)
  p_err=$(sed -n 's/.*number of failed transactions: \([0-9]*\).*/\1/p' "$dir/pgbench.out"); p_err=${p_err:-0}
  p_cpu=$(echo "($cpu1 - $cpu0) * 1000 / $p_events" | bc -l)
  ratio=$(echo "$k_rate / $p_rate" | bc -l)
  [ "$c" = 64 ] && ratios_64+=("$(printf "%.2f" "$ratio")")
  printf "| kaiind | %d | %.0f | %.2f | %.2f | %.2f | %.3f | %s |\n" "$c" "$k_rate" "$ratio" \
    "$(echo "$k_p50 / 1000" | bc -l)" "$(echo "$k_p99 / 1000" | bc -l)" "$k_cpu" "$k_err"
  printf "| PostgreSQL | %d | %.0f | | %.2f | %.2f | %.3f | %s |\n" "$c" "$p_rate" \
    "$(echo "$p_p50 / 1000" | bc -l)" "$(echo "$p_p99 / 1000" | bc -l)" "$p_cpu" "$p_err"
done
if [ "${#ratios_64[@]}" -gt 1 ]; then
  printf "\nratio at 64 connections in %d rounds: %s; median %s\n" "${#ratios_64[@]}" \
    "${ratios_64[*]}" "$(printf "%s\n" "${ratios_64[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
fi

# ---- bytes on disk per event
kill "$kpid"; wait "$kpid" 2>/dev/null || true; kpid=
k_total=$(du -sb "$dir/data/tenants/bench/log" | cut -f1)
k_events=$h1
p_rows=$(psql -tAc "SELECT count(*) FROM events")
p_bytes=$(psql -tAc "SELECT pg_total_relation_size('events')")
printf "\nbytes on disk per event: kaiind log %.0f (%d events, RocksDB files incl. WAL, stream index, keys); PostgreSQL %.0f (%d rows, table + indexes, WAL not counted)\n" \
  "$(echo "$k_total / $k_events" | bc -l)" "$k_events" "$(echo "$p_bytes / $p_rows" | bc -l)" "$p_rows"

# ---- rebuild against GROUP BY over the same number of events
echo
./build/bench/kaiin-bench-rebuild --data-dir "$dir/data" --tenant bench 2> /dev/null
start=$(date +%s.%N)
psql -tAc "SELECT count(*) FROM (SELECT stream, count(*), sum((data->>'amount')::bigint) FROM events GROUP BY stream) g" > /dev/null
end=$(date +%s.%N)
printf "\nPostgreSQL GROUP BY stream (count, sum of amount) over %d events: %.3f s, %.0f events/s (first run)\n" \
  "$p_rows" "$(echo "$end - $start" | bc)" "$(echo "$p_rows / ($end - $start)" | bc -l)"
start=$(date +%s.%N)
psql -tAc "SELECT count(*) FROM (SELECT stream, count(*), sum((data->>'amount')::bigint) FROM events GROUP BY stream) g" > /dev/null
end=$(date +%s.%N)
printf "PostgreSQL GROUP BY again: %.3f s, %.0f events/s\n" "$(echo "$end - $start" | bc)" "$(echo "$p_rows / ($end - $start)" | bc -l)"
