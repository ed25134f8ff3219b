#include "http/api_util.h"

#include <sodium.h>

#include "http/json_input.h"

namespace kaiin::http {

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return events::BytesToHex(raw);
}

std::string CommandIdHex() {
  // Command ids are unique, not secret: a per-thread pool refilled 4 KiB at a time costs one
  // getrandom call per 256 commands instead of one per command.
  constexpr size_t kIdBytes = 16;
  thread_local std::string pool;
  thread_local size_t used = 0;
  if (used + kIdBytes > pool.size()) {
    pool.resize(4096);
    randombytes_buf(pool.data(), pool.size());
    used = 0;
  }
  const std::string_view raw(pool.data() + used, kIdBytes);
  used += kIdBytes;
  return events::BytesToHex(raw);
}

// What identifies a command for idempotency: the same key with another fingerprint is refused.
events::Hash Fingerprint(const Request& r) {
  return events::Sha256(r.method + '\n' + r.path + '\n' + r.body);
}

// A command's stored result is "NNN" (HTTP status) followed by a JSON object; the answer adds
// the position of its last event, which is known only once the batch is written.
Response CommandResponse(const ledger::CommitResult& c) {
  Response res;
  res.status = 200;
  std::string_view stored = c.result;
  if (stored.size() >= 5 && stored[3] == '{') {
    std::from_chars(stored.data(), stored.data() + 3, res.status);
    stored.remove_prefix(3);
  } else {
    stored = "{}";
  }
  std::string body(stored.substr(0, stored.size() - 1));
  if (body.size() > 1) body += ',';
  body += "\"position\":" + std::to_string(c.last_position) + "}";
  res.body = res.status == 204 ? "" : std::move(body);
  if (c.replayed) res.headers.emplace_back("Idempotent-Replayed", "true");
  return res;
}

bool TagBody(Response* res) {
  if (res->status != 200 || res->stream || res->Header("ETag")) return false;
  const std::string hex = events::HashToHex(events::Sha256(res->body));
  res->headers.emplace_back("ETag", '"' + hex.substr(0, 32) + '"');
  res->headers.emplace_back("Cache-Control", "private, no-cache");
  return true;
}

bool NoneMatchNames(std::string_view list, std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  size_t i = 0;
  while (i < list.size()) {
    const char c = list[i];
    if (c == ' ' || c == '\t' || c == ',') {
      ++i;
      continue;
    }
    if (c == '*') return true;
    if (list.substr(i).starts_with("W/")) i += 2;
    if (i >= list.size() || list[i] != '"') return false;  // malformed: names nothing
    const size_t close = list.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    if (list.substr(i, close + 1 - i) == etag) return true;
    i = close + 1;
  }
  return false;
}

Response NotModified(const Response& res) {
  Response out;
  out.status = 304;
  out.content_type.clear();
  for (const auto& [name, value] : res.headers) {
    if (name == "ETag" || name == "Cache-Control" || name == "X-Projection-Position") {
      out.headers.emplace_back(name, value);
    }
  }
  return out;
}

std::string JsonObject(const std::function<void(JsonWriter&)>& fill) {
  JsonWriter w;
  w.BeginObject();
  fill(w);
  w.EndObject();
  return w.Take();
}

Status FinishBody(JsonObjectReader& body, std::vector<FieldError> extra) {
  Status s = body.Finish();
  if (extra.empty()) return s;
  std::vector<FieldError> all = s.field_errors();
  all.insert(all.end(), extra.begin(), extra.end());
  return Status::InvalidArgument("validation_failed", "the request body has invalid fields",
                                 std::move(all));
}

}  // namespace kaiin::http
