// Authentication and roles (DESIGN.md §6, API.md): every route × every role, cross-tenant and
// cross-member access, expiry, logout, the reset flow, enumeration-safe answers, throttling,
// member self-service (M6, B6), and no password or token in any log line.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "tests/http/api_fixture.h"

namespace kaiin::http {
namespace {

class AuthApi : public ApiFixture {
 protected:
  explicit AuthApi(const std::function<void(ApiOptions&)>& tweak = nullptr)
      : ApiFixture({}, tweak) {}

  void SetUp() override {
    ASSERT_EQ(Admin("PUT", "/v1/tenants/soc", R"({"name":"学会"})").status, 201);
    Admin("PUT", T("/member-types/regular"), R"({"name":"正会員"})");
    Admin("PUT", T("/fee-schedules/2026"), R"({"fees":{"regular":15000}})");
    ASSERT_EQ(Admin("POST", T("/member-imports"), R"({"members":[
      {"email":"taro@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","member_number":"1001","name":{"family":"山田"}},
      {"email":"hanako@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","member_number":"1002","name":{"family":"佐藤"}}]})").status, 201);
    ASSERT_EQ(Admin("POST", T("/staff"), R"({"login":"sec1","password":"Secret-pass-1","role":"secretariat"})").status, 201);
    ASSERT_EQ(Admin("POST", T("/staff"), R"({"login":"aud1","password":"Audit-pass-1","role":"auditor"})").status, 201);
    SetMemberPassword("taro@example.jp", "Taro-pass-1");
    SetMemberPassword("hanako@example.jp", "Hanako-pass-1");
    secretariat_ = Login("sec1", "Secret-pass-1");
    auditor_ = Login("aud1", "Audit-pass-1");
    member_ = Login("1001", "Taro-pass-1");          // by member number
    other_member_ = Login("HANAKO@example.jp", "Hanako-pass-1");  // by e-mail, any case
  }

  static std::string T(const std::string& path) { return "/v1/tenants/soc" + path; }

  Response Admin(const std::string& method, const std::string& path, const std::string& body = "") {
    return Call(method, path, body);
  }

  Response As(const std::string& token, const std::string& method, const std::string& path,
              const std::string& body = "",
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!token.empty()) headers.emplace_back("authorization", "Bearer " + token);
    return Call(method, path, body, headers, /*admin=*/false);
  }

  std::string Login(const std::string& login, const std::string& password) {
    Response r = As("", "POST", T("/sessions"),
                    R"({"login":")" + login + R"(","password":")" + password + R"("})");
    EXPECT_EQ(r.status, 201) << login << " " << r.body;
    return Field(r.body, "token");
  }

  // The link's token from the newest outbox message to `to`.
  std::string TokenFromOutbox(const std::string& to) {
    Response box = Call("GET", T("/outbox?to=" + to + "&min_position=" + std::to_string(Head("soc"))));
    const size_t at = box.body.rfind("token=");
    return at == std::string::npos ? "" : box.body.substr(at + 6, 64);
  }

  void SetMemberPassword(const std::string& email, const std::string& password) {
    ASSERT_EQ(As("", "POST", T("/password-resets"), R"({"email":")" + email + R"("})").status, 202);
    const std::string token = TokenFromOutbox(email);
    ASSERT_EQ(token.size(), 64u);
    Response set = As("", "PUT", T("/password-resets/" + token), R"({"password":")" + password + R"("})");
    ASSERT_EQ(set.status, 204) << set.body;
  }

  std::string secretariat_, auditor_, member_, other_member_;
};

// Every route and every role: allowed ("ok": anything but 401/403), forbidden (403), or
// unauthenticated (401).
TEST_F(AuthApi, EveryRouteAndEveryRole) {
  // Invoices and a payment to address.
  ASSERT_EQ(Admin("POST", T("/invoice-batches"), R"({"fiscal_year":2026,"category":"annual","title":"t","issue_date":"2026-04-01","due_date":"2026-05-01"})").status, 201);
  ASSERT_EQ(Admin("POST", T("/invoice-batches/b000000001/confirm")).status, 200);
  ASSERT_EQ(Call("POST", T("/payments"), R"({"member_id":"m000000001","amount":100,"method":"cash","received_on":"2026-05-01"})", {{"idempotency-key", "k"}}).status, 201);
  struct Case {
    const char* method;
    std::string path;
    std::string body;
    // admin, secretariat, auditor, the member themself, another member, no token
    std::string expect;  // one letter each: o ok, f 403, u 401
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/tenants", "", "ouuuuu"},  // a society's token is no token outside it
      {"POST", "/v1/backups", "", "ouuuuu"},
      {"GET", "/v1/tenants/soc", "", "offffu"},
      {"PUT", "/v1/tenants/soc", R"({"name":"学会"})", "offffu"},
      {"GET", T("/events"), "", "oooffu"},
      {"GET", T("/event-counts"), "", "oooffu"},
      {"POST", T("/projections/config/rebuild"), "", "offffu"},
      {"POST", T("/backups"), "", "offffu"},
      {"GET", T("/backups"), "", "offffu"},
      {"POST", T("/staff"), R"({"login":"x1x","password":"12345678","role":"auditor"})", "offffu"},
      {"PUT", T("/member-types/regular"), R"({"name":"正会員"})", "oofff"},
      {"GET", T("/member-types"), "", "oooffu"},
      {"PUT", T("/fee-schedules/2026"), R"({"fees":{"regular":15000}})", "oofff"},
      {"GET", T("/fee-schedules/2026"), "", "oooffu"},
      {"POST", T("/members"),
       R"({"email":"z@example.jp","member_type":"regular","applied_on":"2026-04-01","name":{"family":"z"}})",
       "oofff"},
      {"GET", T("/members"), "", "oooffu"},
      {"GET", T("/members/m000000001"), "", "oooof"},
      {"PATCH", T("/members/m000000001"), R"({"affiliation":"東大"})", "oofof"},
      {"POST", T("/members/m000000001/status-changes"),
       R"({"status":"on_leave","effective_date":"2026-12-01"})", "oofff"},
      {"POST", T("/bulk-status-changes"),
       R"({"member_ids":["m000000002"],"status":"on_leave","effective_date":"2026-12-01"})",
       "oofff"},
      {"POST", T("/members/m000000001/member-type-changes"),
       R"({"member_type":"regular","effective_date":"2026-12-01"})", "oofff"},
      {"POST", T("/member-numbers"), R"({"auto":true})", "oofff"},
      {"GET", T("/members/m000000001/history"), "", "oooffu"},
      {"GET", T("/directory"), "", "ooooou"},
      {"POST", T("/member-imports"), R"({"members":[]})", "oofff"},
      {"POST", T("/members/m000000001/adjustments"), R"({"kind":"one_time","amount":-1})", "oofff"},
      {"POST", T("/invoice-batches"),
       R"({"fiscal_year":2026,"category":"other","title":"t","issue_date":"2026-04-01","due_date":"2026-05-01","amount":1})",
       "oofff"},
      {"GET", T("/invoice-batches"), "", "oooffu"},
      {"POST", T("/invoice-batches/b000000001/confirm"), "", "oofff"},
      {"POST", T("/invoice-batches/b999999999/cancel"), "{}", "oofff"},
      {"GET", T("/invoices/i000000001"), "", "ooooou"},  // others' invoices read as absent
      {"GET", T("/members/m000000001/invoices"), "", "oooof"},
      {"PATCH", T("/invoices/i000000001"), R"({"title":"t2"})", "oofff"},
      {"POST", T("/invoices/i000000002/adjustments"), R"({"amount":-1})", "oofff"},
      {"POST", T("/invoices/i999999999/cancel"), "{}", "oofff"},
      {"POST", T("/invoices/i000000001/receipts"), "", "oofoo"},  // others' read as absent
      {"POST", T("/invoice-cancellations"), R"({"invoice_ids":["i999999999"]})", "oofff"},
      {"POST", T("/payments"),
       R"({"member_id":"m000000001","amount":1,"method":"cash","received_on":"2026-05-01"})",
       "oofff"},
      {"GET", T("/payments/p000000001"), "", "oooffu"},
      {"GET", T("/payments?received_from=2026-05-01"), "", "oooffu"},
      {"POST", T("/payments/p999999999/reversal"), "{}", "oofff"},
      {"POST", T("/payments/p999999999/reallocation"), R"({"allocations":[]})", "oofff"},
      {"POST", T("/members/m000000001/credit-applications"),
       R"({"invoice_id":"i000000001","amount":1})", "oofff"},
      {"GET", T("/arrears"), "", "oooffu"},
      {"GET", T("/fiscal-years/2026/summary"), "", "oooffu"},
      {"GET", T("/members/m000000001/ledger"), "", "oooof"},
      {"GET", T("/trial-balance"), "", "oooffu"},
      {"GET", T("/exports/trial-balance.csv"), "", "oooffu"},
      {"GET", T("/exports/member-billing.csv"), "", "oooffu"},
      {"GET", T("/outbox"), "", "oofff"},
      {"GET", T("/login-locks"), "", "oofff"},
      {"POST", T("/password-resets"), R"({"email":"nobody@example.jp"})", "oooooo"},
      {"PUT", T("/password-resets/unknown"), R"({"password":"12345678"})", "oooooo"},
      {"PUT", T("/email-changes/unknown"), "", "oooooo"},
  };
  const std::vector<std::string> tokens = {"(admin)", secretariat_, auditor_, member_, other_member_, ""};
  for (const Case& c : cases) {
    std::string expect = c.expect;
    if (expect.size() == 5) expect += "u";  // routes that need a token
    ASSERT_EQ(expect.size(), 6u) << c.path;
    for (size_t role = 0; role < tokens.size(); ++role) {
      Response r = role == 0 ? Call(c.method, c.path, c.body, {{"idempotency-key", "t" + std::to_string(role)}})
                             : As(tokens[role], c.method, c.path, c.body, {{"idempotency-key", "t" + std::to_string(role)}});
      const char want = expect[role];
      const std::string where = std::string(c.method) + " " + c.path + " as role " + std::to_string(role);
      switch (want) {
        case 'o': EXPECT_TRUE(r.status != 401 && r.status != 403) << where << ": " << r.status << " " << r.body; break;
        case 'f': EXPECT_EQ(r.status, 403) << where << ": " << r.body; break;
        default: EXPECT_EQ(r.status, 401) << where << ": " << r.body; break;
      }
    }
  }
}

// The members' directory (会員検索, DESIGN §4's directory read model; M6's directory visibility):
// any member finds the members who chose to be listed and are members today (active or on
// leave), by name or affiliation, and sees only what being listed shows: no e-mail, address,
// member number or balance, and no search by e-mail or number.
TEST_F(AuthApi, TheDirectoryListsOnlyMembersWhoChoseToBeListedAndShowsOnlyTheirListing) {
  auto directory = [&](const std::string& token, const std::string& query) {
    return As(token, "GET", T("/directory?min_position=" + std::to_string(Head("soc")) + query));
  };
  Response none = directory(other_member_, "");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body, R"({"items":[],"next_cursor":null})");  // nobody chose to be listed

  // taro lists himself; a withdrawn member and an applicant listed by the secretariat are not
  // members today.
  ASSERT_EQ(As(member_, "PATCH", T("/members/m000000001"),
               R"({"directory_visible":true,"affiliation":"東京大学 医学部"})").status, 200);
  ASSERT_EQ(Admin("POST", T("/member-imports"), R"({"members":[
    {"email":"jiro@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","name":{"family":"山本"}}]})").status, 201);
  ASSERT_EQ(Admin("PATCH", T("/members/m000000003"), R"({"directory_visible":true})").status, 200);
  ASSERT_EQ(Admin("POST", T("/members/m000000003/status-changes"),
                  R"({"status":"withdrawn","effective_date":"2025-03-31"})").status, 200);
  ASSERT_EQ(Admin("POST", T("/members"),
                  R"({"email":"saburo@example.jp","member_type":"regular","applied_on":"2026-04-01","name":{"family":"山川"}})").status, 201);
  ASSERT_EQ(Admin("PATCH", T("/members/m000000004"), R"({"directory_visible":true})").status, 200);

  const Response listed = directory(other_member_, "");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.body,
            R"({"items":[{"member_id":"m000000001","name":{"family":"山田","given":"","family_kana":"","given_kana":"","romaji":""},"affiliation":"東京大学 医学部"}],"next_cursor":null})");
  for (const char* secret : {"taro@", "1001", "balance", "address", "status", "regular"}) {
    EXPECT_FALSE(Has(listed, secret)) << secret;
  }
  EXPECT_TRUE(Has(directory(member_, "&q=山"), "m000000001"));  // by the start of a name
  EXPECT_TRUE(Has(directory(auditor_, "&affiliation=%E5%8C%BB%E5%AD%A6"), "m000000001"));  // 医学
  EXPECT_TRUE(Has(directory(secretariat_, "&affiliation=東京大学医学部"), "m000000001"));  // spaces folded
  EXPECT_FALSE(Has(directory(member_, "&affiliation=京都"), "m000000001"));
  // Not by e-mail or member number, which the staff's member list does find him by.
  EXPECT_FALSE(Has(directory(other_member_, "&q=taro"), "m000000001"));
  EXPECT_FALSE(Has(directory(other_member_, "&q=1001"), "m000000001"));
  EXPECT_TRUE(Has(As(secretariat_, "GET", T("/members?q=1001")), "m000000001"));

  // On leave is still a member; unlisting takes him out.
  ASSERT_EQ(Admin("POST", T("/members/m000000001/status-changes"),
                  R"({"status":"on_leave","effective_date":"2026-01-01"})").status, 200);
  EXPECT_TRUE(Has(directory(other_member_, ""), "m000000001"));
  ASSERT_EQ(As(member_, "PATCH", T("/members/m000000001"), R"({"directory_visible":false})").status, 200);
  EXPECT_EQ(directory(other_member_, "").body, R"({"items":[],"next_cursor":null})");

  EXPECT_TRUE(IsProblem(directory(member_, "&limit=0"), 400, "validation_failed"));
  EXPECT_TRUE(IsProblem(directory(member_, "&affiliation=" + std::string(201, 'a')), 400,
                        "validation_failed"));
}

// The member prints a receipt (領収書) for a paid invoice from self-service, as the seeds' members
// do for their employer; every later print is a reissue (再発行) of the same number (R1–R3).
TEST_F(AuthApi, AMemberIssuesTheirOwnReceiptLaterOnesAreReissuesAndAReversalVoidsIt) {
  ASSERT_EQ(
      Admin(
          "POST", T("/invoice-batches"),
          R"({"fiscal_year":2026,"category":"annual","title":"年会費","issue_date":"2026-04-01","due_date":"2026-05-01"})")
          .status,
      201);
  ASSERT_EQ(Admin("POST", T("/invoice-batches/b000000001/confirm")).status, 200);
  const std::string receipts = T("/invoices/i000000001/receipts");  // taro's
  EXPECT_TRUE(IsProblem(As(member_, "POST", receipts), 409, "invoice_not_paid"));
  const Response paid = As(
      secretariat_, "POST", T("/payments"),
      R"({"member_id":"m000000001","amount":15000,"method":"bank_transfer","received_on":"2026-05-01"})",
      {{"idempotency-key", "pay-1"}});
  ASSERT_EQ(paid.status, 201) << paid.body;
  const Response first = As(member_, "POST", receipts);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_TRUE(Has(
      first,
      R"({"receipt_number":"R000000001","copy":1,"reissue":false,"invoice_id":"i000000001","member_id":"m000000001","issued_on":")"))
      << first.body;
  EXPECT_TRUE(Has(first, R"("society":"学会","addressee":{"family":"山田")")) << first.body;
  EXPECT_TRUE(Has(
      first,
      R"("lines":[{"fiscal_year":2026,"category":"annual","title":"年会費","amount":15000}],"total":15000)"))
      << first.body;
  const Response again = As(secretariat_, "POST", receipts, "{}");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_TRUE(Has(again, R"({"receipt_number":"R000000001","copy":2,"reissue":true,)"))
      << again.body;
  // Another member's invoice is as if absent; an auditor reads, and issuing writes.
  EXPECT_TRUE(IsProblem(As(other_member_, "POST", receipts), 404, "not_found"));
  EXPECT_EQ(As(auditor_, "POST", receipts).status, 403);
  EXPECT_TRUE(
      IsProblem(As(member_, "POST", receipts, R"({"copies":2})"), 400, "validation_failed"));
  // The invoice tells how many copies went out; the log has each one.
  const Response inv =
      As(member_, "GET",
         receipts.substr(0, receipts.size() - 9) + "?min_position=" + std::to_string(Head("soc")));
  EXPECT_TRUE(Has(inv, R"("receipt":{"receipt_number":"R000000001","copies":2,"last_issued_on":")"))
      << inv.body;
  const Response log = Call("GET", T("/events?after=0&limit=1000"));
  size_t issued = 0;
  for (size_t at = 0; (at = log.body.find("\"type\":\"ReceiptIssued\"", at)) != std::string::npos;
       ++at) {
    ++issued;
  }
  EXPECT_EQ(issued, 2u);
  EXPECT_EQ(Has(log, R"("copy":2)"), true);
  EXPECT_TRUE(Has(inv, R"("void":false})")) << inv.body;
  // The payment reversed: the invoice shows the receipt void; paid again, a new number.
  ASSERT_EQ(As(secretariat_, "POST", T("/payments/p000000001/reversal"), R"({"reason":"誤入金"})",
               {{"idempotency-key", "rev-1"}})
                .status,
            200);
  const std::string invoice = receipts.substr(0, receipts.size() - 9);
  const Response reversed =
      As(member_, "GET", invoice + "?min_position=" + std::to_string(Head("soc")));
  EXPECT_TRUE(Has(reversed, R"("copies":2,"last_issued_on":")")) << reversed.body;
  EXPECT_TRUE(Has(reversed, R"("void":true})")) << reversed.body;
  ASSERT_EQ(
      As(secretariat_, "POST", T("/payments"),
         R"({"member_id":"m000000001","amount":15000,"method":"cash","received_on":"2026-06-01"})",
         {{"idempotency-key", "pay-2"}})
          .status,
      201);
  const Response renewed = As(member_, "POST", receipts);
  EXPECT_TRUE(Has(renewed, R"({"receipt_number":"R000000002","copy":1,"reissue":false,)"))
      << renewed.body;
  const Response now = As(member_, "GET", invoice + "?min_position=" + std::to_string(Head("soc")));
  EXPECT_TRUE(Has(now, R"("receipt":{"receipt_number":"R000000002","copies":1,)")) << now.body;
  EXPECT_TRUE(Has(now, R"("void":false})")) << now.body;
}

TEST_F(AuthApi, LoginsAnswerAlikeForAWrongPasswordAndAnUnknownLogin) {
  Response wrong = As("", "POST", T("/sessions"), R"({"login":"sec1","password":"nope-nope"})");
  Response unknown = As("", "POST", T("/sessions"), R"({"login":"nobody","password":"nope-nope"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_TRUE(Has(wrong, "\"code\":\"invalid_credentials\""));
  Response staff = As("", "POST", T("/sessions"), R"({"login":"sec1","password":"Secret-pass-1"})");
  EXPECT_TRUE(Has(staff, "\"role\":\"secretariat\"")) << staff.body;
  Response member = As("", "POST", T("/sessions"), R"({"login":"taro@example.jp","password":"Taro-pass-1"})");
  EXPECT_TRUE(Has(member, "\"role\":\"member\",\"member_id\":\"m000000001\"")) << member.body;
}

TEST_F(AuthApi, TokensOfOneTenantNeverWorkInAnother) {
  ASSERT_EQ(Admin("PUT", "/v1/tenants/other", R"({"name":"別の学会"})").status, 201);
  EXPECT_EQ(As(secretariat_, "GET", "/v1/tenants/other/members").status, 401);
  EXPECT_EQ(As(member_, "GET", "/v1/tenants/other/members/m000000001").status, 401);
}

TEST_F(AuthApi, TheAdminSetsAStaffPasswordAndSignsThemOut) {
  EXPECT_EQ(Admin("PUT", T("/staff/sec1/password"), R"({"password":"short"})").status, 400);
  EXPECT_EQ(Admin("PUT", T("/staff/nobody/password"), R"({"password":"Long-enough-1"})").status, 404);
  ASSERT_EQ(Admin("PUT", T("/staff/sec1/password"), R"({"password":"Brand-new-pass-1"})").status, 204);
  EXPECT_EQ(As(secretariat_, "GET", T("/members")).status, 401);
  EXPECT_EQ(As("", "POST", T("/sessions"), R"({"login":"sec1","password":"Secret-pass-1"})").status, 401);
  Login("sec1", "Brand-new-pass-1");
}

TEST_F(AuthApi, SessionsExpireAndLogoutEndsThem) {
  EXPECT_EQ(As(auditor_, "GET", T("/members")).status, 200);
  clock_offset_ += 12LL * 3600 * 1000000 + 1;
  Response expired = As(auditor_, "GET", T("/members"));
  EXPECT_EQ(expired.status, 401);
  EXPECT_TRUE(Has(expired, "\"code\":\"token_expired\""));
  const std::string fresh = Login("aud1", "Audit-pass-1");
  EXPECT_EQ(As(fresh, "DELETE", T("/sessions/current")).status, 204);
  EXPECT_EQ(As(fresh, "GET", T("/members")).status, 401);
}

TEST_F(AuthApi, ResetTokensAreSingleUseExpireAndAreSupersededByNewerOnes) {
  const uint64_t head = Head("soc");
  Response unknown = As("", "POST", T("/password-resets"), R"({"email":"nobody@example.jp"})");
  Response known = As("", "POST", T("/password-resets"), R"({"email":"taro@example.jp"})");
  EXPECT_EQ(unknown.status, 202);
  EXPECT_EQ(unknown.body, known.body);  // no enumeration
  EXPECT_EQ(Head("soc"), head + 2);     // only the known address wrote (token + outbox message)
  const std::string first = TokenFromOutbox("taro@example.jp");
  As("", "POST", T("/password-resets"), R"({"email":"TARO@example.jp"})");
  const std::string second = TokenFromOutbox("taro@example.jp");
  ASSERT_NE(first, second);
  Response box = Call("GET", T("/outbox?to=taro@example.jp&purpose=password_reset&min_position=" + std::to_string(Head("soc"))));
  EXPECT_TRUE(Has(box, "\"purpose\":\"password_reset\""));
  EXPECT_TRUE(Has(box, "\"expires_at\":"));
  EXPECT_EQ(As("", "PUT", T("/password-resets/" + second), R"({"password":"short"})").status, 400);
  Response superseded = As("", "PUT", T("/password-resets/" + first), R"({"password":"New-pass-123"})");
  EXPECT_EQ(superseded.status, 400);
  EXPECT_TRUE(Has(superseded, "\"code\":\"invalid_token\""));
  EXPECT_EQ(As("", "PUT", T("/password-resets/" + second), R"({"password":"New-pass-123"})").status, 204);
  EXPECT_EQ(As(member_, "GET", T("/members/m000000001")).status, 401);  // old sessions ended
  EXPECT_EQ(As("", "PUT", T("/password-resets/" + second), R"({"password":"Other-pass-1"})").status, 400);
  Login("1001", "New-pass-123");
  As("", "POST", T("/password-resets"), R"({"email":"taro@example.jp"})");
  const std::string late = TokenFromOutbox("taro@example.jp");
  clock_offset_ += 24LL * 3600 * 1000000 + 1;
  EXPECT_TRUE(Has(As("", "PUT", T("/password-resets/" + late), R"({"password":"Late-pass-123"})"), "invalid_token"));
}

TEST_F(AuthApi, RepeatedFailuresSlowDownThenShowAsLocks) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(As("", "POST", T("/sessions"), R"({"login":"sec1","password":"wrong-wrong"})").status, 401);
  }
  Response throttled = As("", "POST", T("/sessions"), R"({"login":"sec1","password":"Secret-pass-1"})");
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_TRUE(Has(throttled, "\"code\":\"too_many_attempts\""));
  bool retry_after = false;
  for (const auto& [k, v] : throttled.headers) retry_after = retry_after || k == "Retry-After";
  EXPECT_TRUE(retry_after);
  Response locks = As(secretariat_, "GET", T("/login-locks"));
  EXPECT_TRUE(Has(locks, R"({"kind":"login","value":"sec1","failures":5)")) << locks.body;
  clock_offset_ += 2'000'000;  // the wait is over: a right password works again
  EXPECT_EQ(As("", "POST", T("/sessions"), R"({"login":"sec1","password":"Secret-pass-1"})").status, 201);
}

// Behind a reverse proxy (kaiind --trusted-proxies): failures count against the client the
// proxy names, so one client's failures neither lock out the others nor escape by a header.
class AuthBehindAProxy : public AuthApi {
 protected:
  AuthBehindAProxy()
      : AuthApi([](ApiOptions& o) { o.trusted_proxies = *TrustedProxies::Parse("127.0.0.1"); }) {}

  Response LoginFrom(const std::string& forwarded_for, const std::string& login,
                     const std::string& password) {
    return As("", "POST", T("/sessions"),
              R"({"login":")" + login + R"(","password":")" + password + R"("})",
              {{"x-forwarded-for", forwarded_for}});
  }
};

TEST_F(AuthBehindAProxy, FailuresCountAgainstTheClientTheProxyNames) {
  remote_ = "127.0.0.1";  // every request through the proxy
  // One client guesses at many logins: its address is held after five failures...
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(LoginFrom("203.0.113.7", "guess" + std::to_string(i), "wrong-wrong").status, 401);
  }
  EXPECT_EQ(LoginFrom("203.0.113.7", "sec1", "Secret-pass-1").status, 429);
  // ... and cannot escape by writing another address in front of the proxy's entry.
  EXPECT_EQ(LoginFrom("198.51.100.1, 203.0.113.7", "sec1", "Secret-pass-1").status, 429);
  // Another client through the same proxy logs in.
  EXPECT_EQ(LoginFrom("198.51.100.2", "sec1", "Secret-pass-1").status, 201);
  Response locks = As(secretariat_, "GET", T("/login-locks"));
  EXPECT_TRUE(Has(locks, R"({"kind":"address","value":"203.0.113.7","failures":5)")) << locks.body;
  EXPECT_FALSE(Has(locks, "127.0.0.1")) << locks.body;
  // A client reaching kaiind directly is the peer, whatever it writes in the header.
  remote_ = "192.0.2.50";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(LoginFrom("198.51.100." + std::to_string(10 + i), "x" + std::to_string(i), "wrong-wrong").status, 401);
  }
  EXPECT_EQ(LoginFrom("198.51.100.99", "sec1", "Secret-pass-1").status, 429);
}

TEST_F(AuthApi, WithoutTrustedProxiesTheForwardedForHeaderIsNotRead) {
  remote_ = "127.0.0.1";
  for (int i = 0; i < 5; ++i) {
    Response r = As("", "POST", T("/sessions"), R"({"login":"g)" + std::to_string(i) + R"(","password":"wrong-wrong"})",
                    {{"x-forwarded-for", "203.0.113." + std::to_string(i)}});
    EXPECT_EQ(r.status, 401);
  }
  Response locks = As(secretariat_, "GET", T("/login-locks"));
  EXPECT_TRUE(Has(locks, R"({"kind":"address","value":"127.0.0.1","failures":5)")) << locks.body;
  EXPECT_FALSE(Has(locks, "203.0.113.")) << locks.body;
}

TEST_F(AuthApi, M6_AMemberChangesOnlyOwnContactFieldsAndConfirmsANewEmail) {
  EXPECT_EQ(As(member_, "GET", T("/members/m000000001")).status, 200);
  EXPECT_EQ(As(member_, "GET", T("/members/m000000002")).status, 403);
  Response name = As(member_, "PATCH", T("/members/m000000001"), R"({"name":{"family":"別人"}})");
  EXPECT_EQ(name.status, 403);
  EXPECT_TRUE(Has(name, "\"code\":\"field_not_editable\""));
  EXPECT_EQ(As(member_, "PATCH", T("/members/m000000001"), R"({"affiliation":"東大"})").status, 200);
  EXPECT_EQ(As(member_, "POST", T("/members/m000000001/status-changes"), R"({"status":"withdrawn","effective_date":"2026-12-01"})").status, 403);
  Response change = As(member_, "PATCH", T("/members/m000000001"), R"({"email":"new@example.jp"})");
  EXPECT_EQ(change.status, 202) << change.body;
  EXPECT_TRUE(Has(change, "pending_confirmation"));
  Response still = Call("GET", T("/members/m000000001?min_position=" + std::to_string(Head("soc"))));
  EXPECT_TRUE(Has(still, "\"email\":\"taro@example.jp\""));
  const std::string token = TokenFromOutbox("new@example.jp");
  ASSERT_EQ(token.size(), 64u);
  EXPECT_EQ(As("", "PUT", T("/email-changes/" + token)).status, 204);
  EXPECT_EQ(As("", "PUT", T("/email-changes/" + token)).status, 400);  // single use
  Response changed = Call("GET", T("/members/m000000001?min_position=" + std::to_string(Head("soc"))));
  EXPECT_TRUE(Has(changed, "\"email\":\"new@example.jp\""));
  Login("new@example.jp", "Taro-pass-1");  // the new address is the login now
}

TEST_F(AuthApi, B6_MembersSeeOnlyTheirConfirmedInvoices) {
  ASSERT_EQ(Admin("POST", T("/invoice-batches"), R"({"fiscal_year":2026,"category":"annual","title":"t","issue_date":"2026-04-01","due_date":"2026-05-01"})").status, 201);
  const std::string at = "?min_position=" + std::to_string(Head("soc"));
  EXPECT_TRUE(Has(As(member_, "GET", T("/members/m000000001/invoices" + at)), R"("items":[])"));
  EXPECT_EQ(As(member_, "GET", T("/invoices/i000000001" + at)).status, 404);
  EXPECT_TRUE(Has(As(secretariat_, "GET", T("/members/m000000001/invoices" + at)), "i000000001"));
  ASSERT_EQ(Admin("POST", T("/invoice-batches/b000000001/confirm")).status, 200);
  const std::string now = "?min_position=" + std::to_string(Head("soc"));
  EXPECT_TRUE(Has(As(member_, "GET", T("/members/m000000001/invoices" + now)), "i000000001"));
  EXPECT_EQ(As(member_, "GET", T("/invoices/i000000001" + now)).status, 200);
  EXPECT_EQ(As(member_, "GET", T("/invoices/i000000002" + now)).status, 404);  // hanako's
}

TEST_F(AuthApi, NoPasswordOrTokenReachesTheLog) {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto capture = std::make_shared<spdlog::logger>("capture", sink);
  capture->set_level(spdlog::level::info);
  spdlog::set_default_logger(capture);
  ASSERT_EQ(Admin("POST", T("/staff"), R"({"login":"sec2","password":"Hidden-pass-42","role":"secretariat"})").status, 201);
  const std::string session = Login("sec2", "Hidden-pass-42");
  As("", "POST", T("/sessions"), R"({"login":"sec2","password":"Wrong-pass-42"})");
  As("", "POST", T("/password-resets"), R"({"email":"hanako@example.jp"})");
  const std::string reset = TokenFromOutbox("hanako@example.jp");
  As("", "PUT", T("/password-resets/" + reset), R"({"password":"Reset-pass-42"})");
  As(session, "GET", T("/members"));
  spdlog::set_default_logger(previous);
  const std::string log = captured.str();
  EXPECT_FALSE(log.empty());  // the access log did write
  for (const std::string& secret : {std::string("Hidden-pass-42"), std::string("Wrong-pass-42"),
                                    std::string("Reset-pass-42"), session, reset,
                                    std::string(kAdminToken)}) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(log.find(secret), std::string::npos) << "leaked: " << secret;
  }
}

}  // namespace
}  // namespace kaiin::http
