// A server's API over a fresh data folder, called without sockets.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include <spdlog/spdlog.h>

#include "http/api.h"
#include "tests/test_util.h"

namespace kaiin::http {

inline constexpr char kAdminToken[] = "test-admin-token";

class ApiFixture : public ::testing::Test {
 protected:
  ApiFixture() : tenants_(dir_.path(), TenantOptions{}) {
    spdlog::set_level(spdlog::level::warn);  // the access log would drown the test output
    ApiOptions o;
    o.admin_token = kAdminToken;
    o.min_position_wait = std::chrono::milliseconds(200);
    o.strict_password_hashing = false;  // argon2id's minimum limits: tests stay fast
    o.clock = [this] { return NowMicros() + clock_offset_.load(); };
    api_ = std::make_unique<Api>(&tenants_, o);
  }
  ~ApiFixture() override { tenants_.CloseAll(); }

  Response Call(std::string method, std::string target, std::string body = "",
                std::vector<std::pair<std::string, std::string>> headers = {},
                bool admin = true) {
    Request r;
    r.method = std::move(method);
    EXPECT_TRUE(r.SetTarget(target));
    r.body = std::move(body);
    r.headers = std::move(headers);
    if (admin) r.headers.emplace_back("authorization", std::string("Bearer ") + kAdminToken);
    std::promise<Response> p;
    api_->Handle(r, [&p](Response res) { p.set_value(std::move(res)); });
    return p.get_future().get();
  }

  std::optional<std::string> Header(const Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return std::nullopt;
  }

  uint64_t Head(const std::string& tenant) {
    Tenant* t = tenants_.Find(tenant);
    return t ? t->log().Head() : 0;
  }

  std::atomic<int64_t> clock_offset_{0};  // tests move the API's clock forward
  testing::TempDir dir_;
  TenantRegistry tenants_;
  std::unique_ptr<Api> api_;
};

}  // namespace kaiin::http
