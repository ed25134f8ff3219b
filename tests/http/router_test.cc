#include "http/router.h"

#include <gtest/gtest.h>

namespace kaiin::http {
namespace {

TEST(RouterTest, MatchesSegmentsAndCapturesParameters) {
  Router r;
  int hit = 0;
  r.Add("GET", "/v1/tenants/{tenant}/events", [&](const Request&, const Params&, Responder) { hit = 1; });
  r.Add("PUT", "/v1/tenants/{tenant}", [&](const Request&, const Params&, Responder) { hit = 2; });
  const Handler* h = nullptr;
  Params p;
  std::string pattern;
  ASSERT_EQ(r.Find("GET", "/v1/tenants/abc/events", &h, &p, &pattern), Router::Match::kFound);
  EXPECT_EQ(p.at("tenant"), "abc");
  EXPECT_EQ(pattern, "/v1/tenants/{tenant}/events");
  (*h)(Request{}, p, nullptr);
  EXPECT_EQ(hit, 1);
  EXPECT_EQ(r.Find("POST", "/v1/tenants/abc", &h, &p, &pattern), Router::Match::kNoMethod);
  EXPECT_EQ(r.Find("GET", "/v1/tenants/abc/nope", &h, &p, &pattern), Router::Match::kNoPath);
  EXPECT_EQ(r.Find("GET", "/v1/tenants", &h, &p, &pattern), Router::Match::kNoPath);
}

TEST(RouterTest, CapturesOnlyTheMatchingRoutesParameters) {
  Router r;
  r.Add("GET", "/v1/tenants/{tenant}/members/{member}", [](const Request&, const Params&, Responder) {});
  r.Add("GET", "/v1/tenants/{tenant}/invoices/{invoice}", [](const Request&, const Params&, Responder) {});
  const Handler* h = nullptr;
  Params p{{"stale", "x"}};
  std::string pattern;
  ASSERT_EQ(r.Find("GET", "/v1/tenants/t1/invoices/i9", &h, &p, &pattern), Router::Match::kFound);
  EXPECT_EQ(pattern, "/v1/tenants/{tenant}/invoices/{invoice}");
  EXPECT_EQ(p, (Params{{"tenant", "t1"}, {"invoice", "i9"}}));
  ASSERT_EQ(r.Find("POST", "/v1/tenants/t2/members/m1", &h, &p, &pattern), Router::Match::kNoMethod);
}

TEST(RequestTest, SplitsTargetsAndDecodesQueries) {
  Request r;
  ASSERT_TRUE(r.SetTarget("/a/b?x=1&q=%E4%BC%9A+%E5%93%A1&empty="));
  EXPECT_EQ(r.path, "/a/b");
  EXPECT_EQ(*r.Query("x"), "1");
  EXPECT_EQ(*r.Query("q"), "会 員");
  EXPECT_EQ(*r.Query("empty"), "");
  EXPECT_FALSE(r.Query("missing").has_value());
  EXPECT_FALSE(r.SetTarget("/a?x=%E"));
  EXPECT_FALSE(r.SetTarget("/a?x=%zz"));
  EXPECT_FALSE(r.SetTarget("no-slash"));
}

}  // namespace
}  // namespace kaiin::http
