# Shared by the bench scripts; sourced from the repository root after ./scripts/build.sh.

# start_kaiind DATA_DIR PORT LOG: kaiind in the background ($pid); waits for /healthz; sets
# $token and $auth (the admin's bearer header).
start_kaiind() {
  ${KAIIND:-./build/http/kaiind} --data-dir "$1" --listen "127.0.0.1:$2" ${KAIIND_ARGS:-} > "$3" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "127.0.0.1:$2/healthz" > /dev/null && break; sleep 0.1; done
  token=$(cat "$1/admin-token")
  auth="Authorization: Bearer $token"
}

# bench_society BASE: the tenant at BASE with the member types of kaiin-make-roster's members.
bench_society() {
  curl -sf -H "$auth" -X PUT -d '{"name":"Bench Society"}' "$1" > /dev/null
  curl -sf -H "$auth" -X PUT -d '{"name":"正会員"}' "$1/member-types/regular" > /dev/null
  curl -sf -H "$auth" -X PUT -d '{"name":"学生会員"}' "$1/member-types/student" > /dev/null
}

# import_roster CSV PORT DATA_DIR: `kaiinctl import-members` into tenant "bench".
import_roster() {
  ./build/http/kaiinctl import-members --tenant bench --csv "$1" \
    --url "http://127.0.0.1:$2" --token-file "$3/admin-token"
}

# wait_ready PORT: until kaiind ($pid) answers /readyz (its write model loaded); fails if it died.
wait_ready() {
  until curl -sf -o /dev/null "127.0.0.1:$1/readyz"; do kill -0 "$pid"; sleep 0.05; done
}

# wait_projections BASE: until the tenant's projections have reached its log head.
wait_projections() {
  until curl -sf -o /dev/null -H "$auth" "$1/event-counts?min_position=$(log_head "$1")"; do
    sleep 0.2
  done
}

# log_head BASE: the tenant's log head.
log_head() { curl -sf -H "$auth" "$1" | sed 's/.*"log_head":\([0-9]*\).*/\1/'; }
