// A server's API over a fresh data folder, called without sockets.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>

#include <spdlog/spdlog.h>

#include "http/api.h"
#include "tests/test_util.h"

namespace kaiin::http {

inline constexpr char kAdminToken[] = "test-admin-token";

// A problem+json answer with this status and code.
inline bool IsProblem(const Response& r, int status, const std::string& code) {
  return r.status == status && r.content_type == "application/problem+json" &&
         r.body.find("\"code\":\"" + code + "\"") != std::string::npos &&
         r.body.find("\"status\":" + std::to_string(status)) != std::string::npos;
}

inline bool Has(const Response& r, const std::string& text) {
  return r.body.find(text) != std::string::npos;
}

// The string value of the first "name" field in a JSON body ("" if none).
inline std::string Field(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const size_t at = body.find(key);
  if (at == std::string::npos) return "";
  const size_t from = at + key.size();
  return body.substr(from, body.find('"', from) - from);
}

class ApiFixture : public ::testing::Test {
 protected:
  // `options`: for the tenants (a test may inject storage faults through them).
  // `tweak`: changes the API's options before it is made.
  explicit ApiFixture(TenantOptions options = {},
                      const std::function<void(ApiOptions&)>& tweak = nullptr)
      : tenant_options_(options), tenants_(dir_.path(), options) {
    spdlog::set_level(spdlog::level::warn);  // the access log would drown the test output
    ApiOptions o;
    o.admin_token = kAdminToken;
    // Five times kaiind's default (2 s): reads-after-writes in the tests must not fail because a
    // loaded CI machine took more than a moment to project.
    o.min_position_wait = std::chrono::milliseconds(10000);
    o.strict_password_hashing = false;  // argon2id's minimum limits: tests stay fast
    o.clock = [this] {
      if (on_clock_) on_clock_();
      return NowMicros() + clock_offset_.load();
    };
    o.backup_dir = dir_.Sub("backups");  // as kaiind's default, inside the data folder
    if (tweak) tweak(o);
    api_ = std::make_unique<Api>(&tenants_, o);
  }
  ~ApiFixture() override {
    api_->Shutdown();  // as kaiind does: password work first, then the tenants
    tenants_.CloseAll();
  }

  Response Call(std::string method, std::string target, std::string body = "",
                std::vector<std::pair<std::string, std::string>> headers = {},
                bool admin = true) {
    Request r;
    r.method = std::move(method);
    EXPECT_TRUE(r.SetTarget(target));
    r.body = std::move(body);
    r.remote = remote_;
    r.headers = std::move(headers);
    if (admin) r.headers.emplace_back("authorization", std::string("Bearer ") + kAdminToken);
    // Shared with the responder: set_value may still run on another thread after get() returns.
    auto p = std::make_shared<std::promise<Response>>();
    auto answer = p->get_future();
    api_->Handle(r, [p](Response res) { p->set_value(std::move(res)); });
    return answer.get();
  }

  std::optional<std::string> Header(const Response& r, const std::string& name) {
    const std::optional<std::string_view> v = r.Header(name);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }

  uint64_t Head(const std::string& tenant) {
    Tenant* t = tenants_.Find(tenant);
    return t ? t->log().Head() : 0;
  }

  const TenantOptions& tenant_options() const { return tenant_options_; }

  std::atomic<int64_t> clock_offset_{0};  // tests move the API's clock forward
  std::function<void()> on_clock_;        // called each time the API reads its clock
  std::string remote_;                    // the TCP peer Call's requests come from ("": none)
  TenantOptions tenant_options_;
  testing::TempDir dir_;
  TenantRegistry tenants_;
  std::unique_ptr<Api> api_;
};

}  // namespace kaiin::http
