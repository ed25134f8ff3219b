// The API as plain functions: status codes, problem+json, nothing written on bad input.
#include <gtest/gtest.h>

#include "tests/http/api_fixture.h"

namespace kaiin::http {
namespace {

constexpr char kSociety[] = R"({"name":"日本核医学会","fiscal_year_start_month":4,"timezone":"Asia/Tokyo"})";

TEST_F(ApiFixture, HealthAndReadiness) {
  EXPECT_EQ(Call("GET", "/healthz", "", {}, false).body, R"({"status":"ok"})");
  EXPECT_EQ(Call("GET", "/readyz", "", {}, false).status, 200);
}

TEST_F(ApiFixture, PutTenantCreatesThenUpdatesThenIsANoOp) {
  Response created = Call("PUT", "/v1/tenants/jsnm", kSociety);
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.body.find("\"position\":1"), std::string::npos) << created.body;
  Response same = Call("PUT", "/v1/tenants/jsnm", kSociety);
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(Head("jsnm"), 1u);  // the same settings write nothing
  Response changed =
      Call("PUT", "/v1/tenants/jsnm", R"({"name":"JSNM","fiscal_year_start_month":9})");
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.body.find("\"fiscal_year_start_month\":9"), std::string::npos);
  EXPECT_EQ(Head("jsnm"), 2u);
  Response got = Call("GET", "/v1/tenants/jsnm");
  EXPECT_EQ(got.status, 200);
  EXPECT_NE(got.body.find("\"name\":\"JSNM\""), std::string::npos) << got.body;
}

TEST_F(ApiFixture, MalformedJsonWrongTypesAndBadValuesWriteNothing) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", kSociety).status, 201);
  EXPECT_TRUE(IsProblem(Call("PUT", "/v1/tenants/jsnm", R"({"name":)"), 400, "malformed_json"));
  EXPECT_TRUE(IsProblem(Call("PUT", "/v1/tenants/jsnm", "\xff\xfe"), 400, "malformed_json"));
  Response wrong = Call("PUT", "/v1/tenants/jsnm", R"({"name":1,"fiscal_year_start_month":"4"})");
  EXPECT_TRUE(IsProblem(wrong, 400, "validation_failed"));
  EXPECT_NE(wrong.body.find("\"field\":\"name\""), std::string::npos);
  EXPECT_NE(wrong.body.find("\"field\":\"fiscal_year_start_month\""), std::string::npos);
  EXPECT_TRUE(IsProblem(Call("PUT", "/v1/tenants/jsnm", R"({"name":"x","fiscal_year_start_month":13})"),
                        400, "validation_failed"));
  EXPECT_TRUE(IsProblem(Call("PUT", "/v1/tenants/jsnm", R"({"name":"x","extra":true})"), 400,
                        "validation_failed"));
  Response zone = Call("PUT", "/v1/tenants/jsnm", R"({"name":"x","timezone":"Mars/Olympus"})");
  EXPECT_TRUE(IsProblem(zone, 400, "validation_failed"));
  EXPECT_NE(zone.body.find("\"field\":\"timezone\""), std::string::npos);
  EXPECT_EQ(Head("jsnm"), 1u);
  // A bad body for a new tenant creates no tenant at all.
  EXPECT_TRUE(IsProblem(Call("PUT", "/v1/tenants/other", R"({"name":""})"), 400, "validation_failed"));
  EXPECT_EQ(tenants_.Find("other"), nullptr);
  EXPECT_TRUE(IsProblem(Call("PUT", "/v1/tenants/Bad..Id", kSociety), 400, "validation_failed"));
}

TEST_F(ApiFixture, AdminTokenIsRequired) {
  EXPECT_TRUE(IsProblem(Call("PUT", "/v1/tenants/jsnm", kSociety, {}, false), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(Call("PUT", "/v1/tenants/jsnm", kSociety,
                             {{"authorization", "Bearer wrong"}}, false),
                        401, "unauthenticated"));
  EXPECT_EQ(tenants_.Find("jsnm"), nullptr);
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", kSociety).status, 201);
  EXPECT_EQ(Call("GET", "/v1/tenants/jsnm/events", "", {}, false).status, 401);
}

TEST_F(ApiFixture, IdempotencyKeyReplaysTheFirstAnswerOrRefusesAnotherBody) {
  const std::vector<std::pair<std::string, std::string>> key{{"idempotency-key", "k-1"}};
  Response first = Call("PUT", "/v1/tenants/jsnm", kSociety, key);
  ASSERT_EQ(first.status, 201);
  Response again = Call("PUT", "/v1/tenants/jsnm", kSociety, key);
  EXPECT_EQ(again.status, 201);  // the first answer, verbatim
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Header(again, "Idempotent-Replayed"), "true");
  Response other = Call("PUT", "/v1/tenants/jsnm", R"({"name":"other"})", key);
  EXPECT_TRUE(IsProblem(other, 409, "idempotency_key_reused"));
  EXPECT_EQ(Head("jsnm"), 1u);
}

TEST_F(ApiFixture, UnknownTenantsRoutesAndMethods) {
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants/nobody/events"), 404, "not_found"));
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/nothing-here"), 404, "not_found"));
  EXPECT_TRUE(IsProblem(Call("DELETE", "/v1/tenants/jsnm"), 405, "method_not_allowed"));
}

TEST_F(ApiFixture, EventsPageCarriesTheEnvelopeAndChain) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", kSociety).status, 201);
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", R"({"name":"B"})").status, 200);
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", R"({"name":"C"})").status, 200);
  Response page = Call("GET", "/v1/tenants/jsnm/events?after=0&limit=2");
  ASSERT_EQ(page.status, 200);
  for (const char* field : {"\"position\":1", "\"stream\":\"tenant-jsnm\"", "\"version\":1",
                            "\"type\":\"TenantConfigured\"", "\"recorded_at\":", "\"effective_date\":",
                            "\"actor\":\"admin\"", "\"data\":{\"name\":\"日本核医学会\"",
                            "\"prev_hash\":\"0000", "\"hash\":", "\"next_cursor\":\"2\""}) {
    EXPECT_NE(page.body.find(field), std::string::npos) << field << " in " << page.body;
  }
  Response rest = Call("GET", "/v1/tenants/jsnm/events?after=2");
  EXPECT_NE(rest.body.find("\"position\":3"), std::string::npos);
  EXPECT_NE(rest.body.find("\"next_cursor\":null"), std::string::npos);
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants/jsnm/events?limit=5000"), 400, "validation_failed"));
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants/jsnm/events?after=-1"), 400, "validation_failed"));
}

TEST_F(ApiFixture, QueriesWaitForMinPositionAndReportTheirPosition) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", kSociety).status, 201);
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", R"({"name":"B"})").status, 200);
  Response counts = Call("GET", "/v1/tenants/jsnm/event-counts?min_position=2");
  ASSERT_EQ(counts.status, 200) << counts.body;
  EXPECT_EQ(counts.body, R"({"counts":{"TenantConfigured":2},"total":2})");
  EXPECT_EQ(Header(counts, "X-Projection-Position"), "2");
  // A position the log has not reached was never given out: refused at once, not waited for.
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants/jsnm/event-counts?min_position=99"), 400,
                        "min_position_ahead"));
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants/jsnm/event-counts?min_position=3"), 400,
                        "min_position_ahead"));
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants/jsnm/event-counts?min_position=x"), 400,
                        "validation_failed"));
}

TEST_F(ApiFixture, AProjectionCanBeRebuiltOverHttp) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", kSociety).status, 201);
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", R"({"name":"B"})").status, 200);
  EXPECT_EQ(Call("POST", "/v1/tenants/jsnm/projections/event_counts/rebuild").status, 202);
  Response counts = Call("GET", "/v1/tenants/jsnm/event-counts?min_position=2");
  EXPECT_EQ(counts.body, R"({"counts":{"TenantConfigured":2},"total":2})");
  EXPECT_TRUE(IsProblem(Call("POST", "/v1/tenants/jsnm/projections/nope/rebuild"), 404, "not_found"));
}

TEST_F(ApiFixture, MetricsExposeRequestsLatencyAppendsBatchesAndLag) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", kSociety).status, 201);
  Call("GET", "/v1/tenants/jsnm/events");
  const std::string m = Call("GET", "/metrics", "", {}, false).body;
  for (const char* series :
       {"kaiin_http_requests_total{route=\"/v1/tenants/{tenant}\",status=\"201\"} 1",
        "kaiin_http_request_duration_seconds_bucket{route=\"/v1/tenants/{tenant}/events\",le=\"+Inf\"} 1",
        "kaiin_events_appended_total{tenant=\"jsnm\"} 1",
        "kaiin_group_commit_commands_count{tenant=\"jsnm\"} 1",
        "kaiin_group_commit_handed_total{tenant=\"jsnm\"} ",  // 0 or 1: how long deciding took
        "kaiin_projection_lag_events{tenant=\"jsnm\"}", "kaiin_log_head_position{tenant=\"jsnm\"} 1"}) {
    EXPECT_NE(m.find(series), std::string::npos) << series;
  }
}

TEST_F(ApiFixture, TenantsAndTheirSettingsSurviveARestart) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", kSociety).status, 201);
  tenants_.CloseAll();
  ASSERT_TRUE(tenants_.OpenAll().ok());
  Response same = Call("PUT", "/v1/tenants/jsnm", kSociety);
  EXPECT_EQ(same.status, 200);  // the write model was reloaded: no new event
  EXPECT_EQ(Head("jsnm"), 1u);
}

}  // namespace
}  // namespace kaiin::http
