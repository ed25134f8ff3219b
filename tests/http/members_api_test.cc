// The members and configuration endpoints end to end (handlers, write model, log, projections).
#include <gtest/gtest.h>

#include <thread>

#include "tests/http/api_fixture.h"

namespace kaiin::http {
namespace {

class MembersApi : public ApiFixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(Call("PUT", "/v1/tenants/soc", R"({"name":"学会","timezone":"Asia/Tokyo"})").status, 201);
    ASSERT_EQ(Call("PUT", T("/member-types/regular"), R"({"name":"正会員"})").status, 201);
    ASSERT_EQ(Call("PUT", T("/member-types/student"), R"({"name":"学生会員"})").status, 201);
  }

  static std::string T(const std::string& path) { return "/v1/tenants/soc" + path; }

  // Applies and returns the new member id.
  std::string Apply(const std::string& email, const std::string& applied_on = "2026-04-01",
                    const std::string& family = "山田") {
    Response r = Call("POST", T("/members"),
                      R"({"email":")" + email + R"(","member_type":"regular","applied_on":")" +
                          applied_on + R"(","name":{"family":")" + family +
                          R"(","given":"太郎","family_kana":"ヤマダ","given_kana":"タロウ","romaji":"Yamada Taro"}})");
    EXPECT_EQ(r.status, 201) << r.body;
    const size_t at = r.body.find("\"member_id\":\"") + 13;
    return r.body.substr(at, r.body.find('"', at) - at);
  }

  Response Status(const std::string& id, const std::string& status, const std::string& date,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Call("POST", T("/members/" + id + "/status-changes"),
                R"({"status":")" + status + R"(","effective_date":")" + date + R"("})", headers);
  }

  // Reads after the tenant's head, so the projections have caught up.
  Response Get(const std::string& path) {
    const std::string sep = path.find('?') == std::string::npos ? "?" : "&";
    return Call("GET", T(path) + sep + "min_position=" + std::to_string(Head("soc")));
  }
};

TEST_F(MembersApi, ApplyAdmitAndReadTheMemberView) {
  const std::string id = Apply("taro@example.jp");
  Response view = Get("/members/" + id);
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_TRUE(Has(view, "\"status\":\"applying\""));
  EXPECT_TRUE(Has(view, "\"member_number\":null"));
  EXPECT_TRUE(Has(view, "\"balance\":{\"outstanding\":0,\"credit\":0}"));
  EXPECT_TRUE(Has(view, "\"version\":1"));
  EXPECT_EQ(Header(view, "ETag"), "\"1\"");
  ASSERT_EQ(Status(id, "active", "2026-04-01").status, 200);
  view = Get("/members/" + id);
  // M2: admitted on the application day, the applying entry is replaced.
  EXPECT_TRUE(Has(view, R"("status_history":[{"status":"active","effective_date":"2026-04-01"}])"))
      << view.body;
  EXPECT_TRUE(Has(view, "\"admitted_on\":\"2026-04-01\""));
  EXPECT_NE(Header(view, "X-Projection-Position"), std::nullopt);
  EXPECT_TRUE(IsProblem(Get("/members/m999999999"), 404, "not_found"));
}

TEST_F(MembersApi, M1_DuplicateEmailIsA409AndWritesNothing) {
  Apply("Taro@Example.jp");
  const uint64_t head = Head("soc");
  Response dup = Call("POST", T("/members"),
                      R"({"email":"taro@example.JP","member_type":"regular","applied_on":"2026-04-02","name":{"family":"佐藤"}})");
  EXPECT_TRUE(IsProblem(dup, 409, "email_in_use")) << dup.body;
  EXPECT_EQ(Head("soc"), head);
}

TEST_F(MembersApi, M1_ConcurrentApplicationsWithOneEmailCreateOneMember) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, refused{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      Response r = Call("POST", T("/members"),
                        R"({"email":"same@example.jp","member_type":"regular","applied_on":"2026-04-01","name":{"family":"同時"}})");
      if (r.status == 201) ++created;
      if (IsProblem(r, 409, "email_in_use")) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), 15);
}

TEST_F(MembersApi, M2_M7_StatusRulesAnswerWithTheirCodes) {
  const std::string id = Apply("a@example.jp", "2026-04-01");
  EXPECT_TRUE(IsProblem(Status(id, "on_leave", "2026-05-01"), 409, "invalid_transition"));
  ASSERT_EQ(Status(id, "active", "2026-04-10").status, 200);
  EXPECT_TRUE(IsProblem(Status(id, "on_leave", "2026-04-10"), 409, "status_date_conflict"));
  EXPECT_TRUE(IsProblem(Status(id, "sleeping", "2026-05-01"), 400, "validation_failed"));
  EXPECT_TRUE(IsProblem(Status(id, "on_leave", "2026-02-30"), 400, "validation_failed"));
  EXPECT_TRUE(IsProblem(Status("m999999999", "active", "2026-05-01"), 404, "not_found"));
}

TEST_F(MembersApi, M4_AFutureWithdrawalIsListedAsScheduled) {
  const std::string id = Apply("a@example.jp", "2026-04-01");
  ASSERT_EQ(Status(id, "active", "2026-04-01").status, 200);
  ASSERT_EQ(Status(id, "withdrawn", "2099-03-31").status, 200);
  Response view = Get("/members/" + id);
  EXPECT_TRUE(Has(view, "\"status\":\"active\"")) << view.body;
  EXPECT_TRUE(Has(view, R"("scheduled_changes":[{"kind":"status","status":"withdrawn","effective_date":"2099-03-31"}])"));
  // The list filters on the status of today.
  EXPECT_TRUE(Has(Get("/members?status=active"), id));
  EXPECT_FALSE(Has(Get("/members?status=withdrawn"), id));
}

TEST_F(MembersApi, IfMatchGuardsMemberCommands) {
  const std::string id = Apply("a@example.jp");
  EXPECT_TRUE(IsProblem(Status(id, "active", "2026-04-02", {{"if-match", "\"7\""}}), 412,
                        "version_conflict"));
  EXPECT_TRUE(IsProblem(Status(id, "active", "2026-04-02", {{"if-match", "x"}}), 400,
                        "validation_failed"));
  Response ok = Status(id, "active", "2026-04-02", {{"if-match", "\"1\""}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(Has(ok, "\"version\":2"));
}

TEST_F(MembersApi, M3_BulkStatusChangeIsAllOrNothing) {
  const std::string a = Apply("a@example.jp", "2018-09-20");
  const std::string b = Apply("b@example.jp", "2018-09-25");
  const uint64_t head = Head("soc");
  Response refused = Call("POST", T("/bulk-status-changes"),
                          R"({"member_ids":[")" + a + "\",\"" + b +
                              R"("],"status":"active","effective_date":"2018-09-25"})");
  EXPECT_TRUE(IsProblem(refused, 409, "status_date_conflict")) << refused.body;
  EXPECT_TRUE(Has(refused, "\"field\":\"member_ids[1]\""));
  EXPECT_EQ(Head("soc"), head);
  Response ok = Call("POST", T("/bulk-status-changes"),
                     R"({"member_ids":[")" + a + "\",\"" + b +
                         R"("],"status":"active","effective_date":"2018-09-26"})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(Has(ok, "\"changed\":2"));
}

TEST_F(MembersApi, M5_NumbersAutoAndExplicitAndNeverReused) {
  const std::string a = Apply("a@example.jp");
  const std::string b = Apply("b@example.jp");
  ASSERT_EQ(Status(b, "active", "2026-04-02").status, 200);
  ASSERT_EQ(Status(a, "active", "2026-04-03").status, 200);
  Response auto_ = Call("POST", T("/member-numbers"), R"({"auto":true})");
  ASSERT_EQ(auto_.status, 200) << auto_.body;
  EXPECT_TRUE(Has(auto_, R"("assigned":[{"member_id":")" + b + R"(","member_number":"1"},{"member_id":")" + a + R"(","member_number":"2"}])"))
      << auto_.body;
  const std::string c = Apply("c@example.jp");
  EXPECT_TRUE(IsProblem(Call("POST", T("/member-numbers"),
                             R"({"assignments":[{"member_id":")" + c + R"(","member_number":"1"}]})"),
                        409, "member_number_taken"));
  EXPECT_TRUE(IsProblem(Call("POST", T("/member-numbers"), R"({"auto":true,"assignments":[{"member_id":"x","member_number":"9"}]})"),
                        400, "validation_failed"));
  EXPECT_TRUE(Has(Get("/members?q=2"), a));  // searchable by number
  EXPECT_TRUE(Has(Get("/members?q=２"), a));  // typed in full width
}

TEST_F(MembersApi, PatchChangesProfileAndEmailWithUniqueness) {
  const std::string a = Apply("a@example.jp");
  Apply("b@example.jp");
  Response patch = Call("PATCH", T("/members/" + a),
                        R"({"address":{"postal_code":"100-0001","prefecture":"東京都","city":"千代田区"},"affiliation":"東大","payment_method":"bank_transfer","directory_visible":true})");
  ASSERT_EQ(patch.status, 200) << patch.body;
  Response view = Get("/members/" + a);
  EXPECT_TRUE(Has(view, "\"affiliation\":\"東大\""));
  EXPECT_TRUE(Has(view, "\"prefecture\":\"東京都\""));
  EXPECT_TRUE(Has(view, "\"payment_method\":\"bank_transfer\""));
  EXPECT_TRUE(IsProblem(Call("PATCH", T("/members/" + a), R"({"email":"B@example.jp"})"), 409,
                        "email_in_use"));
  EXPECT_TRUE(IsProblem(Call("PATCH", T("/members/" + a), R"({"payment_method":"bitcoin"})"), 400,
                        "validation_failed"));
  ASSERT_EQ(Call("PATCH", T("/members/" + a), R"({"email":"new@example.jp"})").status, 200);
  EXPECT_TRUE(Has(Get("/members?q=NEW@"), a));
  EXPECT_FALSE(Has(Get("/members?q=a@example"), a));
}

TEST_F(MembersApi, SearchByNameKanaEmailAndFiltersWithCursor) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Apply("p" + std::to_string(i) + "@example.jp", "2026-04-01", "佐藤"));
  const std::string other = Apply("q@example.jp", "2026-04-01", "鈴木");
  Response page1 = Get("/members?q=%E4%BD%90%E8%97%A4&limit=2");  // 佐藤
  ASSERT_EQ(page1.status, 200);
  EXPECT_TRUE(Has(page1, ids[0]) && Has(page1, ids[1]) && !Has(page1, ids[2]));
  EXPECT_TRUE(Has(page1, "\"next_cursor\":\"" + ids[1] + "\""));
  Response page3 = Get("/members?q=%E4%BD%90%E8%97%A4&limit=2&cursor=" + ids[3]);
  EXPECT_TRUE(Has(page3, ids[4]) && !Has(page3, other));
  EXPECT_TRUE(Has(page3, "\"next_cursor\":null"));
  EXPECT_TRUE(Has(Get("/members?q=%E3%83%A4%E3%83%9E%E3%83%80"), other));  // ヤマダ (kana)
  EXPECT_TRUE(Has(Get("/members?q=yamada%20taro"), other));                 // romaji, any case
  // The kana however typed or pasted: hiragana, half-width (a bank's payer name), full-width
  // romaji from an IME.
  EXPECT_TRUE(Has(Get("/members?q=やまだ"), other));
  EXPECT_TRUE(Has(Get("/members?q=ﾔﾏﾀﾞ%20ﾀﾛｳ"), other));
  EXPECT_TRUE(Has(Get("/members?q=ＹＡＭＡＤＡ"), other));
  EXPECT_FALSE(Has(Get("/members?q=やまざき"), other));
  // A name in a variant kanji is found as the usual one is typed, and the other way round.
  const std::string takahashi = Apply("t@example.jp", "2026-04-01", "髙橋");
  EXPECT_TRUE(Has(Get("/members?q=高橋"), takahashi));
  EXPECT_TRUE(Has(Get("/members?q=髙"), takahashi));
  EXPECT_FALSE(Has(Get("/members?q=高橋"), other));
  EXPECT_TRUE(Has(Get("/members?member_type=regular&limit=1000"), other));
  EXPECT_FALSE(Has(Get("/members?member_type=student"), other));
  EXPECT_TRUE(IsProblem(Get("/members?status=nope"), 400, "validation_failed"));
}

TEST_F(MembersApi, MemberTypeChangeAndTheHistoryFromTheLog) {
  const std::string a = Apply("a@example.jp");
  Response change = Call("POST", T("/members/" + a + "/member-type-changes"),
                         R"({"member_type":"student","effective_date":"2026-05-01"})");
  ASSERT_EQ(change.status, 200) << change.body;
  EXPECT_TRUE(IsProblem(Call("POST", T("/members/" + a + "/member-type-changes"),
                             R"({"member_type":"honorary","effective_date":"2026-06-01"})"),
                        409, "unknown_member_type"));
  EXPECT_TRUE(Has(Get("/members/" + a), "\"member_type\":\"student\""));
  Response history = Call("GET", T("/members/" + a + "/history"));
  ASSERT_EQ(history.status, 200);
  EXPECT_TRUE(Has(history, "\"type\":\"MemberApplied\""));
  EXPECT_TRUE(Has(history, "\"type\":\"MemberTypeChanged\""));
  EXPECT_TRUE(Has(history, "\"actor\":\"admin\""));
  EXPECT_TRUE(IsProblem(Call("GET", T("/members/m999999999/history")), 404, "not_found"));
}

TEST_F(MembersApi, FeeSchedulesAndMemberTypesAreReadable) {
  ASSERT_EQ(Call("PUT", T("/fee-schedules/2026"), R"({"fees":{"regular":15000,"student":5000}})").status, 200);
  EXPECT_TRUE(IsProblem(Call("PUT", T("/fee-schedules/2026"), R"({"fees":{"regular":-5}})"), 400,
                        "validation_failed"));
  EXPECT_TRUE(IsProblem(Call("PUT", T("/fee-schedules/2026"), R"({"fees":{"emeritus":0}})"), 409,
                        "unknown_member_type"));
  EXPECT_TRUE(IsProblem(Call("PUT", T("/fee-schedules/20x6"), R"({"fees":{"regular":1}})"), 400,
                        "validation_failed"));
  EXPECT_EQ(Get("/fee-schedules/2026").body, R"({"fiscal_year":2026,"fees":{"regular":15000,"student":5000}})");
  EXPECT_TRUE(IsProblem(Get("/fee-schedules/2030"), 404, "not_found"));
  EXPECT_TRUE(Has(Get("/member-types"), R"({"code":"student","name":"学生会員","kind":"individual"})"));
  EXPECT_EQ(Call("PUT", T("/member-types/regular"), R"({"name":"正会員"})").status, 200);
  EXPECT_TRUE(IsProblem(Call("PUT", T("/member-types/Bad-Code"), R"({"name":"x"})"), 400, "validation_failed"));
}

TEST_F(MembersApi, ImportIsAllOrNothingAndIdempotent) {
  const std::string ok = R"({"members":[
    {"email":"i1@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","member_number":"1001","name":{"family":"一"}},
    {"email":"i2@example.jp","member_type":"student","applied_on":"2021-04-01","admitted_on":"2021-05-01","name":{"family":"二"},"address":{"prefecture":"大阪府"}}]})";
  const std::vector<std::pair<std::string, std::string>> key{{"idempotency-key", "import-1"}};
  Response first = Call("POST", T("/member-imports"), ok, key);
  ASSERT_EQ(first.status, 201) << first.body;
  const uint64_t head = Head("soc");
  Response again = Call("POST", T("/member-imports"), ok, key);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Head("soc"), head);
  Response dup = Call("POST", T("/member-imports"),
                      R"({"members":[{"email":"i3@example.jp","member_type":"regular","applied_on":"2020-04-01","name":{"family":"三"}},
                                     {"email":"I1@example.jp","member_type":"regular","applied_on":"2020-04-01","name":{"family":"四"}}]})");
  EXPECT_TRUE(IsProblem(dup, 409, "email_in_use")) << dup.body;
  EXPECT_TRUE(Has(dup, "\"field\":\"members[1].email\""));
  EXPECT_EQ(Head("soc"), head);
  EXPECT_TRUE(Has(Get("/members?q=1001"), "\"status\":\"active\""));
}

TEST_F(MembersApi, BadBodiesNameTheirFields) {
  Response r = Call("POST", T("/members"), R"({"email":"not-an-email","member_type":"regular","applied_on":"2026-13-01","name":{"given":"x","extra":1}})");
  ASSERT_TRUE(IsProblem(r, 400, "validation_failed")) << r.body;
  for (const char* field : {"applied_on", "name.family", "name.extra"}) {
    EXPECT_TRUE(Has(r, std::string("\"field\":\"") + field + "\"")) << field << " " << r.body;
  }
  Response email = Call("POST", T("/members"), R"({"email":"not-an-email","member_type":"regular","applied_on":"2026-04-01","name":{"family":"x"}})");
  EXPECT_TRUE(Has(email, "\"field\":\"email\"")) << email.body;
  EXPECT_TRUE(IsProblem(Call("POST", "/v1/tenants/nobody/members", "{}"), 404, "not_found"));
}

TEST_F(MembersApi, TheWriteModelSurvivesARestart) {
  const std::string a = Apply("a@example.jp");
  tenants_.CloseAll();
  ASSERT_TRUE(tenants_.OpenAll().ok());
  Response dup = Call("POST", T("/members"),
                      R"({"email":"A@example.jp","member_type":"regular","applied_on":"2026-04-02","name":{"family":"x"}})");
  EXPECT_TRUE(IsProblem(dup, 409, "email_in_use"));
  EXPECT_EQ(Apply("b@example.jp"), "m000000002");
}

}  // namespace
}  // namespace kaiin::http
