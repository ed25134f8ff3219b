// A society with two regular members (taro, hanako), member types and fee schedules for
// 2024–2026, and helpers to bill and pay through the API. Each test ends with the auditor's
// verify over the live data folder: hash chain, ledger invariants, projections rebuilt equal.
#pragma once

#include <gtest/gtest.h>

#include "replay/verify.h"
#include "tests/http/api_fixture.h"

namespace kaiin::http {

class BillingApi : public ApiFixture {
 protected:
  explicit BillingApi(TenantOptions options = {}) : ApiFixture(std::move(options)) {}

  void SetUp() override {
    ASSERT_EQ(Call("PUT", "/v1/tenants/soc", R"({"name":"学会","fiscal_year_start_month":4})").status, 201);
    ASSERT_EQ(Call("PUT", T("/member-types/regular"), R"({"name":"正会員"})").status, 201);
    ASSERT_EQ(Call("PUT", T("/member-types/student"), R"({"name":"学生会員"})").status, 201);
    for (const char* fy : {"2024", "2025", "2026"}) {
      ASSERT_EQ(Call("PUT", T(std::string("/fee-schedules/") + fy),
                     R"({"fees":{"regular":15000,"student":5000}})").status, 200);
    }
    Response imported = Call("POST", T("/member-imports"), R"({"members":[
      {"email":"taro@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","name":{"family":"山田","given":"太郎"},"address":{"prefecture":"東京都"}},
      {"email":"hanako@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","name":{"family":"佐藤","given":"花子"}}]})");
    ASSERT_EQ(imported.status, 201) << imported.body;
    taro_ = "m000000001";
    hanako_ = "m000000002";
  }

  // Verify rebuilds the projections in memory (one round), then again in rounds of 5 events
  // that read back and overwrite what earlier rounds ingested, comparing 3 rows at a time: both
  // equal the live rows (A2).
  void TearDown() override {
    replay::TenantReport report;
    ASSERT_TRUE(replay::VerifyTenant(dir_.path(), "soc", dir_.Sub("verify"), &report).ok());
    EXPECT_TRUE(report.ok()) << replay::FormatReport(report);
    replay::TenantReport in_rounds;
    replay::VerifyOptions rounds;
    rounds.memory_max = 1;
    rounds.page_events = 5;
    rounds.compare_rows = 3;
    ASSERT_TRUE(
        replay::VerifyTenant(dir_.path(), "soc", dir_.Sub("verify"), &in_rounds, rounds).ok());
    EXPECT_TRUE(in_rounds.ok()) << replay::FormatReport(in_rounds);
  }

  static std::string T(const std::string& path) { return "/v1/tenants/soc" + path; }

  Response Get(const std::string& path) {
    const std::string sep = path.find('?') == std::string::npos ? "?" : "&";
    return Call("GET", T(path) + sep + "min_position=" + std::to_string(Head("soc")));
  }

  // Bills `member` for `fy` (annual) and confirms; returns the invoice id.
  std::string Bill(const std::string& member, int fy) {
    Response batch = Call("POST", T("/invoice-batches"),
                          R"({"fiscal_year":)" + std::to_string(fy) +
                              R"(,"category":"annual","title":")" + std::to_string(fy) +
                              R"(年度年会費","issue_date":"2026-04-01","due_date":"2026-06-30","member_ids":[")" +
                              member + R"("]})");
    EXPECT_EQ(batch.status, 201) << batch.body;
    const std::string batch_id = Field(batch.body, "batch_id");
    EXPECT_EQ(Call("POST", T("/invoice-batches/" + batch_id + "/confirm"), "").status, 200);
    Response invoices = Get("/members/" + member + "/invoices?include_settled=true");
    const std::string needle = "\"batch_id\":\"" + batch_id + "\"";
    const size_t at = invoices.body.rfind("\"invoice_id\":\"", invoices.body.find(needle));
    return invoices.body.substr(at + 14, 10);
  }

  Response Pay(const std::string& member, int64_t amount, const std::string& allocation,
               const std::string& method = "bank_transfer", std::string key = "") {
    if (key.empty()) key = "pay-" + std::to_string(++payments_);
    return Call("POST", T("/payments"),
                R"({"member_id":")" + member + R"(","amount":)" + std::to_string(amount) +
                    R"(,"method":")" + method + R"(","received_on":"2026-05-01",)" + allocation + "}",
                {{"idempotency-key", key}});
  }

  std::string Status(const std::string& invoice) {
    return Field(Get("/invoices/" + invoice).body, "status");
  }

  std::string taro_, hanako_;
  int payments_ = 0;
};

}  // namespace kaiin::http
