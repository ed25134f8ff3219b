// libFuzzer target: the JSON command parsers and the query-string readers, through the API as a
// client reaches them. The first byte picks a route; for a command the rest is the body, for a
// query it is the query string (after '?'), and for the last route it is the whole path below
// the tenant (routing, percent-decoding). Over a society with members, types,
// fees and a confirmed invoice, any body must be answered 2xx or 4xx (problem+json): a 5xx, a
// crash or a sanitizer report is a finding. Accepted commands are written (unsynced) and change
// the state later inputs meet, as they would in production.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "http/api.h"

namespace {

using kaiin::http::Api;
using kaiin::http::Request;
using kaiin::http::Response;

constexpr char kToken[] = "fuzz-token";

struct World {
  std::string dir;
  std::unique_ptr<kaiin::http::TenantRegistry> tenants;
  std::unique_ptr<Api> api;
  uint64_t keys = 0;

  ~World() {
    api->Shutdown();
    tenants->CloseAll();
    std::filesystem::remove_all(dir);
  }

  World() {
    spdlog::set_level(spdlog::level::off);
    char tmpl[] = "/tmp/kaiin-fuzz-XXXXXX";
    dir = mkdtemp(tmpl);
    kaiin::http::TenantOptions options;
    options.sync = false;
    tenants = std::make_unique<kaiin::http::TenantRegistry>(dir, options);
    kaiin::http::ApiOptions o;
    o.admin_token = kToken;
    o.strict_password_hashing = false;
    o.min_position_wait = std::chrono::milliseconds(0);
    o.backup_dir = dir + "/backups";
    api = std::make_unique<Api>(tenants.get(), o);
    Call("PUT", "/v1/tenants/f", R"({"name":"学会"})");
    Call("PUT", "/v1/tenants/f/member-types/regular", R"({"name":"正会員"})");
    Call("PUT", "/v1/tenants/f/fee-schedules/2026", R"({"fees":{"regular":15000}})");
    Call("POST", "/v1/tenants/f/member-imports",
         R"({"members":[{"email":"a@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","name":{"family":"山田","given":"太郎"}}]})");
    Call("POST", "/v1/tenants/f/invoice-batches",
         R"({"fiscal_year":2026,"category":"annual","title":"年会費","issue_date":"2026-04-01","due_date":"2026-06-30"})");
    Call("POST", "/v1/tenants/f/invoice-batches/b000000001/confirm", "");
    Call("POST", "/v1/tenants/f/backups", "");  // one to list
  }

  // Answers the request; nullopt when the target is not one a server would pass on.
  std::optional<Response> Call(const std::string& method, const std::string& target,
                               std::string body) {
    Request r;
    r.method = method;
    if (!r.SetTarget(target)) return std::nullopt;
    r.body = std::move(body);
    r.headers.emplace_back("authorization", std::string("Bearer ") + kToken);
    r.headers.emplace_back("idempotency-key", "fz-" + std::to_string(++keys));
    auto p = std::make_shared<std::promise<Response>>();
    auto answer = p->get_future();
    api->Handle(r, [p](Response res) { p->set_value(std::move(res)); });
    return answer.get();
  }
};

// One society at a time. Accepted commands make it grow, so a long run starts a fresh one every
// kInputsPerWorld inputs (the process would otherwise reach libFuzzer's memory limit).
// The last one is left to the exit (only its folder is removed): RocksDB must not be closed
// from static destructors.
constexpr uint64_t kInputsPerWorld = 50000;
World* world = nullptr;
uint64_t inputs = 0;

World& TheWorld() {
  if (!world || ++inputs % kInputsPerWorld == 0) {
    delete world;
    world = new World();
    static const bool cleanup = [] {
      return std::atexit([] { std::filesystem::remove_all(world->dir); }) == 0;
    }();
    (void)cleanup;
  }
  return *world;
}

struct Route {
  const char* method;
  const char* target;  // for a query, the data follows as "?<data>"; "" : the data is the path
};

constexpr Route kRoutes[] = {
    {"POST", "/v1/tenants/f/payments"},
    {"POST", "/v1/tenants/f/members"},
    {"PATCH", "/v1/tenants/f/members/m000000001"},
    {"POST", "/v1/tenants/f/members/m000000001/status-changes"},
    {"POST", "/v1/tenants/f/members/m000000001/member-type-changes"},
    {"POST", "/v1/tenants/f/members/m000000001/adjustments"},
    {"POST", "/v1/tenants/f/members/m000000001/credit-applications"},
    {"POST", "/v1/tenants/f/bulk-status-changes"},
    {"POST", "/v1/tenants/f/member-imports"},
    {"POST", "/v1/tenants/f/member-numbers"},
    {"PUT", "/v1/tenants/f/member-types/student"},
    {"PUT", "/v1/tenants/f/fee-schedules/2027"},
    {"POST", "/v1/tenants/f/invoice-batches"},
    {"PATCH", "/v1/tenants/f/invoices/i000000001"},
    {"POST", "/v1/tenants/f/invoices/i000000001/adjustments"},
    {"POST", "/v1/tenants/f/invoices/i000000001/cancel"},
    {"POST", "/v1/tenants/f/invoice-cancellations"},
    {"POST", "/v1/tenants/f/payments/p000000001/reversal"},
    {"POST", "/v1/tenants/f/payments/p000000001/reallocation"},
    {"POST", "/v1/tenants/f/staff"},
    {"POST", "/v1/tenants/f/sessions"},
    {"POST", "/v1/tenants/f/password-resets"},
    {"PUT", "/v1/tenants/f"},
    // Queries: 23 to 37.
    {"GET", "/v1/tenants/f/members"},
    {"GET", "/v1/tenants/f/members/m000000001"},
    {"GET", "/v1/tenants/f/members/m000000001/history"},
    {"GET", "/v1/tenants/f/members/m000000001/ledger"},
    {"GET", "/v1/tenants/f/members/m000000001/invoices"},
    {"GET", "/v1/tenants/f/arrears"},
    {"GET", "/v1/tenants/f/fiscal-years/2026/summary"},
    {"GET", "/v1/tenants/f/events"},
    {"GET", "/v1/tenants/f/invoice-batches"},
    {"GET", "/v1/tenants/f/outbox"},
    {"GET", "/v1/tenants/f/invoices/i000000001"},
    {"GET", ""},
    {"GET", "/v1/tenants/f/backups"},
    {"GET", "/v1/tenants"},
    {"GET", "/v1/tenants/f/payments"},
    // Routes added later, at the end (the seeds' route bytes stay as they were).
    {"POST", "/v1/tenants/f/invoices/i000000001/receipts"},
    {"GET", "/v1/tenants/f/directory"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  World* society = &TheWorld();
  const Route& route = kRoutes[data[0] % (sizeof(kRoutes) / sizeof(kRoutes[0]))];
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string method = route.method;
  std::string target = route.target, body;
  if (method != "GET") {
    body = rest;
  } else if (target.empty()) {
    target = "/v1/tenants/f/" + rest;
  } else {
    target += "?" + rest;
  }
  std::optional<Response> r = society->Call(method, target, std::move(body));
  if (r && r->status >= 500) {
    fprintf(stderr, "%s %s answered %d: %s\n", method.c_str(), target.c_str(), r->status,
            r->body.c_str());
    abort();
  }
  return 0;
}
