#include "http/api.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "events/codec.h"
#include "events/event_json.h"
#include "events/json_writer.h"
#include "http/api_util.h"
#include "http/backups.h"
#include "http/json_input.h"
#include "http/problem.h"
#include "http/timezones.h"
#include "projections/event_counts.h"

namespace kaiin::http {
namespace {

using Clock = std::chrono::steady_clock;

void WriteSettings(const std::string& id, const events::TenantConfigured& s, JsonWriter* w) {
  w->Field("tenant", id);
  w->Field("name", s.name);
  w->Field("fiscal_year_start_month", s.fiscal_year_start_month);
  w->Field("timezone", s.timezone);
}

// A metric's "# HELP" and "# TYPE" lines (Prometheus text format).
void MetricHeader(const char* name, const char* help, const char* type, std::string* out) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

// What a backup not begun before the server began to stop answers (Api::BeginShutdown).
Status StoppingStatus() {
  return Status::Unavailable(
      "shutting_down", "the server is stopping: the copy was not made; ask again once it is back");
}

}  // namespace

std::optional<uint64_t> QueryUint(const Request& r, std::string_view name, uint64_t max,
                                  Status* error) {
  auto v = r.Query(name);
  if (!v) return std::nullopt;
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || v->empty() || out > max) {
    *error = Status::InvalidArgument(
        "validation_failed", "invalid query parameter",
        {{std::string(name), "must be an integer from 0 to " + std::to_string(max)}});
    return std::nullopt;
  }
  return out;
}

size_t QueryPageLimit(const Request& r, Status* error) {
  const uint64_t limit = QueryUint(r, "limit", 1000, error).value_or(100);
  if (error->ok() && limit == 0) {
    *error = Status::InvalidArgument("validation_failed", "invalid query parameter",
                                     {{"limit", "must be an integer from 1 to 1000"}});
  }
  return limit;
}

Api::Api(TenantRegistry* tenants, ApiOptions options)
    : tenants_(tenants),
      options_(std::move(options)),
      sessions_(options_.session_ttl_micros, options_.sessions_max) {
  if (!options_.clock) options_.clock = NowMicros;
  admin_token_hash_ = events::Sha256(options_.admin_token);
  AddRoutes();
}

void Api::AddRoutes() {
  router_.Add("GET", "/healthz", [](const Request&, const Params&, Responder respond) {
    respond(JsonResponse(200, R"({"status":"ok"})"));
  });
  router_.Add("GET", "/readyz", [this](const Request&, const Params&, Responder respond) {
    for (Tenant* t : tenants_->All()) {
      if (Status s = t->runtime().LastError(); !s.ok()) {
        respond(Problem(503, "not_ready", "tenant " + t->id() + ": " + s.ToString()));
        return;
      }
    }
    respond(JsonResponse(200, R"({"status":"ok"})"));
  });
  router_.Add("GET", "/metrics", [this](const Request&, const Params&, Responder respond) {
    Response res;
    res.content_type = "text/plain; version=0.0.4";
    res.body = RenderMetrics();
    respond(std::move(res));
  });
  Route("PUT", "/v1/tenants/{tenant}", &Api::PutTenant);
  Route("GET", "/v1/tenants", &Api::ListTenants);
  Route("GET", "/v1/tenants/{tenant}", &Api::GetTenant);
  Route("GET", "/v1/tenants/{tenant}/events", &Api::GetEvents);
  Route("GET", "/v1/tenants/{tenant}/event-counts", &Api::GetEventCounts);
  Route("POST", "/v1/tenants/{tenant}/projections/{projection}/rebuild", &Api::RebuildProjection);
  Route("POST", "/v1/tenants/{tenant}/backups", &Api::PostBackup);
  Route("GET", "/v1/tenants/{tenant}/backups", &Api::GetBackups);
  Route("POST", "/v1/backups", &Api::PostAllBackups);
  AddMemberRoutes();
  AddAuthRoutes();
}

void Api::Handle(const Request& request, Responder respond) {
  const Handler* handler = nullptr;
  Params params;
  std::string route;
  const Router::Match m = router_.Find(request.method, request.path, &handler, &params, &route);
  if (m != Router::Match::kFound) {
    route = m == Router::Match::kNoMethod ? "method_not_allowed" : "not_found";
    metrics_.Record(route, m == Router::Match::kNoMethod ? 405 : 404, 0);
    respond(m == Router::Match::kNoMethod
                ? Problem(405, "method_not_allowed", "this path does not take " + request.method)
                : Problem(404, "not_found", "no such resource"));
    return;
  }
  const auto start = Clock::now();
  Responder timed = [this, route, method = request.method, start,
                     respond = std::move(respond)](Response res) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics_.Record(route, res.status, seconds);
    // The route's pattern only: never the path (a reset token travels in it), the query, the
    // headers or the body.
    spdlog::info("{} {} {} {:.3f}ms", method, route, res.status, seconds * 1000);
    respond(std::move(res));
  };
  // A handler that throws (a defect, or memory running out) answers 500 instead of ending the
  // process. (The fuzzers found such a throw once: docs/testing.md.)
  try {
    (*handler)(request, params, timed);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", request.method, route, e.what());
    timed(Problem(500, "internal", "the server failed to answer this request"));
  }
}

bool Api::IsAdmin(const Request& r) const {
  auto auth = r.Header("authorization");
  if (!auth || !auth->starts_with("Bearer ") || options_.admin_token.empty()) return false;
  // Compare digests in constant time, so neither the length nor a prefix leaks.
  const events::Hash given = events::Sha256(auth->substr(7));
  return sodium_memcmp(given.data(), admin_token_hash_.data(), given.size()) == 0;
}

Tenant* Api::BeginTenant(const Request& r, const Params& p, Access access, Responder& respond,
                         Principal* who) const {
  if (!Authorize(r, p, access, respond, who)) return nullptr;
  return RequireTenant(p, respond);
}

Result<Principal> Api::Authenticate(const Request& r, std::string_view tenant) const {
  auto auth = r.Header("authorization");
  if (!auth) return Status::Unauthenticated("a bearer token is required");
  if (!auth->starts_with("Bearer ")) return Status::Unauthenticated("use Authorization: Bearer");
  if (IsAdmin(r)) return Principal{};  // the platform admin
  Result<Principal> p = sessions_.Find(auth->substr(7), Now());
  if (!p.ok()) return p;
  // A session belongs to one tenant: elsewhere it is no token at all.
  if (p->tenant != tenant) return Status::Unauthenticated("the bearer token is not valid");
  return p;
}

bool Api::Authorize(const Request& r, const Params& params, Access access, Responder& respond,
                    Principal* who) const {
  auto tenant = params.find("tenant");
  Result<Principal> p = Authenticate(r, tenant == params.end() ? "" : tenant->second);
  if (!p.ok()) {
    respond(Problem(p.status()));
    return false;
  }
  auto id = params.find("id");
  const bool own = p->is_member() && id != params.end() && id->second == p->subject;
  bool allowed = false;
  switch (access) {
    case Access::kAdmin: allowed = p->kind == Principal::Kind::kAdmin; break;
    case Access::kWrite: allowed = p->is_secretariat(); break;
    case Access::kRead: allowed = p->is_staff(); break;
    case Access::kSelf: allowed = p->is_staff() || own; break;
    case Access::kSelfWrite: allowed = p->is_secretariat() || own; break;
    case Access::kAnyone: allowed = true; break;
  }
  if (!allowed) {
    respond(Problem(Status::PermissionDenied("this role may not do that here")));
    return false;
  }
  if (who) *who = *p;
  return true;
}

bool Api::ReadIfMatch(const Request& r, const std::string& stream, std::optional<Expected>* out,
                      Responder& respond) const {
  auto header = r.Header("if-match");
  if (!header) return true;
  std::string_view v = *header;
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  uint64_t version = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    respond(Problem(Status::InvalidArgument("validation_failed", "If-Match must be a version",
                                            {{"If-Match", "must be \"<version>\""}})));
    return false;
  }
  *out = Expected{stream, version};
  return true;
}

void Api::RunCommand(Tenant* t, const Request& r, DecideFn decide, AnswerFn answer,
                     std::optional<Expected> expected, Responder respond) {
  ledger::CommandMeta meta;
  Result<Principal> who = Authenticate(r, t->id());
  meta.actor = !who.ok() ? "anonymous"
               : who->kind == Principal::Kind::kAdmin ? "admin"
               : (who->is_member() ? "member:" : "staff:") + who->subject;
  meta.command_id = CommandIdHex();
  if (auto key = r.Header("idempotency-key")) meta.idempotency_key = std::string(*key);
  meta.fingerprint = Fingerprint(r);
  auto on_writer = [t, decide = std::move(decide), answer = std::move(answer),
                    expected = std::move(expected)](ledger::WriteContext& ctx) -> Status {
    if (Status s = t->EnsureWriteModel(ctx); !s.ok()) return s;
    if (expected) {
      Result<uint64_t> version = ctx.StreamVersion(expected->stream);
      if (!version.ok()) return version.status();
      if (*version != expected->version) {
        return Status::Aborted("version_conflict", "the member is at version " +
                                                       std::to_string(*version) + ", not " +
                                                       std::to_string(expected->version));
      }
    }
    Result<commands::Decision> decision = decide(t->model(), t->DateAt(ctx.Now()));
    if (!decision.ok()) return decision.status();
    std::vector<ledger::StreamAppend> appends;
    for (const commands::Emitted& e : *decision) {
      if (appends.empty() || appends.back().stream != e.stream) {
        appends.push_back({e.stream, ledger::kAnyVersion, {}});
      }
      appends.back().events.push_back({e.event, e.effective_date, e.causation});
    }
    // The events get consecutive positions in decision order (grouping keeps the order).
    const uint64_t first_position = ctx.NextPosition();
    for (ledger::StreamAppend& a : appends) {
      if (Status s = ctx.Append(std::move(a)); !s.ok()) return s;
    }
    // Speculative until the batch is durable; a failed write marks the model stale (below).
    for (size_t i = 0; i < decision->size(); ++i) {
      commands::Evolve(t->model(), (*decision)[i].event, first_position + i);
    }
    auto [status, body] = answer(*decision, t->model(), ctx);
    ctx.SetResult(std::to_string(status) + body);
    return Status::Ok();
  };
  auto done = [t, respond = std::move(respond)](Result<ledger::CommitResult> result) {
    if (!result.ok()) {
      t->CommandFailed(result.status());
      return respond(Problem(result.status()));
    }
    respond(CommandResponse(*result));
  };
  t->log().Submit(std::move(meta), std::move(on_writer), std::move(done));
}

Tenant* Api::RequireTenant(const Params& p, Responder& respond) const {
  const std::string& id = p.at("tenant");
  Tenant* t = commands::ValidateTenantId(id).ok() ? tenants_->Find(id) : nullptr;
  if (!t) respond(Problem(Status::NotFound("no tenant " + id)));
  return t;
}

void Api::Query(Tenant* t, const Request& r, Responder respond, std::function<Response()> run,
                uint64_t at_least, Cache cache) {
  Status error;
  std::optional<uint64_t> min_position = QueryUint(r, "min_position", ~uint64_t{0}, &error);
  if (at_least > 0) min_position = std::max(min_position.value_or(0), at_least);
  if (!error.ok()) {
    respond(Problem(error));
    return;
  }
  // A client learns positions from answers, all of them durable: one beyond the log's head was
  // never given out, and waiting would not bring it (the fuzzer found the 503 this used to be).
  if (const uint64_t head = t->log().Head(); min_position && *min_position > head) {
    respond(Problem(Status::InvalidArgument(
        "min_position_ahead", "min_position " + std::to_string(*min_position) +
                                  " is beyond the log's head " + std::to_string(head))));
    return;
  }
  // The cache key: the path and every query parameter but min_position (which only says when to
  // answer), NUL-separated (a decoded value may hold any other byte).
  std::string key;
  if (cache == Cache::kYes) {
    key = r.path;
    for (const auto& [name, value] : r.query) {
      if (name == "min_position") continue;
      key.push_back('\0');
      key += name;
      key.push_back('\0');
      key += value;
    }
  }
  // A conditional GET: the answer read as usual, then a 304 instead if the client holds it.
  std::string if_none_match(r.Header("if-none-match").value_or(""));
  auto answer = [t, run = std::move(run), respond, key = std::move(key),
                 if_none_match = std::move(if_none_match)](bool reached) {
    if (!reached) {
      respond(Problem(503, "projection_lagging",
                      "the projections did not reach min_position in time"));
      return;
    }
    // Both read before: the rows are at least this new, and of this date or the next.
    const uint64_t position = t->runtime().Position();
    const Date today = key.empty() ? 0 : t->Today();
    std::optional<Response> kept;
    if (!key.empty()) kept = t->answers().Find(key, position, today);
    Response res;
    bool tagged;
    if (kept) {
      res = std::move(*kept);
      tagged = true;  // kept answers are 200s tagged before they were kept (below)
    } else {
      try {  // this may run on the projector's thread: a throw must not end it
        res = run();
      } catch (const std::exception& e) {
        spdlog::error("query failed: {}", e.what());
        res = Problem(500, "internal", "the server failed to answer this request");
      }
      tagged = TagBody(&res);
      if (!key.empty() && tagged) t->answers().Keep(key, position, today, res);
    }
    // An answer read from one state of the store names that state's position itself.
    if (!res.Header("X-Projection-Position")) {
      res.headers.emplace_back("X-Projection-Position", std::to_string(position));
    }
    if (tagged && !if_none_match.empty() && NoneMatchNames(if_none_match, *res.Header("ETag"))) {
      res = NotModified(res);
    }
    respond(std::move(res));
  };
  if (!min_position || t->runtime().Position() >= *min_position) {
    answer(true);
    return;
  }
  t->runtime().WhenReached(*min_position, Clock::now() + options_.min_position_wait,
                           std::move(answer));
}

void Api::PutTenant(const Request& r, const Params& p, Responder respond) {
  if (!Authorize(r, p, Access::kAdmin, respond)) return;
  const std::string id = p.at("tenant");
  if (Status s = commands::ValidateTenantId(id); !s.ok()) return respond(Problem(s));
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::ConfigureTenant cmd;
  auto name = (*body)->String("name", true, 1024);
  auto month = (*body)->Int("fiscal_year_start_month", false, 1, 12);
  auto tz = (*body)->String("timezone", false, 64);
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  cmd.name = *name;
  if (month) cmd.fiscal_year_start_month = static_cast<int>(*month);
  if (tz) cmd.timezone = *tz;
  // Validate before anything is created on disk for a new tenant.
  if (auto check = commands::Decide(commands::TenantState{}, cmd); !check.ok()) {
    return respond(Problem(check.status()));
  }
  auto zone = LoadTimeZone(cmd.timezone);
  if (!zone.ok()) return respond(Problem(zone.status()));
  auto tenant = tenants_->FindOrCreate(id);
  if (!tenant.ok()) return respond(Problem(tenant.status()));
  Tenant* t = *tenant;

  ledger::CommandMeta meta;
  meta.actor = "admin";
  meta.command_id = CommandIdHex();
  if (auto key = r.Header("idempotency-key")) meta.idempotency_key = std::string(*key);
  meta.fingerprint = Fingerprint(r);
  // The settings as this command left them, published once it is durable (its done callback
  // runs off the writer thread, where the model may already hold later commands).
  auto decided_state = std::make_shared<commands::TenantState>();
  auto decide = [t, cmd, zone = *zone, decided_state](ledger::WriteContext& ctx) -> Status {
    if (Status s = t->EnsureWriteModel(ctx); !s.ok()) return s;
    commands::TenantState& state = t->model().tenant;
    const bool created = !state.exists();
    auto decided = commands::Decide(state, cmd);
    if (!decided.ok()) return decided.status();
    if (!decided->empty()) {
      ledger::StreamAppend append{commands::TenantStream(t->id()), state.version, {}};
      for (events::Event& e : *decided) {
        append.events.push_back({e, zone->LocalDate(ctx.Now()), 0});
      }
      const uint64_t first_position = ctx.NextPosition();
      if (Status s = ctx.Append(std::move(append)); !s.ok()) return s;
      for (size_t i = 0; i < decided->size(); ++i) {
        commands::Evolve(t->model(), (*decided)[i], first_position + i);
      }
    }
    *decided_state = state;
    JsonWriter w;
    w.BeginObject();
    WriteSettings(t->id(), state.settings, &w);
    w.EndObject();
    ctx.SetResult((created ? "201" : "200") + w.Take());
    return Status::Ok();
  };
  auto done = [t, decided_state, respond = std::move(respond)](
                  Result<ledger::CommitResult> result) {
    if (!result.ok()) {
      t->CommandFailed(result.status());
      return respond(Problem(result.status()));
    }
    // The batch is durable now. A retry answered from its key decided nothing: the settings
    // were published when the first one was written.
    if (!result->replayed) t->PublishSettings(*decided_state);
    respond(CommandResponse(*result));
  };
  t->log().Submit(std::move(meta), std::move(decide), std::move(done));
}

void Api::GetTenant(const Request& r, const Params& p, Responder respond) {
  if (!Authorize(r, p, Access::kAdmin, respond)) return;
  Tenant* t = RequireTenant(p, respond);
  if (!t) return;
  const Tenant::Settings s = t->settings();
  if (!s.configured) return respond(Problem(Status::NotFound("no tenant " + t->id())));
  JsonWriter w;
  w.BeginObject();
  WriteSettings(t->id(), s.value, &w);
  w.Field("log_head", t->log().Head());
  w.Field("projection_position", t->runtime().Position());
  w.EndObject();
  respond(JsonResponse(200, w.Take()));
}

void Api::GetEvents(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  Status error;
  std::optional<uint64_t> after = QueryUint(r, "after", ~uint64_t{0}, &error);
  if (!after && error.ok()) after = QueryUint(r, "cursor", ~uint64_t{0}, &error);
  const std::optional<uint64_t> limit = QueryUint(r, "limit", options_.events_page_max, &error);
  if (!error.ok()) return respond(Problem(error));
  const size_t page = limit ? static_cast<size_t>(*limit) : 100;
  std::vector<events::RecordedEvent> records;
  if (Status s = t->log().ReadAfter(after.value_or(0), page, &records); !s.ok()) {
    return respond(Problem(s));
  }
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const events::RecordedEvent& rec : records) {
    events::Envelope env;
    if (Status s = events::DecodeEnvelope(rec.bytes, &env); !s.ok()) return respond(Problem(s));
    events::WriteEnvelopeJson(env, events::Sha256(rec.bytes), &w);
  }
  w.EndArray();
  if (page > 0 && records.size() == page && records.back().position < t->log().Head()) {
    w.Field("next_cursor", std::to_string(records.back().position));
  } else {
    w.Key("next_cursor").Null();
  }
  w.Field("head", t->log().Head());
  w.EndObject();
  respond(JsonResponse(200, w.Take()));
}

void Api::GetEventCounts(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  Query(t, r, std::move(respond), [t]() -> Response {
    auto counts = projections::ReadEventCounts(t->store());
    if (!counts.ok()) return Problem(counts.status());
    JsonWriter w;
    w.BeginObject().Key("counts").BeginObject();
    uint64_t total = 0;
    for (const auto& [type, n] : *counts) {
      w.Field(type, n);
      total += n;
    }
    w.EndObject().Field("total", total).EndObject();
    return JsonResponse(200, w.Take());
  });
}

void Api::RebuildProjection(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kAdmin, respond);
  if (!t) return;
  if (Status s = t->runtime().Rebuild(p.at("projection")); !s.ok()) return respond(Problem(s));
  JsonWriter w;
  w.BeginObject().Field("projection", p.at("projection")).Field("status", "rebuilding").EndObject();
  respond(JsonResponse(202, w.Take()));
}

std::optional<std::filesystem::path> Api::BackupRoot(std::string_view tenant,
                                                     const Responder& respond) const {
  if (options_.backup_dir.empty()) {
    respond(Problem(Status::Unavailable("backups_off", "this server keeps no backups")));
    return std::nullopt;
  }
  return BackupFolder(tenant);
}

std::filesystem::path Api::BackupFolder(std::string_view tenant) const {
  return std::filesystem::path(options_.backup_dir) / tenant;
}

std::vector<Api::ConfiguredTenant> Api::ConfiguredTenants() const {
  std::vector<ConfiguredTenant> out;
  for (Tenant* t : tenants_->All()) {
    Tenant::Settings s = t->settings();
    if (s.configured) out.push_back({t, std::move(s.value)});
  }
  std::ranges::sort(out, {},
                    [](const ConfiguredTenant& c) -> const std::string& { return c.tenant->id(); });
  return out;
}

// A backup is a data folder of its own holding the tenant's log alone:
// BACKUP_DIR/<tenant>/<UTC time>Z-p<head>/tenants/<tenant>/log. kaiin-replay verifies it, and
// kaiind serves it (building the projections on its first start). Made on the backup worker
// (a flush and the links take a while), under a name that says it is unfinished until it is whole.
Result<Api::MadeBackup> Api::TakeBackup(Tenant* t) {
  namespace fs = std::filesystem;
  const fs::path root = BackupFolder(t->id());
  std::error_code ec;
  // A copy left unfinished by a server stopped or killed while making it: this worker is the only
  // one that makes copies, one at a time, so no other is being made now.
  // (The names first, then the removals: the folder is not changed under its iterator.)
  std::vector<fs::path> unfinished;
  for (fs::directory_iterator it(root, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().filename().string().starts_with(".partial-")) unfinished.push_back(it->path());
  }
  for (const fs::path& path : unfinished) {
    spdlog::warn("tenant {}: removing {}, a backup left unfinished", t->id(), path.string());
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  const fs::path partial = root / (".partial-" + RandomHex(8));
  const fs::path tenant_dir = partial / "tenants" / t->id();
  fs::create_directories(tenant_dir, ec);
  Result<uint64_t> head =
      ec ? Result<uint64_t>(
               Status::Unavailable("storage_unavailable", "cannot create " + tenant_dir.string()))
         : t->log().Backup((tenant_dir / "log").string(), (partial / "scratch").string());
  fs::remove_all(partial / "scratch", ec);
  // http/backups.h: 20261123T004512Z-p21406659 (a second one in the same second: -2 ...).
  std::string name;
  if (head.ok()) {
    const int64_t now = options_.clock();
    for (uint32_t n = 1; name.empty(); ++n) {
      const std::string candidate = NameBackup(now, *head, n).Name();
      fs::rename(partial, root / candidate, ec);
      if (!ec) {
        name = candidate;
      } else if (std::error_code unread; !fs::exists(root / candidate, unread) || n == 100) {
        break;  // not a name taken (or not one that can be told): a failure of its own
      }
    }
    if (name.empty()) {
      head = Status::Unavailable("storage_unavailable", "cannot name the backup: " + ec.message());
    }
  }
  {
    std::lock_guard lock(backup_counts_mu_);
    BackupCounts& counts = backup_counts_[t->id()];
    ++(head.ok() ? counts.made : counts.failed);
  }
  if (!head.ok()) {
    fs::remove_all(partial, ec);
    spdlog::warn("tenant {}: backup failed: {}", t->id(), head.status().ToString());
    return head.status();
  }
  spdlog::info("tenant {}: backup {} at position {}", t->id(), name, *head);
  return MadeBackup{name, (root / name).string(), *head};
}

void Api::MadeBackup::WriteFields(JsonWriter& w) const {
  w.Field("backup", name).Field("data_dir", data_dir).Field("log_head", log_head);
}

void Api::PostBackup(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kAdmin, respond);
  if (!t || !BackupRoot(t->id(), respond)) return;
  const bool posted = backups_.Post([this, t, respond]() {
    if (stopping_.load(std::memory_order_acquire)) return respond(Problem(StoppingStatus()));
    Result<MadeBackup> made = TakeBackup(t);
    if (!made.ok()) return respond(Problem(made.status()));
    JsonWriter w;
    w.BeginObject();
    made->WriteFields(w);
    w.EndObject();
    respond(JsonResponse(201, w.Take()));
  });
  if (!posted) respond(Problem(Status::Unavailable("overloaded", "too many backups queued")));
}

// Every society's backup in one call (the operator's nightly job), one after another on the
// backup worker, in tenant order. A failure does not stop the others: the copies made are whole
// and kept, and the answer says which were made and which failed.
void Api::PostAllBackups(const Request& r, const Params& p, Responder respond) {
  if (!Authorize(r, p, Access::kAdmin, respond) || !BackupRoot("", respond)) return;
  const bool posted = backups_.Post([this, respond]() {
    const std::vector<ConfiguredTenant> all = ConfiguredTenants();
    JsonWriter made;
    std::vector<std::pair<std::string, Status>> failed;
    made.BeginArray();
    for (const ConfiguredTenant& c : all) {
      Result<MadeBackup> b = stopping_.load(std::memory_order_acquire)
                                 ? Result<MadeBackup>(StoppingStatus())
                                 : TakeBackup(c.tenant);
      if (!b.ok()) {
        failed.emplace_back(c.tenant->id(), b.status());
        continue;
      }
      made.BeginObject().Field("tenant", c.tenant->id());
      b->WriteFields(made);
      made.EndObject();
    }
    made.EndArray();
    if (failed.empty()) {
      JsonWriter w;
      w.BeginObject().Key("items").Raw(made.Take()).EndObject();
      return respond(JsonResponse(201, w.Take()));
    }
    std::string names;
    for (const auto& [id, s] : failed) names += (names.empty() ? "" : ", ") + id;
    respond(
        Problem(Status::Unavailable("backups_incomplete", std::to_string(failed.size()) + " of " +
                                                              std::to_string(all.size()) +
                                                              " backups failed: " + names),
                [&](JsonWriter* w) {
                  w->Key("items").Raw(made.Take());
                  w->Key("failed").BeginArray();
                  for (const auto& [id, s] : failed) {
                    w->BeginObject()
                        .Field("tenant", id)
                        .Field("code", ProblemCode(s))
                        .Field("detail", s.message())
                        .EndObject();
                  }
                  w->EndArray();
                }));
  });
  if (!posted) respond(Problem(Status::Unavailable("overloaded", "too many backups queued")));
}

// The societies this server holds, by id, in pages (cursor = the last id given).
void Api::ListTenants(const Request& r, const Params& p, Responder respond) {
  if (!Authorize(r, p, Access::kAdmin, respond)) return;
  Status error;
  const size_t limit = QueryPageLimit(r, &error);
  const std::optional<std::string_view> cursor = r.Query("cursor");
  if (!error.ok()) return respond(Problem(error));
  std::vector<ConfiguredTenant> all = ConfiguredTenants();
  auto first = all.begin();
  if (cursor) {
    first = std::ranges::upper_bound(all, *cursor, {}, [](const ConfiguredTenant& c) {
      return std::string_view(c.tenant->id());
    });
  }
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  size_t n = 0;
  for (auto it = first; it != all.end() && n < limit; ++it, ++n) {
    w.BeginObject();
    WriteSettings(it->tenant->id(), it->settings, &w);
    w.Field("log_head", it->tenant->log().Head());
    w.Field("projection_position", it->tenant->runtime().Position());
    w.EndObject();
  }
  w.EndArray().Key("next_cursor");
  if (first + n != all.end()) {
    w.String((first + n - 1)->tenant->id());
  } else {
    w.Null();
  }
  w.EndObject();
  respond(JsonResponse(200, w.Take()));
}

// The tenant's backups, newest first, in pages: names read from the backup folder, nothing opened.
void Api::GetBackups(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kAdmin, respond);
  if (!t) return;
  const std::optional<std::filesystem::path> root = BackupRoot(t->id(), respond);
  if (!root) return;
  Status error;
  const size_t limit = QueryPageLimit(r, &error);
  std::optional<BackupName> before;
  if (auto cursor = r.Query("cursor"); cursor && error.ok()) {
    before = ParseBackupName(*cursor);
    if (!before) {
      error = Status::InvalidArgument("validation_failed", "invalid query parameter",
                                      {{"cursor", "not a cursor this list gave"}});
    }
  }
  if (!error.ok()) return respond(Problem(error));
  Result<std::vector<BackupName>> found = ListBackups(root->string(), before);
  if (!found.ok()) return respond(Problem(found.status()));
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (size_t i = 0; i < found->size() && i < limit; ++i) {
    const BackupName& b = (*found)[i];
    w.BeginObject()
        .Field("backup", b.Name())
        .Field("data_dir", (*root / b.Name()).string())
        .Field("log_head", b.log_head)
        .Field("taken_at", b.TakenAt())
        .EndObject();
  }
  w.EndArray().Key("next_cursor");
  if (found->size() > limit) {
    w.String((*found)[limit - 1].Name());
  } else {
    w.Null();
  }
  w.EndObject();
  respond(JsonResponse(200, w.Take()));
}

// What an operator's alert watches: copies made and failed since the start, and the newest copy
// in each society's folder (read from the names, as GET {T}/backups does: right across restarts
// and after pruning).
void Api::RenderBackupMetrics(const std::vector<Tenant*>& all, std::string* out) const {
  auto help = [out](const char* name, const char* text, const char* type) {
    MetricHeader(name, text, type, out);
  };
  help("kaiin_backups_total", "Backups of a tenant's log made or failed since the start.",
       "counter");
  {
    std::lock_guard lock(backup_counts_mu_);
    for (Tenant* t : all) {
      auto it = backup_counts_.find(t->id());
      const BackupCounts counts = it == backup_counts_.end() ? BackupCounts{} : it->second;
      const std::string l = "kaiin_backups_total{tenant=\"" + t->id() + "\",outcome=\"";
      *out += l + "made\"} " + std::to_string(counts.made) + "\n";
      *out += l + "failed\"} " + std::to_string(counts.failed) + "\n";
    }
  }
  std::vector<std::pair<std::string, std::vector<BackupName>>> kept;
  for (Tenant* t : all) {
    Result<std::vector<BackupName>> found =
        ListBackups(BackupFolder(t->id()).string(), std::nullopt);
    if (found.ok()) kept.emplace_back(t->id(), std::move(*found));
  }
  help("kaiin_backups_kept", "Backups in the tenant's backup folder.", "gauge");
  for (const auto& [id, names] : kept) {
    *out += "kaiin_backups_kept{tenant=\"" + id + "\"} " + std::to_string(names.size()) + "\n";
  }
  help("kaiin_backup_newest_timestamp_seconds",
       "When the newest backup in the tenant's backup folder was taken (absent: none).", "gauge");
  for (const auto& [id, names] : kept) {
    if (names.empty()) continue;
    *out += "kaiin_backup_newest_timestamp_seconds{tenant=\"" + id + "\"} " +
            std::to_string(names.front().TakenAtSeconds()) + "\n";
  }
}

std::string Api::RenderMetrics() const {
  std::string out;
  metrics_.Render(&out);
  auto gauge = [&out](const char* name, const char* help, const char* type) {
    MetricHeader(name, help, type, &out);
  };
  const std::vector<Tenant*> all = tenants_->All();
  gauge("kaiin_events_appended_total", "Events durably appended to the log.", "counter");
  for (Tenant* t : all) {
    out += "kaiin_events_appended_total{tenant=\"" + t->id() + "\"} " +
           std::to_string(t->log().stats().events_appended.load()) + "\n";
  }
  gauge("kaiin_commands_total", "Commands by outcome.", "counter");
  for (Tenant* t : all) {
    const auto& st = t->log().stats();
    const std::string l = "{tenant=\"" + t->id() + "\",outcome=\"";
    out += "kaiin_commands_total" + l + "committed\"} " + std::to_string(st.commands_committed.load()) + "\n";
    out += "kaiin_commands_total" + l + "rejected\"} " + std::to_string(st.commands_rejected.load()) + "\n";
    out += "kaiin_commands_total" + l + "replayed\"} " + std::to_string(st.commands_replayed.load()) + "\n";
  }
  gauge("kaiin_group_commit_commands", "Commands per group-commit batch.", "histogram");
  for (Tenant* t : all) {
    const auto& st = t->log().stats();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < ledger::LogStats::kBatchBuckets; ++i) {
      cumulative += st.batch_commands[i].load();
      const std::string le = i + 1 == ledger::LogStats::kBatchBuckets
                                 ? "+Inf"
                                 : std::to_string(uint64_t{1} << i);
      out += "kaiin_group_commit_commands_bucket{tenant=\"" + t->id() + "\",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "kaiin_group_commit_commands_sum{tenant=\"" + t->id() + "\"} " +
           std::to_string(st.batch_commands_sum.load()) + "\n";
    out += "kaiin_group_commit_commands_count{tenant=\"" + t->id() + "\"} " +
           std::to_string(st.batches.load()) + "\n";
  }
  gauge("kaiin_group_commit_handed_total",
        "Groups written by the syncer while the writer decided the next.", "counter");
  for (Tenant* t : all) {
    out += "kaiin_group_commit_handed_total{tenant=\"" + t->id() + "\"} " +
           std::to_string(t->log().stats().groups_handed.load()) + "\n";
  }
  gauge("kaiin_storage_write_failures_total", "Group commits that failed to write.", "counter");
  for (Tenant* t : all) {
    out += "kaiin_storage_write_failures_total{tenant=\"" + t->id() + "\"} " +
           std::to_string(t->log().stats().write_failures.load()) + "\n";
  }
  gauge("kaiin_log_head_position", "The last durable position of the log.", "gauge");
  for (Tenant* t : all) {
    out += "kaiin_log_head_position{tenant=\"" + t->id() + "\"} " +
           std::to_string(t->log().Head()) + "\n";
  }
  gauge("kaiin_projection_lag_events", "Log head minus the projections' position.", "gauge");
  for (Tenant* t : all) {
    const uint64_t head = t->log().Head(), pos = t->runtime().Position();
    out += "kaiin_projection_lag_events{tenant=\"" + t->id() + "\"} " +
           std::to_string(head > pos ? head - pos : 0) + "\n";
  }
  gauge("kaiin_projection_rebuilding",
        "1 while a read model is rebuilt in bulk and its queries answer projection_rebuilding.",
        "gauge");
  for (Tenant* t : all) {
    for (const std::string& name : t->store().ProjectionNames()) {
      out += "kaiin_projection_rebuilding{tenant=\"" + t->id() + "\",projection=\"" + name +
             "\"} " + (t->store().ReadyToRead(name).ok() ? "0" : "1") + "\n";
    }
  }
  // Each store's memory once (RocksDB sums its properties over the families at each call).
  std::vector<std::pair<ledger::DbMemory, projections::StoreMemory>> memory;
  for (Tenant* t : all) memory.emplace_back(t->log().Memory(), t->store().Memory());
  gauge("kaiin_storage_memtable_bytes",
        "What a tenant's store holds in memtables (mutable, immutable and pinned).", "gauge");
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string l = "kaiin_storage_memtable_bytes{tenant=\"" + all[i]->id() + "\",store=\"";
    out += l + "log\"} " + std::to_string(memory[i].first.memtables) + "\n";
    out += l + "projections\"} " + std::to_string(memory[i].second.memtables) + "\n";
  }
  gauge("kaiin_storage_table_reader_bytes",
        "What a tenant's store holds for reading its table files outside the block cache.",
        "gauge");
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string l =
        "kaiin_storage_table_reader_bytes{tenant=\"" + all[i]->id() + "\",store=\"";
    out += l + "log\"} " + std::to_string(memory[i].first.table_readers) + "\n";
    out += l + "projections\"} " + std::to_string(memory[i].second.table_readers) + "\n";
  }
  const ledger::StorageMemory& shared = tenants_->memory();
  if (shared.memtable_budget > 0) {
    gauge("kaiin_storage_memtable_budget_bytes",
          "What all tenants' memtables together may hold before quiet ones are flushed "
          "(--memtable-mib).", "gauge");
    out += "kaiin_storage_memtable_budget_bytes " + std::to_string(shared.memtable_budget) + "\n";
  }
  if (shared.block_cache) {
    gauge("kaiin_storage_block_cache_bytes",
          "What the block cache all tenants share holds (--block-cache-mib).", "gauge");
    out += "kaiin_storage_block_cache_bytes " + std::to_string(shared.BlockCacheBytes()) + "\n";
  }
  gauge("kaiin_answer_cache_total",
        "Cacheable queries (the arrears page, fiscal-year summaries) answered from the answers "
        "kept at the projections' position, or read anew.", "counter");
  for (Tenant* t : all) {
    const std::string l = "kaiin_answer_cache_total{tenant=\"" + t->id() + "\",outcome=\"";
    out += l + "hit\"} " + std::to_string(t->answers().hits()) + "\n";
    out += l + "miss\"} " + std::to_string(t->answers().misses()) + "\n";
  }
  if (!options_.backup_dir.empty()) RenderBackupMetrics(all, &out);
  return out;
}

}  // namespace kaiin::http
