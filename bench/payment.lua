-- wrk script: POST {T}/payments, each request with its own Idempotency-Key.
-- Arguments (after --): members, admin token, run tag (keeps keys unique across runs),
-- allocation (none, the default, or oldest_first).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  members = tonumber(args[1]) or 1000
  token = args[2] or ""
  tag = args[3] or "run"
  allocation = args[4] or "none"
  n = 0
end

function request()
  n = n + 1
  local m = (n * 7 + tid) % members + 1
  local body = string.format(
    '{"member_id":"m%09d","amount":1000,"method":"bank_transfer","received_on":"2026-05-01","allocation":"%s"}', m, allocation)
  return wrk.format("POST", "/v1/tenants/bench/payments", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("%s-%d-%d", tag, tid, n),
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
