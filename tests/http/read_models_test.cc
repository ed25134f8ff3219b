// Read models against hand-computed expectations over one scripted history with cancellations,
// adjustments, reversals, reallocations and credit applications; the member ledger as of dates
// and positions; the CSV export. Ends with verify (rebuild from 0 equals live).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "http/text_encoding.h"
#include "ledger/data_layout.h"
#include "projections/member_view.h"
#include "replay/balances.h"
#include "replay/verify.h"
#include "tests/http/api_fixture.h"

namespace kaiin::http {
namespace {

class ReadModels : public ApiFixture {
 protected:
  static std::string T(const std::string& path) { return "/v1/tenants/soc" + path; }

  Response Get(const std::string& path) {
    const std::string sep = path.find('?') == std::string::npos ? "?" : "&";
    return Call("GET", T(path) + sep + "min_position=" + std::to_string(Head("soc")));
  }

  Response Post(const std::string& path, const std::string& body, const std::string& key = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty()) headers.emplace_back("idempotency-key", key);
    Response r = Call("POST", T(path), body, headers);
    EXPECT_LT(r.status, 300) << path << " " << r.body;
    return r;
  }

  void Batch(int fy, const std::string& extra, const std::string& issue_date) {
    Response b = Post("/invoice-batches", R"({"fiscal_year":)" + std::to_string(fy) +
                                             R"(,"title":"年会費","issue_date":")" + issue_date +
                                             R"(","due_date":")" + issue_date + "\"," + extra + "}");
    const size_t at = b.body.find("\"batch_id\":\"") + 12;
    Post("/invoice-batches/" + b.body.substr(at, 10) + "/confirm", "");
  }

  // The scripted history. Members: A m1, B m2 (regular), C m3 (student), D m4 (regular, withdrawn
  // 2026-03-31). Invoices: FY2025 i1 A, i2 B, i3 C, i4 D; FY2026 i5 A, i6 B, i7 C; FY2026 "other"
  // i8 B (3000).
  void SetUp() override {
    ASSERT_EQ(Call("PUT", "/v1/tenants/soc", R"({"name":"学会"})").status, 201);
    Call("PUT", T("/member-types/regular"), R"({"name":"正会員"})");
    Call("PUT", T("/member-types/student"), R"({"name":"学生会員"})");
    Call("PUT", T("/fee-schedules/2025"), R"({"fees":{"regular":15000,"student":5000}})");
    Call("PUT", T("/fee-schedules/2026"), R"({"fees":{"regular":15000,"student":5000}})");
    Post("/member-imports", R"({"members":[
      {"email":"a@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","member_number":"1","name":{"family":"安藤","given":"一郎"}},
      {"email":"b@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","member_number":"2","name":{"family":"馬場","given":"二郎"}},
      {"email":"c@example.jp","member_type":"student","applied_on":"2020-04-01","admitted_on":"2020-04-01","member_number":"3","name":{"family":"千葉","given":"三郎"}},
      {"email":"d@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","member_number":"4","name":{"family":"土井","given":"四郎"}}]})");
    Post("/members/m000000004/status-changes", R"({"status":"withdrawn","effective_date":"2026-03-31"})");
    Batch(2025, R"("category":"annual")", "2025-04-01");   // i1..i4
    Batch(2026, R"("category":"annual")", "2026-04-01");   // i5..i7 (D excluded)
    // P1: A pays both years at once (P7).
    Post("/payments", R"({"member_id":"m000000001","amount":30000,"method":"bank_transfer","received_on":"2026-05-01"})", "p1");
    // P2: B pays FY2026, then it is moved to FY2025 (P5).
    Post("/payments", R"({"member_id":"m000000002","amount":15000,"method":"bank_check","received_on":"2026-05-01","allocations":[{"invoice_id":"i000000006","amount":15000}]})", "p2");
    after_p2_ = Head("soc");
    Post("/payments/p000000002/reallocation", R"({"allocations":[{"invoice_id":"i000000002","amount":15000}]})");
    // P3: C pays FY2025 by card; then it is reversed (P4): C is back in arrears.
    Post("/payments", R"({"member_id":"m000000003","amount":5000,"method":"credit_card","received_on":"2026-05-02","allocations":[{"invoice_id":"i000000003","amount":5000}]})", "p3");
    after_p3_ = Head("soc");
    Post("/payments/p000000003/reversal", R"({"reason":"入金履歴削除"})");
    after_p3_reversal_ = Head("soc");
    Post("/invoices/i000000007/adjustments", R"({"amount":-1000,"reason":"減額"})");  // C26: 4000
    Post("/invoices/i000000004/cancel", R"({"reason":"退会"})");                      // D25
    // P4: C pays 1500 in cash: oldest first, to FY2025.
    Post("/payments", R"({"member_id":"m000000003","amount":1500,"method":"cash","received_on":"2026-06-01"})", "p4");
    // P5: B over-pays by bank check: FY2026 15000, 5000 credit.
    Post("/payments", R"({"member_id":"m000000002","amount":20000,"method":"bank_check","received_on":"2026-06-15"})", "p5");
    before_credit_ = Head("soc");
    Batch(2026, R"("category":"other","member_ids":["m000000002"],"amount":3000)", "2026-07-01");  // i8
    Post("/members/m000000002/credit-applications", R"({"invoice_id":"i000000008","amount":3000})");  // P6
  }

  void TearDown() override {
    replay::TenantReport report;
    ASSERT_TRUE(replay::VerifyTenant(dir_.path(), "soc", dir_.Sub("verify"), &report).ok());
    EXPECT_TRUE(report.ok()) << replay::FormatReport(report);
  }

  uint64_t after_p2_ = 0, after_p3_ = 0, after_p3_reversal_ = 0, before_credit_ = 0;
};

TEST_F(ReadModels, FiscalYear2025SummaryMatchesTheHandComputation) {
  // invoiced 15000×3 + 5000 = 50000; cancelled i4 15000; collected A 15000 + B 15000 (moved in)
  // + C (5000 − 5000 reversed) + 1500 = 31500; outstanding 50000 − 15000 − 31500 = 3500.
  Response s = Get("/fiscal-years/2025/summary");
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_TRUE(Has(s, R"("fiscal_year":2025,"invoiced":50000,"adjustments":0,"cancelled":15000,"collected":31500,"outstanding":3500,"invoices":4)")) << s.body;
  EXPECT_TRUE(Has(s, R"("counts":{"unpaid":0,"partially_paid":1,"paid":2,"no_payment_required":0,"cancelled":1})"));
  EXPECT_TRUE(Has(s, R"("regular":{"invoiced":45000,"adjustments":0,"cancelled":15000,"collected":30000,"outstanding":0,"invoices":3})"));
  EXPECT_TRUE(Has(s, R"("student":{"invoiced":5000,"adjustments":0,"cancelled":0,"collected":1500,"outstanding":3500,"invoices":1})"));
  EXPECT_TRUE(Has(s, R"("bank_transfer":15000)"));
  EXPECT_TRUE(Has(s, R"("bank_check":15000)"));
  EXPECT_TRUE(Has(s, R"("cash":1500)"));
  EXPECT_TRUE(Has(s, R"("credit_card":0)"));  // allocated, then reversed
}

TEST_F(ReadModels, FiscalYear2026SummaryMatchesTheHandComputation) {
  // invoiced 15000 + 15000 + 5000 + 3000 (other) = 38000; adjustments −1000; collected A 15000 +
  // B (15000 − 15000 moved out + 15000 from P5) + 3000 credit = 33000; outstanding 4000 (C26).
  Response s = Get("/fiscal-years/2026/summary");
  EXPECT_TRUE(Has(s, R"("fiscal_year":2026,"invoiced":38000,"adjustments":-1000,"cancelled":0,"collected":33000,"outstanding":4000,"invoices":4)")) << s.body;
  EXPECT_TRUE(Has(s, R"("counts":{"unpaid":1,"partially_paid":0,"paid":3,"no_payment_required":0,"cancelled":0})"));
  EXPECT_TRUE(Has(s, R"("annual":{"invoiced":35000,"adjustments":-1000,"cancelled":0,"collected":30000,"outstanding":4000,"invoices":3})"));
  EXPECT_TRUE(Has(s, R"("other":{"invoiced":3000,"adjustments":0,"cancelled":0,"collected":3000,"outstanding":0,"invoices":1})"));
  EXPECT_TRUE(Has(s, R"("by_method":{"bank_check":15000,"bank_transfer":15000,"credit":3000})"));
  EXPECT_TRUE(Has(Get("/fiscal-years/2030/summary"), R"("invoiced":0)"));
}

TEST_F(ReadModels, ArrearsListOnlyConfirmedOpenInvoicesWithFiltersAndTotals) {
  // Only C owes: i3 (2025, 5000 − 1500 = 3500, partially paid) and i7 (2026, 4000, unpaid).
  Response all = Get("/arrears");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_TRUE(Has(all, R"("member_id":"m000000003","member_number":"3","name":"千葉 三郎","member_type":"student","status":"active")")) << all.body;
  EXPECT_TRUE(Has(all, R"({"invoice_id":"i000000003","fiscal_year":2025,"category":"annual","amount":5000,"allocated":1500,"outstanding":3500,"status":"partially_paid"})"));
  EXPECT_TRUE(Has(all, R"("total_outstanding":7500)"));
  EXPECT_TRUE(Has(all, R"("totals":{"members":1,"invoices":2,"outstanding":7500})"));
  EXPECT_FALSE(Has(all, "m000000001"));
  EXPECT_FALSE(Has(all, "m000000004"));  // cancelled: not in arrears
  Response fy2025 = Get("/arrears?fiscal_year=2025");
  EXPECT_TRUE(Has(fy2025, R"("totals":{"members":1,"invoices":1,"outstanding":3500})")) << fy2025.body;
  EXPECT_FALSE(Has(fy2025, "i000000007"));
  EXPECT_TRUE(Has(Get("/arrears?min_years=2"), "m000000003"));
  EXPECT_TRUE(Has(Get("/arrears?min_years=3"), R"("items":[])"));
  EXPECT_TRUE(Has(Get("/arrears?member_type=regular"), R"("totals":{"members":0,"invoices":0,"outstanding":0})"));
  EXPECT_TRUE(Has(Get("/arrears?member_type=student"), R"("totals":{"members":1,"invoices":2,"outstanding":7500})"));
  EXPECT_TRUE(Has(Get("/arrears?category=other"), R"("items":[])"));
  EXPECT_EQ(Get("/arrears?category=yearly").status, 400);
}

// An arrears page joins each arrears row to its member's row (read in member id order beside the
// scan): across pages and filters every item must carry its own member's number, name and type.
TEST_F(ReadModels, ArrearsPagesJoinEachRowToItsOwnMember) {
  Call("PUT", T("/fee-schedules/2027"), R"({"fees":{"regular":15000,"student":5000}})");
  std::string members;
  for (int n = 5; n <= 44; ++n) {  // m000000005 .. m000000044; every third a student
    members += std::string(n > 5 ? "," : "") + R"({"email":"x)" + std::to_string(n) +
               R"(@example.jp","member_type":")" + (n % 3 == 0 ? "student" : "regular") +
               R"(","applied_on":"2020-04-01","admitted_on":"2020-04-01","member_number":")" +
               std::to_string(n) + R"(","name":{"family":"会員","given":")" + std::to_string(n) +
               "\"}}";
  }
  Post("/member-imports", R"({"members":[)" + members + "]}");
  Batch(2027, R"("category":"annual")", "2027-04-01");  // A, B, C and the 40 new members
  std::set<int> owing;
  for (int n = 5; n <= 44; ++n) {
    char id[16];
    std::snprintf(id, sizeof(id), "m%09d", n);
    if (n % 4 == 0) {  // paid in full: off the list
      Post("/payments", R"({"member_id":")" + std::string(id) + R"(","amount":)" +
                            (n % 3 == 0 ? "5000" : "15000") +
                            R"(,"method":"cash","received_on":"2026-09-01"})",
           "pay" + std::to_string(n));
    } else {
      owing.insert(n);
    }
  }
  // Pages of 7, then students only in pages of 4: each item as its own member, each once.
  for (const std::string filter : {"", "&member_type=student"}) {
    std::set<int> seen;
    std::string cursor;
    for (int page = 0; page < 20; ++page) {
      Response r = Get("/arrears?fiscal_year=2027&limit=" + std::string(filter.empty() ? "7" : "4") +
                       filter + (cursor.empty() ? "" : "&cursor=" + cursor));
      ASSERT_EQ(r.status, 200) << r.body;
      for (size_t at = r.body.find(R"("member_id":"m)"); at != std::string::npos;
           at = r.body.find(R"("member_id":"m)", at + 1)) {
        const int n = std::stoi(r.body.substr(at + 14, 9));
        if (n < 5) continue;  // A, B, C of the scripted history
        const std::string type = n % 3 == 0 ? "student" : "regular";
        char id[16];
        std::snprintf(id, sizeof(id), "m%09d", n);
        const std::string item = R"("member_id":")" + std::string(id) + R"(","member_number":")" +
                                 std::to_string(n) + R"(","name":"会員 )" + std::to_string(n) +
                                 R"(","member_type":")" + type + "\"";
        EXPECT_EQ(r.body.compare(at, item.size(), item), 0) << r.body.substr(at, 120);
        EXPECT_TRUE(seen.insert(n).second) << n << " twice";
      }
      const size_t next = r.body.find(R"("next_cursor":")");
      if (next == std::string::npos) break;
      cursor = r.body.substr(next + 15, r.body.find('"', next + 15) - next - 15);
    }
    std::set<int> expected;
    for (int n : owing) {
      if (filter.empty() || n % 3 == 0) expected.insert(n);
    }
    EXPECT_EQ(seen, expected) << filter;
  }
}

// The arrears page and the summaries are kept as rendered while the projections stay where they
// were (AnswerCache): the same question at the same position gets the same bytes without a new
// reading, and any event moves the answer on. (The filters' answers above, asked one after the
// other at one position, show that no query is given another's answer.)
TEST_F(ReadModels, ARepeatedArrearsPageIsKeptUntilTheProjectionsMove) {
  Tenant* t = tenants_.Find("soc");
  ASSERT_NE(t, nullptr);
  const Response first = Get("/arrears?limit=10");
  ASSERT_EQ(first.status, 200) << first.body;
  const uint64_t hits = t->answers().hits();
  const Response again = Get("/arrears?limit=10");  // min_position is not part of the question
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Header(again, "X-Projection-Position"), Header(first, "X-Projection-Position"));
  EXPECT_EQ(Call("GET", T("/arrears?limit=10")).body, first.body);
  EXPECT_EQ(t->answers().hits(), hits + 2);
  EXPECT_TRUE(Has(first, R"("totals":{"members":1,"invoices":2,"outstanding":7500})"));

  // C pays what it owes: the next page, asked after that position, is read anew.
  Post("/payments", R"({"member_id":"m000000003","amount":7500,"method":"cash","received_on":"2026-09-01"})", "p-c");
  const Response paid = Get("/arrears?limit=10");
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_TRUE(Has(paid, R"("items":[])")) << paid.body;
  EXPECT_TRUE(Has(paid, R"("totals":{"members":0,"invoices":0,"outstanding":0})")) << paid.body;
  EXPECT_NE(Header(paid, "X-Projection-Position"), Header(first, "X-Projection-Position"));
  const Response summary = Get("/fiscal-years/2026/summary");
  EXPECT_TRUE(Has(summary, R"("outstanding":0,"invoices":4)")) << summary.body;
  EXPECT_TRUE(Has(Get("/fiscal-years/2026/summary"), R"("outstanding":0,"invoices":4)"));

  Response metrics = Call("GET", "/metrics");
  EXPECT_TRUE(Has(metrics, "kaiin_answer_cache_total{tenant=\"soc\",outcome=\"hit\"} " +
                               std::to_string(t->answers().hits()) + "\n"))
      << metrics.body;
}

// A front end that polls a list sends back the ETag it has: while the answer stays the same it gets
// a 304 without a body, whatever else the log took in meanwhile; once the answer changes, a 200.
TEST_F(ReadModels, AnAnswerTheClientHoldsIs304UntilItChanges) {
  auto get = [this](const std::string& path, const std::string& if_none_match) {
    const std::string sep = path.find('?') == std::string::npos ? "?" : "&";
    return Call("GET", T(path) + sep + "min_position=" + std::to_string(Head("soc")), "",
                {{"if-none-match", if_none_match}});
  };
  const Response first = Get("/arrears?limit=10");
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string etag = Header(first, "ETag").value_or("");
  ASSERT_EQ(etag.size(), 34u) << etag;  // 32 hex digits, quoted
  EXPECT_TRUE(etag.starts_with('"') && etag.ends_with('"')) << etag;
  EXPECT_EQ(Header(first, "Cache-Control"), "private, no-cache");

  for (const std::string& held :
       std::vector<std::string>{etag, "\"0\", W/" + etag, "*", " \"a,b\" ," + etag}) {
    SCOPED_TRACE(held);
    const Response same = get("/arrears?limit=10", held);
    EXPECT_EQ(same.status, 304);
    EXPECT_EQ(same.body, "");
    EXPECT_EQ(Header(same, "ETag"), etag);
    EXPECT_EQ(Header(same, "Cache-Control"), "private, no-cache");
    EXPECT_EQ(Header(same, "X-Projection-Position"), Header(first, "X-Projection-Position"));
  }
  // Another tag, a tag that is not quoted or not closed: the whole answer.
  for (const std::string& other : {std::string("\"0\""), etag.substr(1, 32), etag.substr(0, 33)}) {
    SCOPED_TRACE(other);
    const Response whole = get("/arrears?limit=10", other);
    EXPECT_EQ(whole.status, 200);
    EXPECT_EQ(whole.body, first.body);
    EXPECT_EQ(Header(whole, "ETag"), etag);
  }

  // The log moves on without touching the arrears: the tag is the answer's, not the position's.
  ASSERT_EQ(Call("PUT", T("/member-types/honorary"), R"({"name":"名誉会員"})").status, 201);
  const Response moved = get("/arrears?limit=10", etag);
  EXPECT_EQ(moved.status, 304);
  EXPECT_NE(Header(moved, "X-Projection-Position"), Header(first, "X-Projection-Position"));

  // C pays what it owes: the list changes, and so does its tag.
  Post("/payments",
       R"({"member_id":"m000000003","amount":7500,"method":"cash","received_on":"2026-09-01"})",
       "p-c");
  const Response changed = get("/arrears?limit=10", etag);
  ASSERT_EQ(changed.status, 200);
  EXPECT_TRUE(Has(changed, R"("items":[])")) << changed.body;
  EXPECT_NE(Header(changed, "ETag").value_or(etag), etag);
  EXPECT_EQ(get("/arrears?limit=10", Header(changed, "ETag").value_or("")).status, 304);

  // The trial balance's CSV is tagged like any whole answer.
  const Response csv = Get("/exports/trial-balance.csv");
  ASSERT_EQ(csv.status, 200);
  ASSERT_TRUE(Header(csv, "ETag"));
  EXPECT_EQ(get("/exports/trial-balance.csv", *Header(csv, "ETag")).status, 304);

  // Not tagged, so never 304: a streamed export, an error, and the member view, whose ETag is
  // the member's version (for If-Match) and does not follow its balance.
  const Response billing = get("/exports/member-billing.csv", "*");
  EXPECT_EQ(billing.status, 200);
  EXPECT_FALSE(Header(billing, "ETag"));
  const Response missing = get("/invoices/i000000099", "*");
  EXPECT_EQ(missing.status, 404);
  EXPECT_FALSE(Header(missing, "ETag"));
  const Response member = Get("/members/m000000003");
  ASSERT_EQ(member.status, 200);
  const std::string version = Header(member, "ETag").value_or("");
  ASSERT_GE(version.size(), 3u);
  EXPECT_TRUE(member.body.ends_with("\"version\":" + version.substr(1, version.size() - 2) + "}"))
      << version << member.body;
  const Response again = get("/members/m000000003", version);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, member.body);
  EXPECT_FALSE(Header(again, "Cache-Control"));
}

// A backup is a data folder of its own, taken while the server runs: kaiin-replay verifies it, and
// a server opened on it answers as the live one did at the backup's position.
TEST_F(ReadModels, ABackupIsADataFolderThatVerifiesAndAnswersAsTheLiveOneDid) {
  const uint64_t head = Head("soc");
  const Response made = Call("POST", T("/backups"));
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string name = Field(made.body, "backup");
  const std::string data_dir = Field(made.body, "data_dir");
  EXPECT_TRUE(Has(made, "\"log_head\":" + std::to_string(head) + "}")) << made.body;
  EXPECT_TRUE(name.ends_with("Z-p" + std::to_string(head))) << name;  // 20261123T004512Z-p61
  EXPECT_EQ(name.size(), 15 + 3 + std::to_string(head).size()) << name;
  EXPECT_EQ(data_dir, dir_.Sub("backups") + "/soc/" + name);
  const std::vector<std::string> paths = {"/trial-balance",
                                          "/exports/trial-balance.csv",
                                          "/arrears?limit=10",
                                          "/fiscal-years/2025/summary",
                                          "/members/m000000002/ledger",
                                          "/members?q=ba"};
  std::vector<Response> live;
  for (const std::string& path : paths) live.push_back(Get(path));
  // Written after the backup: not in it.
  Post("/payments",
       R"({"member_id":"m000000003","amount":7500,"method":"cash","received_on":"2026-09-01"})",
       "p-c");

  replay::TenantReport report;
  ASSERT_TRUE(replay::VerifyTenant(data_dir, "soc", dir_.Sub("verify-backup"), &report).ok());
  EXPECT_TRUE(report.ok()) << replay::FormatReport(report);
  EXPECT_EQ(report.chain.head, head);

  // Two more at once: each a folder of its own, named apart; the earlier one untouched.
  const Response second = Call("POST", T("/backups"));
  const Response third = Call("POST", T("/backups"));
  ASSERT_EQ(second.status, 201) << second.body;
  ASSERT_EQ(third.status, 201) << third.body;
  EXPECT_NE(Field(second.body, "backup"), Field(third.body, "backup"));
  EXPECT_NE(Field(second.body, "backup"), name);
  std::vector<std::string> kept;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.Sub("backups") + "/soc")) {
    kept.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(kept.size(), 3u) << "no partial copy left behind";
  EXPECT_TRUE(IsProblem(Call("POST", "/v1/tenants/nosuch/backups"), 404, "not_found"));

  // Restored as the README says, but with the live projections left in place: they hold the
  // payment the copy does not, are found ahead of the restored log, and are rebuilt from it.
  tenants_.CloseAll();
  std::filesystem::copy(ledger::TenantProjectionsPath(dir_.path(), "soc"),
                        ledger::TenantProjectionsPath(data_dir, "soc"),
                        std::filesystem::copy_options::recursive);
  TenantRegistry restored(data_dir, TenantOptions{});
  ASSERT_TRUE(restored.OpenAll().ok());
  {
    ApiOptions o;
    o.admin_token = kAdminToken;
    Api api(&restored, o);
    for (size_t i = 0; i < paths.size(); ++i) {
      SCOPED_TRACE(paths[i]);
      Request r;
      r.method = "GET";
      const std::string sep = paths[i].find('?') == std::string::npos ? "?" : "&";
      ASSERT_TRUE(r.SetTarget(T(paths[i]) + sep + "min_position=" + std::to_string(head)));
      r.headers.emplace_back("authorization", std::string("Bearer ") + kAdminToken);
      auto p = std::make_shared<std::promise<Response>>();
      auto answer = p->get_future();
      api.Handle(r, [p](Response res) { p->set_value(std::move(res)); });
      const Response got = answer.get();
      EXPECT_EQ(got.status, 200) << got.body;
      EXPECT_EQ(got.body, live[i].body);
    }
    api.Shutdown();
  }
  restored.CloseAll();
}

TEST_F(ReadModels, AReversedPaymentPutsTheMemberBackOnTheList) {
  // At after_p3_ C's FY2025 invoice was paid; the reversal brought it back. The projection follows
  // the log, so the same question can be asked of a rebuilt store: see TearDown's verify. Here the
  // member ledger answers as of those positions.
  Response paid = Call("GET", T("/members/m000000003/ledger?as_of_position=" + std::to_string(after_p3_)));
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_TRUE(Has(paid, R"("balance":{"outstanding":5000,"credit":0})")) << paid.body;  // i7 only
  Response reversed = Call("GET", T("/members/m000000003/ledger?as_of_position=" + std::to_string(after_p3_reversal_)));
  EXPECT_TRUE(Has(reversed, R"("balance":{"outstanding":10000,"credit":0})")) << reversed.body;
  EXPECT_TRUE(Has(Get("/arrears?fiscal_year=2025"), "i000000003"));
}

TEST_F(ReadModels, A3_TheMemberLedgerAsOfDatesAndPositions) {
  // B: i2 (2025-04-01) and i6 (2026-04-01), 15000 each; P2 (2026-05-01) paid i6, moved to i2
  // later (effective today); P5 (2026-06-15) 20000: i6 15000 + 5000 credit; i8 (2026-07-01)
  // 3000 paid from the credit.
  Response before = Get("/members/m000000002/ledger?as_of=2026-04-15");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_TRUE(Has(before, R"("balance":{"outstanding":30000,"credit":0})")) << before.body;
  Response at_p2 = Call("GET", T("/members/m000000002/ledger?as_of_position=" + std::to_string(after_p2_)));
  EXPECT_TRUE(Has(at_p2, R"("balance":{"outstanding":15000,"credit":0})")) << at_p2.body;
  EXPECT_TRUE(Has(at_p2, R"({"account":"receivable:m000000002:i000000006","debit":15000,"credit":15000,"balance":0})"));
  Response at_credit = Call("GET", T("/members/m000000002/ledger?as_of_position=" + std::to_string(before_credit_)));
  EXPECT_TRUE(Has(at_credit, R"("balance":{"outstanding":0,"credit":5000})")) << at_credit.body;
  Response now = Get("/members/m000000002/ledger");
  EXPECT_TRUE(Has(now, R"("balance":{"outstanding":0,"credit":2000})")) << now.body;
  // credit:B — Cr P2 15000, the reallocation's release 15000, P5 20000 = 50000; Dr the
  // allocations to i6, i2 (moved), i6 (P5) and the credit application 3000 = 48000.
  EXPECT_TRUE(Has(now, R"({"account":"credit:m000000002","debit":48000,"credit":50000,"balance":2000})")) << now.body;
  EXPECT_TRUE(Has(now, R"("type":"PaymentAllocated","account":"credit:m000000002")"));
  // The member view agrees with the ledger.
  EXPECT_TRUE(Has(Get("/members/m000000002"), R"("balance":{"outstanding":0,"credit":2000})"));
  EXPECT_EQ(Get("/members/m000000002/ledger?as_of=2026-02-30").status, 400);
  EXPECT_EQ(Get("/members/m999999999/ledger").status, 404);
}

// The auditor's trial balance (kaiin-replay balances), added up from the log of the running
// server, agrees with every member's ledger as of the same cut: each receivable and credit
// account, and no account more or less; the society's cash by method is the hand-computed one.
TEST_F(ReadModels, A3_TheTrialBalanceAgreesWithTheMemberLedgersAsOfEachCut) {
  struct Cut {
    std::string query;
    replay::BalanceCut cut;
  };
  std::vector<Cut> cuts(4);
  cuts[0].query = "as_of=2026-04-15";
  cuts[0].cut.date = ParseDate("2026-04-15");
  cuts[1].query = "as_of_position=" + std::to_string(after_p3_);
  cuts[1].cut.position = after_p3_;
  cuts[2].query = "as_of=2026-06-01&as_of_position=" + std::to_string(before_credit_);
  cuts[2].cut.date = ParseDate("2026-06-01");
  cuts[2].cut.position = before_credit_;
  cuts[3].query = "as_of_position=" + std::to_string(Head("soc"));
  for (const Cut& c : cuts) {
    SCOPED_TRACE(c.query);
    ledger::ChainReport chain;
    replay::TrialBalance balance;
    ASSERT_TRUE(replay::TenantTrialBalance(dir_.path(), "soc", dir_.Sub("balances"), c.cut, &chain,
                                           &balance).ok());
    ASSERT_TRUE(chain.ok());
    EXPECT_EQ(balance.total_debits, balance.total_credits);
    std::string ledgers;
    for (const char* m : {"m000000001", "m000000002", "m000000003", "m000000004"}) {
      Response r = Get(std::string("/members/") + m + "/ledger?" + c.query);
      ASSERT_EQ(r.status, 200) << r.body;
      ledgers += r.body;
    }
    size_t member_accounts = 0;
    for (const replay::AccountTotals& a : balance.accounts) {
      if (!a.account.starts_with("receivable:") && !a.account.starts_with("credit:")) continue;
      ++member_accounts;
      const std::string row = R"({"account":")" + a.account + R"(","debit":)" +
                              std::to_string(a.debits) + R"(,"credit":)" +
                              std::to_string(a.credits) + ",";
      EXPECT_NE(ledgers.find(row), std::string::npos) << row << "\n" << ledgers;
    }
    size_t ledger_accounts = 0;
    for (size_t at = 0; (at = ledgers.find(R"({"account":")", at)) != std::string::npos; ++at) {
      ++ledger_accounts;
    }
    EXPECT_EQ(member_accounts, ledger_accounts) << ledgers;
    EXPECT_GT(member_accounts, 0u);
  }
  // Now: P1 30000 by transfer; P2 15000 and P5 20000 by check; P3 5000 by card, reversed; P4
  // 1500 in cash.
  ledger::ChainReport chain;
  replay::TrialBalance now;
  ASSERT_TRUE(replay::TenantTrialBalance(dir_.path(), "soc", dir_.Sub("balances"), {}, &chain, &now)
                  .ok());
  const std::string csv = replay::FormatTrialBalanceCsv(replay::SummarizeByKind(now));
  EXPECT_NE(csv.find("\ncash:bank_check,35000,0,35000,0\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\ncash:bank_transfer,30000,0,30000,0\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\ncash:cash,1500,0,1500,0\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\ncash:credit_card,5000,5000,0,0\n"), std::string::npos) << csv;
  // Owed: C's 3500 + 4000; held: B's 2000 (as the member ledgers say).
  auto line = [&csv](const std::string& account) {
    const size_t at = csv.find("\n" + account + ",");
    return at == std::string::npos ? std::string() : csv.substr(at + 1, csv.find('\n', at + 1) - at - 1);
  };
  EXPECT_TRUE(line("receivable").ends_with(",7500,0")) << csv;
  EXPECT_TRUE(line("credit").ends_with(",0,2000")) << csv;
}

// The trial balance's JSON as GET {T}/trial-balance should give it for `balance` (by kind):
// each account, then the total, with the net on the side it falls.
std::string TrialBalanceJson(const replay::TrialBalance& balance) {
  auto figures = [](int64_t debit, int64_t credit, int64_t debit_balance, int64_t credit_balance) {
    return R"("debit":)" + std::to_string(debit) + R"(,"credit":)" + std::to_string(credit) +
           R"(,"debit_balance":)" + std::to_string(debit_balance) + R"(,"credit_balance":)" +
           std::to_string(credit_balance);
  };
  std::string out = R"("accounts":[)";
  int64_t debit_balances = 0, credit_balances = 0;
  for (const replay::AccountTotals& a : balance.accounts) {
    const int64_t debit_balance = std::max<int64_t>(a.debits - a.credits, 0);
    const int64_t credit_balance = std::max<int64_t>(a.credits - a.debits, 0);
    debit_balances += debit_balance;
    credit_balances += credit_balance;
    if (out.back() == '}') out += ',';
    out += R"({"account":")" + a.account + R"(",)" +
           figures(a.debits, a.credits, debit_balance, credit_balance) + "}";
  }
  return out + R"(],"total":{)" +
         figures(balance.total_debits, balance.total_credits, debit_balances, credit_balances) +
         "}}";
}

TEST_F(ReadModels, A3_TheTrialBalanceOverHttpIsTheAuditorsByKindAtEachCut) {
  const uint64_t head = Head("soc");
  std::vector<std::pair<std::string, replay::BalanceCut>> cuts;
  auto cut = [&cuts](std::string query, std::optional<Date> date, uint64_t position) {
    replay::BalanceCut c;
    c.date = date;
    c.position = position;
    cuts.emplace_back(std::move(query), c);
  };
  cut("", std::nullopt, ~uint64_t{0});
  cut("as_of=2025-12-31", ParseDate("2025-12-31"), ~uint64_t{0});
  cut("as_of=2026-04-15", ParseDate("2026-04-15"), ~uint64_t{0});
  cut("as_of=2019-01-01", ParseDate("2019-01-01"), ~uint64_t{0});  // before any posting
  // Positions on either side of half the head (the server's hint): the events up to the
  // position (the first four), and the day totals less the events after it (the rest).
  ASSERT_GT(after_p2_, head / 2);
  for (uint64_t position : {uint64_t{0}, uint64_t{1}, head / 3, head / 2, after_p2_, after_p3_,
                            after_p3_reversal_, before_credit_, head - 1, head}) {
    cut("as_of_position=" + std::to_string(position), std::nullopt, position);
    cut("as_of=2026-06-01&as_of_position=" + std::to_string(position), ParseDate("2026-06-01"),
        position);
  }
  for (const auto& [query, c] : cuts) {
    SCOPED_TRACE(query);
    ledger::ChainReport chain;
    replay::TrialBalance balance;
    ASSERT_TRUE(
        replay::TenantTrialBalance(dir_.path(), "soc", dir_.Sub("balances"), c, &chain, &balance)
            .ok());
    ASSERT_TRUE(chain.ok());
    if (c.position == head / 2) {
      EXPECT_GT(balance.money_events, 0u);  // FY2025 is billed by then
    }
    Response r = Get("/trial-balance" + (query.empty() ? "" : "?" + query));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find(TrialBalanceJson(replay::SummarizeByKind(balance))), std::string::npos)
        << r.body << "\n"
        << TrialBalanceJson(replay::SummarizeByKind(balance));
    // The CSV export is the auditor's CSV byte for byte, with Excel's BOM and CRLF.
    Response csv = Get("/exports/trial-balance.csv" + (query.empty() ? "" : "?" + query));
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
    std::string want = "\xEF\xBB\xBF";
    for (char ch : replay::FormatTrialBalanceCsv(replay::SummarizeByKind(balance))) {
      if (ch == '\n') want += '\r';
      want += ch;
    }
    EXPECT_EQ(csv.body, want);
  }
  // Now, in full, against the script: revenue 50000 for FY2025 less D's 15000 cancelled, 35000 +
  // 3000 for FY2026; C's 1000 reduction; cash as the test above has it; receivables issued 88000
  // and released 20000 (P2 moved, P3 reversed), allocated, reduced and cancelled 100500, so 7500
  // owed (C's 3500 + 4000); credit from payments 71500 and the releases, B's 2000 held.
  Response now = Get("/trial-balance");
  EXPECT_EQ(
      now.body,
      R"({"accounts":[)"
      R"({"account":"adjustment:2026","debit":1000,"credit":0,"debit_balance":1000,"credit_balance":0},)"
      R"({"account":"cash:bank_check","debit":35000,"credit":0,"debit_balance":35000,"credit_balance":0},)"
      R"({"account":"cash:bank_transfer","debit":30000,"credit":0,"debit_balance":30000,"credit_balance":0},)"
      R"({"account":"cash:cash","debit":1500,"credit":0,"debit_balance":1500,"credit_balance":0},)"
      R"({"account":"cash:credit_card","debit":5000,"credit":5000,"debit_balance":0,"credit_balance":0},)"
      R"({"account":"credit","debit":89500,"credit":91500,"debit_balance":0,"credit_balance":2000},)"
      R"({"account":"receivable","debit":108000,"credit":100500,"debit_balance":7500,"credit_balance":0},)"
      R"({"account":"revenue:2025:annual","debit":15000,"credit":50000,"debit_balance":0,"credit_balance":35000},)"
      R"({"account":"revenue:2026:annual","debit":0,"credit":35000,"debit_balance":0,"credit_balance":35000},)"
      R"({"account":"revenue:2026:other","debit":0,"credit":3000,"debit_balance":0,"credit_balance":3000}],)"
      R"("total":{"debit":285000,"credit":285000,"debit_balance":75000,"credit_balance":75000}})")
      << now.body;
  // Bad cuts are refused.
  EXPECT_EQ(Call("GET", T("/trial-balance?as_of=2023-02-30")).status, 400);
  EXPECT_EQ(Call("GET", T("/trial-balance?as_of_position=-1")).status, 400);
  EXPECT_EQ(Call("GET", T("/exports/trial-balance.csv?as_of=2023-02-30")).status, 400);
}

// The whole streamed body; fails the test if the stream ends other than with its last chunk.
std::string Drain(Response& r) {
  std::string out = r.body, chunk;
  while (r.stream) {
    chunk.clear();
    const Response::Chunk step = r.stream(&chunk);
    EXPECT_NE(step, Response::Chunk::kFailed);
    out += chunk;
    if (step != Response::Chunk::kMore) break;
  }
  return out;
}

TEST_F(ReadModels, TheMemberBillingCsvHasOneRowPerMemberAndInvoice) {
  Response csv = Get("/exports/member-billing.csv?from_fiscal_year=2025&to_fiscal_year=2026");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  const std::string text = Drain(csv);
  EXPECT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(text.find("member_id,member_number,family,given"), std::string::npos);
  EXPECT_NE(text.find("m000000003,3,千葉,三郎,,,c@example.jp,student,active,2025,i000000003,annual,"
                      "年会費,2025-04-01,2025-04-01,5000,1500,3500,partially_paid,true\r\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find(",i000000004,annual,年会費,2025-04-01,2025-04-01,15000,0,0,cancelled,true\r\n"),
      std::string::npos);
  auto rows = [](const std::string& csv) {
    size_t n = 0;
    for (size_t at = 0; (at = csv.find("\r\n", at)) != std::string::npos; at += 2) ++n;
    return n;
  };
  EXPECT_EQ(rows(text), 1u + 8u);  // the header and the eight invoices (every member has one)
  Response only2026 = Get("/exports/member-billing.csv?from_fiscal_year=2026&to_fiscal_year=2026");
  const std::string t2026 = Drain(only2026);
  EXPECT_EQ(t2026.find(",2025,"), std::string::npos);
  EXPECT_NE(t2026.find("m000000004,4,土井,四郎,,,d@example.jp,regular,withdrawn,,,,,,,,,,,\r\n"),
            std::string::npos)
      << t2026;  // no invoice in range: one row for the member

  // A draft (a batch not confirmed) is not yet billed: left out unless asked for, and then told
  // apart by its last column.
  Response draft = Post(
      "/invoice-batches",
      R"({"fiscal_year":2026,"category":"other","title":"会誌代","issue_date":"2026-08-01","due_date":"2026-08-31","member_ids":["m000000001"],"amount":2000})");
  ASSERT_NE(draft.body.find("\"invoice_count\":1"), std::string::npos) << draft.body;
  Response without = Get("/exports/member-billing.csv?from_fiscal_year=2025&to_fiscal_year=2026");
  EXPECT_EQ(Drain(without), text);
  Response with = Get(
      "/exports/member-billing.csv?from_fiscal_year=2025&to_fiscal_year=2026&include_drafts=true");
  const std::string drafts = Drain(with);
  EXPECT_EQ(rows(drafts), 1u + 9u);
  EXPECT_NE(drafts.find("m000000001,1,安藤,一郎,,,a@example.jp,regular,active,2026,i000000009,"
                        "other,会誌代,2026-08-01,2026-08-31,2000,0,2000,unpaid,false\r\n"),
            std::string::npos)
      << drafts;
  EXPECT_TRUE(
      IsProblem(Get("/exports/member-billing.csv?include_drafts=yes"), 400, "validation_failed"));
  Response sjis = Get("/exports/member-billing.csv?encoding=cp932");
  EXPECT_EQ(sjis.content_type, "text/csv; charset=Shift_JIS");
  const std::string bytes = Drain(sjis);
  EXPECT_NE(bytes.find("\x90\xe7\x97\x74"), std::string::npos);  // 千葉 in CP932
  EXPECT_EQ(bytes.find("千葉"), std::string::npos);
  EXPECT_EQ(Get("/exports/member-billing.csv?encoding=latin1").status, 400);
}

// The file is read from one state of the read models, taken when the answer starts: a payment
// applied while it streams is not in it, and X-Projection-Position names the state's position.
TEST_F(ReadModels, TheMemberBillingCsvIsOneStateOfTheReadModels) {
  const std::string path = "/exports/member-billing.csv?from_fiscal_year=2026&to_fiscal_year=2026";
  const std::string unpaid =
      ",i000000007,annual,年会費,2026-04-01,2026-04-01,4000,0,4000,unpaid,true\r\n";
  const std::string paid =
      ",i000000007,annual,年会費,2026-04-01,2026-04-01,4000,4000,0,paid,true\r\n";
  const uint64_t before = Head("soc");
  Response csv = Get(path);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Header("X-Projection-Position"), std::to_string(before));
  // C pays i7 before a single row of the file has been read.
  Post(
      "/payments",
      R"({"member_id":"m000000003","amount":4000,"method":"cash","received_on":"2026-07-01","allocations":[{"invoice_id":"i000000007","amount":4000}]})",
      "p7");
  Response later = Get(path);  // waits for the projections to apply the payment
  ASSERT_EQ(later.status, 200) << later.body;
  EXPECT_EQ(later.Header("X-Projection-Position"), std::to_string(Head("soc")));
  const std::string now = Drain(later);
  EXPECT_NE(now.find(paid), std::string::npos) << now;
  const std::string then = Drain(csv);
  EXPECT_NE(then.find(unpaid), std::string::npos) << then;
  EXPECT_EQ(then.find(paid), std::string::npos) << then;
}

// A read model being rebuilt in bulk (after an upgrade changed its schema, or when asked for)
// answers 503 projection_rebuilding: a secretariat shown an empty member list would think the
// members gone. The other read models answer as ever.
TEST_F(ReadModels, AReadModelBeingRebuiltAnswers503NotAnEmptyPage) {
  projections::ProjectionStore& store = tenants_.Find("soc")->store();
  // The projector first catches up with the set-up's events (min_position): a projection still
  // at checkpoint 0 is one the runtime itself marks and unmarks, and it would unmark this test's
  // mark when it found the log too short for a bulk rebuild.
  ASSERT_TRUE(Has(Get("/members"), "m000000001"));
  store.SetBuilding(projections::MemberViewProjection::kName, true);
  const Response members = Get("/members");
  EXPECT_TRUE(IsProblem(members, 503, "projection_rebuilding")) << members.body;
  EXPECT_TRUE(Header(members, "Retry-After"));
  EXPECT_TRUE(IsProblem(Get("/members/m000000001"), 503, "projection_rebuilding"));
  EXPECT_TRUE(IsProblem(Get("/exports/member-billing.csv"), 503, "projection_rebuilding"));
  EXPECT_EQ(Get("/fiscal-years/2026/summary").status, 200);
  const std::string gauge = "kaiin_projection_rebuilding{tenant=\"soc\",projection=\"";
  const Response during = Call("GET", "/metrics");
  EXPECT_TRUE(Has(during, gauge + "member_view\"} 1\n")) << during.body;
  EXPECT_TRUE(Has(during, gauge + "billing\"} 0\n")) << during.body;
  store.SetBuilding(projections::MemberViewProjection::kName, false);
  EXPECT_TRUE(Has(Get("/members"), "m000000001"));
  EXPECT_TRUE(Has(Call("GET", "/metrics"), gauge + "member_view\"} 0\n"));
}

TEST(TextEncodingTest, Cp932KeepsJapaneseAndMarksWhatItCannotHold) {
  EXPECT_EQ(Utf8ToCp932("山田 Taro"), "\x8E\x52\x93\x63 Taro");
  EXPECT_EQ(Utf8ToCp932("\xF0\x9F\x98\x80!"), "?!");  // an emoji
}

}  // namespace
}  // namespace kaiin::http
