// Billing and payments end to end through the API, including the seed FAQ's procedures
// (../shared/seeds/003: 請求に関すること / 入金に関すること). Each test ends with the auditor's
// verify over the live data folder: hash chain, ledger invariants, projections rebuilt equal.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "commands/model_codec.h"
#include "ledger/data_layout.h"
#include "tests/http/billing_api_fixture.h"

namespace kaiin::http {
namespace {

TEST_F(BillingApi, ABatchBillsConfirmsAndReportsExclusions) {
  ASSERT_EQ(Call("POST", T("/members/" + hanako_ + "/status-changes"),
                 R"({"status":"withdrawn","effective_date":"2026-03-31"})").status, 200);
  Response batch = Call("POST", T("/invoice-batches"),
                        R"({"fiscal_year":2026,"category":"annual","title":"2026年度年会費","issue_date":"2026-03-01","due_date":"2026-05-31"})");
  ASSERT_EQ(batch.status, 201) << batch.body;
  EXPECT_TRUE(Has(batch, "\"invoice_count\":1"));
  EXPECT_TRUE(Has(batch, "\"total_amount\":15000"));
  EXPECT_TRUE(Has(batch, R"("excluded":[{"member_id":")" + hanako_ + R"(","reason":"withdrawn_before_billing_start"}])"));
  const std::string batch_id = Field(batch.body, "batch_id");
  Response draft = Get("/members/" + taro_ + "/invoices");
  EXPECT_TRUE(Has(draft, "\"confirmed\":false"));  // B6
  EXPECT_TRUE(Has(draft, "\"member_snapshot\":{\"member_type\":\"regular\",\"name\":{\"family\":\"山田\""));
  EXPECT_TRUE(Has(Get("/members/" + taro_), R"("balance":{"outstanding":0,"credit":0})"));
  ASSERT_EQ(Call("POST", T("/invoice-batches/" + batch_id + "/confirm"), "").status, 200);
  EXPECT_TRUE(Has(Get("/members/" + taro_), R"("balance":{"outstanding":15000,"credit":0})"));
  Response list = Get("/invoice-batches");
  EXPECT_TRUE(Has(list, "\"status\":\"confirmed\"")) << list.body;
  EXPECT_TRUE(Has(list, "\"outstanding\":15000"));
  EXPECT_TRUE(IsProblem(Call("POST", T("/invoice-batches"),
                             R"({"fiscal_year":2030,"category":"annual","title":"x","issue_date":"2030-04-01","due_date":"2030-05-01"})"),
                        409, "fee_schedule_missing"));
}

TEST_F(BillingApi, P8_PaymentsNeedAnIdempotencyKeyAndARetryRecordsNothing) {
  Bill(taro_, 2026);
  Response no_key = Call("POST", T("/payments"),
                         R"({"member_id":"m000000001","amount":15000,"method":"bank_transfer","received_on":"2026-05-01"})");
  EXPECT_TRUE(IsProblem(no_key, 400, "idempotency_key_required"));
  Response first = Pay(taro_, 15000, R"("allocation":"oldest_first")", "bank_transfer", "gw-1");
  ASSERT_EQ(first.status, 201) << first.body;
  const uint64_t head = Head("soc");
  Response retry = Pay(taro_, 15000, R"("allocation":"oldest_first")", "bank_transfer", "gw-1");
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(Head("soc"), head);
  EXPECT_TRUE(IsProblem(Pay(taro_, 9999, R"("allocation":"none")", "bank_transfer", "gw-1"), 409,
                        "idempotency_key_reused"));
}

TEST_F(BillingApi, P2_CardPaymentsCannotOverpayAndDraftsCannotBePaid) {
  const std::string inv = Bill(taro_, 2026);
  EXPECT_TRUE(IsProblem(Pay(taro_, 20000, R"("allocation":"oldest_first")", "credit_card"), 409,
                        "amount_exceeds_invoice"));
  EXPECT_TRUE(IsProblem(Pay(taro_, 100, R"("allocations":[{"invoice_id":")" + inv + R"(","amount":20000}])"),
                        409, "allocation_exceeds_outstanding"));
  EXPECT_TRUE(IsProblem(Pay(taro_, 100, R"("method2":"x")"), 400, "validation_failed"));
  Response draft = Call("POST", T("/invoice-batches"),
                        R"({"fiscal_year":2025,"category":"annual","title":"x","issue_date":"2025-04-01","due_date":"2025-05-01","member_ids":["m000000002"]})");
  const std::string draft_invoice = Field(Get("/members/" + hanako_ + "/invoices").body, "invoice_id");
  EXPECT_TRUE(IsProblem(Pay(hanako_, 15000, R"("allocations":[{"invoice_id":")" + draft_invoice + R"(","amount":15000}])"),
                        409, "invoice_not_confirmed")) << draft.body;
}

TEST_F(BillingApi, P1_EveryMethodOfTheSeedIsRecordedAndNoOther) {
  const std::string inv = Bill(taro_, 2026);
  const std::vector<std::string> methods = {
      "credit_card",  "credit_card_recurring", "bank_check", "bank_transfer", "postal_transfer",
      "direct_debit", "convenience_store",     "cash",       "other"};
  for (const std::string& method : methods) {
    Response paid = Pay(taro_, 1000, R"("allocation":"oldest_first")", method);
    ASSERT_EQ(paid.status, 201) << method << " " << paid.body;
    EXPECT_EQ(Field(Get("/payments/" + Field(paid.body, "payment_id")).body, "method"), method);
  }
  const uint64_t head = Head("soc");
  for (const std::string method : {"bitcoin", "Cash", "", "bank transfer"}) {
    EXPECT_TRUE(IsProblem(Pay(taro_, 1000, R"("allocation":"oldest_first")", method), 400,
                          "validation_failed"))
        << method;
  }
  EXPECT_EQ(Head("soc"), head);
  // Each method is a cash account of its own in the books.
  const std::string books = Get("/trial-balance").body;
  for (const std::string& method : methods) {
    EXPECT_NE(books.find(R"({"account":"cash:)" + method + R"(","debit":1000,"credit":0,)"),
              std::string::npos)
        << method << "\n"
        << books;
  }
  EXPECT_EQ(Field(Get("/invoices/" + inv).body, "status"), "partially_paid");
}

TEST_F(BillingApi, L2_NoReceivableOrCreditGoesBelowZeroAndARefusalWritesNothing) {
  const std::string inv = Bill(taro_, 2026);
  Response credit = Pay(hanako_, 15000, R"("allocation":"none")");
  ASSERT_EQ(credit.status, 201) << credit.body;
  const std::string hanako_inv = Bill(hanako_, 2026);
  ASSERT_EQ(Call("POST", T("/members/" + hanako_ + "/credit-applications"),
                 R"({"invoice_id":")" + hanako_inv + R"(","amount":15000})")
                .status,
            201);
  const uint64_t head = Head("soc");
  // Taro's receivable below 0: more allocated than is owed.
  EXPECT_TRUE(IsProblem(
      Pay(taro_, 20000, R"("allocations":[{"invoice_id":")" + inv + R"(","amount":20000}])"), 409,
      "allocation_exceeds_outstanding"));
  // Taro's credit below 0: credit he does not have applied.
  EXPECT_TRUE(IsProblem(Call("POST", T("/members/" + taro_ + "/credit-applications"),
                             R"({"invoice_id":")" + inv + R"(","amount":1})"),
                        409, "insufficient_credit"));
  // Hanako's credit below 0: her payment reversed after its credit paid her invoice.
  EXPECT_TRUE(
      IsProblem(Call("POST", T("/payments/" + Field(credit.body, "payment_id") + "/reversal"),
                     R"({"reason":"返金"})"),
                409, "insufficient_credit"));
  EXPECT_EQ(Head("soc"), head);
  // The balances as they were: taro owes 15000, hanako owes nothing and holds nothing.
  EXPECT_NE(Get("/members/" + taro_).body.find(R"("balance":{"outstanding":15000,"credit":0})"),
            std::string::npos);
  EXPECT_NE(Get("/members/" + hanako_).body.find(R"("balance":{"outstanding":0,"credit":0})"),
            std::string::npos);
}

// FAQ: 正会員で年会費請求した後に、今年度も学生会員のままであることが分かりました (入金後).
// ①入金履歴削除 → ②請求取消 → ③会員種別変更 → ④請求作成 → ⑤入金情報登録 → the over-payment stays
// as credit and pays next year's dues.
TEST_F(BillingApi, FAQ_StudentBilledAsRegularAfterPayment) {
  const std::string wrong = Bill(taro_, 2025);
  Response paid = Pay(taro_, 15000, R"("allocation":"oldest_first")");
  ASSERT_EQ(paid.status, 201);
  const std::string payment = Field(paid.body, "payment_id");
  ASSERT_EQ(Call("POST", T("/payments/" + payment + "/reversal"), R"({"reason":"入金履歴削除"})").status, 200);
  ASSERT_EQ(Call("POST", T("/invoices/" + wrong + "/cancel"), R"({"reason":"会員種別誤り"})").status, 200);
  ASSERT_EQ(Call("POST", T("/members/" + taro_ + "/member-type-changes"),
                 R"({"member_type":"student","effective_date":"2025-04-01"})").status, 200);
  const std::string right = Bill(taro_, 2025);
  Response repaid = Pay(taro_, 15000, R"("allocation":"oldest_first")");
  ASSERT_EQ(repaid.status, 201);
  EXPECT_TRUE(Has(repaid, "\"unallocated\":10000"));
  EXPECT_EQ(Status(right), "paid");
  EXPECT_EQ(Status(wrong), "cancelled");
  EXPECT_TRUE(Has(Get("/invoices/" + right), "\"amount\":5000"));
  EXPECT_TRUE(Has(Get("/members/" + taro_), R"("balance":{"outstanding":0,"credit":10000})"));
  const std::string next = Bill(taro_, 2026);  // student fee 5000
  ASSERT_EQ(Call("POST", T("/members/" + taro_ + "/credit-applications"),
                 R"({"invoice_id":")" + next + R"(","amount":5000})").status, 201);
  EXPECT_EQ(Status(next), "paid");
  EXPECT_TRUE(Has(Get("/members/" + taro_), R"("balance":{"outstanding":0,"credit":5000})"));
}

// FAQ: 間違えて多く入金されました → the over-payment carried to next year.
TEST_F(BillingApi, FAQ_OverpaymentIsCarriedToNextYear) {
  Bill(taro_, 2025);
  Response paid = Pay(taro_, 20000, R"("allocation":"oldest_first")", "bank_check");
  ASSERT_EQ(paid.status, 201);
  EXPECT_TRUE(Has(paid, "\"unallocated\":5000"));
  const std::string next = Bill(taro_, 2026);
  EXPECT_TRUE(IsProblem(Call("POST", T("/members/" + taro_ + "/credit-applications"),
                             R"({"invoice_id":")" + next + R"(","amount":6000})"),
                        409, "insufficient_credit"));
  ASSERT_EQ(Call("POST", T("/members/" + taro_ + "/credit-applications"),
                 R"({"invoice_id":")" + next + R"(","amount":5000})").status, 201);
  EXPECT_EQ(Status(next), "partially_paid");
  EXPECT_TRUE(Has(Get("/members/" + taro_), R"("balance":{"outstanding":10000,"credit":0})"));
}

// FAQ: 会員から複数年会費まとめて支払いたい (オフライン) — one payment split across two years (P7).
TEST_F(BillingApi, FAQ_LumpPaymentForTwoUnpaidYearsIsSplitAcrossThem) {
  const std::string y2025 = Bill(taro_, 2025);
  const std::string y2026 = Bill(taro_, 2026);
  Response paid = Pay(taro_, 30000, R"("allocation":"oldest_first")", "postal_transfer");
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_TRUE(Has(paid, R"("allocations":[{"invoice_id":")" + y2025 + R"(","fiscal_year":2025,"amount":15000},{"invoice_id":")" + y2026 + R"(","fiscal_year":2026,"amount":15000}])"));
  EXPECT_EQ(Status(y2025), "paid");
  EXPECT_EQ(Status(y2026), "paid");
  Response payment = Get("/payments/" + Field(paid.body, "payment_id"));
  EXPECT_TRUE(Has(payment, "\"unallocated\":0"));
  EXPECT_TRUE(Has(payment, "\"method\":\"postal_transfer\""));
}

// FAQ: 複数年度未入金…最新年度に入金があったため、古い年度に割り当てたい (オフライン): one reallocation.
TEST_F(BillingApi, FAQ_PaymentMovedToTheOldestUnpaidYear) {
  const std::string y2025 = Bill(taro_, 2025);
  const std::string y2026 = Bill(taro_, 2026);
  Response paid = Pay(taro_, 15000, R"("allocations":[{"invoice_id":")" + y2026 + R"(","amount":15000}])");
  ASSERT_EQ(paid.status, 201);
  const std::string payment = Field(paid.body, "payment_id");
  Response moved = Call("POST", T("/payments/" + payment + "/reallocation"),
                        R"({"allocations":[{"invoice_id":")" + y2025 + R"(","amount":15000}],"reason":"古い年度へ"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(Status(y2025), "paid");
  EXPECT_EQ(Status(y2026), "unpaid");
  Response history = Get("/payments/" + payment);
  EXPECT_TRUE(Has(history, "\"kind\":\"released\",\"invoice_id\":\"" + y2026 + "\""));
  EXPECT_TRUE(Has(history, "\"kind\":\"allocated\",\"invoice_id\":\"" + y2025 + "\""));
}

// FAQ: 請求が取り消せません → 入金履歴を削除してから請求を取消す.
TEST_F(BillingApi, FAQ_CancellingAPaidInvoiceIsRefusedThenAllowedAfterReversal) {
  const std::string inv = Bill(taro_, 2026);
  const std::string payment = Field(Pay(taro_, 15000, R"("allocation":"oldest_first")").body, "payment_id");
  const uint64_t head = Head("soc");
  EXPECT_TRUE(IsProblem(Call("POST", T("/invoices/" + inv + "/cancel"), R"({"reason":"x"})"), 409,
                        "invoice_has_payments"));
  EXPECT_TRUE(IsProblem(Call("POST", T("/invoice-cancellations"), R"({"invoice_ids":[")" + inv + R"("]})"),
                        409, "invoice_has_payments"));
  EXPECT_EQ(Head("soc"), head);
  ASSERT_EQ(Call("POST", T("/payments/" + payment + "/reversal"), R"({"reason":"入金履歴削除"})").status, 200);
  EXPECT_TRUE(IsProblem(Call("POST", T("/payments/" + payment + "/reversal"), "{}"), 409,
                        "payment_already_reversed"));
  ASSERT_EQ(Call("POST", T("/invoices/" + inv + "/cancel"), R"({"reason":"取消"})").status, 200);
  EXPECT_EQ(Status(inv), "cancelled");
  EXPECT_TRUE(IsProblem(Call("PATCH", T("/invoices/" + inv), R"({"title":"x"})"), 409, "invoice_cancelled"));
  EXPECT_TRUE(Has(Get("/members/" + taro_), R"("balance":{"outstanding":0,"credit":0})"));
  EXPECT_TRUE(Has(Get("/payments/" + payment), "\"reversed\":true"));
}

TEST_F(BillingApi, AdjustmentsAndTitles) {
  ASSERT_EQ(Call("POST", T("/members/" + taro_ + "/adjustments"),
                 R"({"kind":"one_time","amount":-3000,"reason":"減額"})").status, 201);
  const std::string inv = Bill(taro_, 2026);
  EXPECT_TRUE(Has(Get("/invoices/" + inv), "\"amount\":12000"));
  Response adjusted = Call("POST", T("/invoices/" + inv + "/adjustments"), R"({"amount":-2000,"reason":"減額"})");
  ASSERT_EQ(adjusted.status, 201) << adjusted.body;
  EXPECT_TRUE(Has(adjusted, "\"amount\":10000"));
  EXPECT_TRUE(IsProblem(Call("POST", T("/invoices/" + inv + "/adjustments"), R"({"amount":-20000})"), 409,
                        "invoice_amount_negative"));
  Pay(taro_, 10000, R"("allocation":"oldest_first")");
  ASSERT_EQ(Call("PATCH", T("/invoices/" + inv), R"({"title":"2026年度 年会費"})").status, 200);  // B7
  EXPECT_TRUE(Has(Get("/invoices/" + inv), "\"title\":\"2026年度 年会費\""));
  EXPECT_TRUE(IsProblem(Call("POST", T("/members/" + taro_ + "/adjustments"), R"({"kind":"forever","amount":1})"),
                        400, "validation_failed"));
  EXPECT_TRUE(IsProblem(Get("/invoices/i999999999"), 404, "not_found"));
  EXPECT_TRUE(IsProblem(Get("/payments/p999999999"), 404, "not_found"));
}

// A clean stop leaves a snapshot of the write model in the log; the next start loads it and
// replays only what came after (none, or the tail a stop without a snapshot left). Each time the
// model equals the whole log replayed, and commands go on as if nothing happened.
// 入金一覧: the payments received in a span of days, by day and then in the order recorded,
// reversed ones marked, filtered by method, in pages whose cursor gives every payment once.
TEST_F(BillingApi, PaymentsAreListedByTheDayTheyWereReceived) {
  auto pay = [&](const std::string& member, int amount, const std::string& method,
                 const std::string& day) {
    Response r = Call("POST", T("/payments"),
                      R"({"member_id":")" + member + R"(","amount":)" + std::to_string(amount) +
                          R"(,"method":")" + method + R"(","received_on":")" + day +
                          R"(","payer_name":"ﾔﾏﾀﾞ ﾀﾛｳ","allocation":"none"})",
                      {{"idempotency-key", member + day + std::to_string(amount)}});
    EXPECT_EQ(r.status, 201) << r.body;
    return Field(r.body, "payment_id");
  };
  const std::string p1 = pay(taro_, 1000, "bank_transfer", "2026-05-03");
  const std::string p2 = pay(hanako_, 2000, "cash", "2026-05-01");
  const std::string p3 = pay(taro_, 3000, "bank_transfer", "2026-05-01");
  const std::string p4 = pay(hanako_, 4000, "cash", "2026-06-01");
  ASSERT_EQ(Call("POST", T("/payments/" + p3 + "/reversal"), R"({"reason":"二重登録"})").status,
            200);
  auto ids = [](const Response& r) {
    std::vector<std::string> out;
    for (size_t at = 0; (at = r.body.find("\"payment_id\":\"", at)) != std::string::npos;) {
      at += 14;
      out.push_back(r.body.substr(at, r.body.find('"', at) - at));
    }
    return out;
  };
  using Ids = std::vector<std::string>;
  // Every payment: by day received, then by id (p2 and p3 on 05-01, recorded in that order).
  Response all = Get("/payments");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(ids(all), (Ids{p2, p3, p1, p4}));
  EXPECT_TRUE(Has(all, R"("next_cursor":null)"));
  // One day, with what the list tells of each payment (no allocation history).
  Response day = Get("/payments?received_from=2026-05-01&received_to=2026-05-01");
  EXPECT_EQ(ids(day), (Ids{p2, p3}));
  EXPECT_TRUE(Has(
      day,
      R"("payment_id":")" + p3 + R"(","member_id":")" + taro_ +
          R"(","amount":3000,"method":"bank_transfer","received_on":"2026-05-01","payer_name":"ﾔﾏﾀﾞ ﾀﾛｳ","settlement_number":"","memo":"","reversed":true,"reversal_reason":"二重登録","allocations":[],"unallocated":0})"))
      << day.body;
  EXPECT_FALSE(Has(day, "allocation_history"));
  EXPECT_EQ(ids(Get("/payments?received_from=2026-05-02")), (Ids{p1, p4}));
  EXPECT_EQ(ids(Get("/payments?received_to=2026-05-31")), (Ids{p2, p3, p1}));
  EXPECT_EQ(ids(Get("/payments?method=cash")), (Ids{p2, p4}));
  EXPECT_EQ(ids(Get("/payments?received_from=2026-07-01")), Ids{});
  // Pages of one: the cursor walks the list once, in order, then says there is no more.
  Ids walked;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    Response r = Get("/payments?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    for (const std::string& id : ids(r)) walked.push_back(id);
    if (Has(r, R"("next_cursor":null)")) break;
    cursor = Field(r.body, "next_cursor");
    ASSERT_FALSE(cursor.empty()) << r.body;
  }
  EXPECT_EQ(walked, (Ids{p2, p3, p1, p4}));
  // A cursor from before the span does not reach back out of it.
  EXPECT_EQ(ids(Get("/payments?received_from=2026-05-02&cursor=2026-05-01/" + p2)), (Ids{p1, p4}));
  EXPECT_EQ(ids(Get("/payments?cursor=2026-05-01/" + p2)), (Ids{p3, p1, p4}));
  // Bad queries are refused by field.
  for (const char* bad : {"received_from=2026-02-30", "received_to=x", "method=bitcoin",
                          "cursor=p000000001", "cursor=2026-05-01/", "limit=0"}) {
    EXPECT_TRUE(IsProblem(Get(std::string("/payments?") + bad), 400, "validation_failed")) << bad;
  }
}

TEST_F(BillingApi, TheWriteModelComesBackFromItsSnapshot) {
  auto replayed = [this] {
    commands::TenantModel m;
    EXPECT_TRUE(commands::Replay(tenants_.Find("soc")->log(), 0, Head("soc"), &m).ok());
    return m;
  };
  const std::string inv = Bill(taro_, 2026);
  ASSERT_EQ(Pay(taro_, 20000, R"("allocation":"oldest_first")", "bank_transfer", "snap-1").status, 201);
  ASSERT_EQ(Call("POST", T("/members/" + hanako_ + "/adjustments"),
                 R"({"kind":"permanent","amount":-1000,"reason":"減額"})").status, 201);
  const uint64_t h1 = Head("soc");
  tenants_.CloseAll();
  ASSERT_TRUE(tenants_.OpenAll().ok());
  EXPECT_EQ(tenants_.Find("soc")->snapshot_position(), h1);
  EXPECT_TRUE(tenants_.Find("soc")->model() == replayed());

  // Commands carry on from the snapshot: the next invoice and payment ids, the adjustment, the
  // idempotency of a payment made before the stop.
  Response again = Pay(taro_, 20000, R"("allocation":"oldest_first")", "bank_transfer", "snap-1");
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(Head("soc"), h1);  // answered from its key: nothing written
  const std::string inv2 = Bill(hanako_, 2026);
  EXPECT_NE(inv2, inv);
  EXPECT_TRUE(Has(Get("/invoices/" + inv2), "\"amount\":14000"));
  ASSERT_EQ(Pay(hanako_, 5000, R"("allocation":"none")").status, 201);
  const uint64_t h2 = Head("soc");
  ASSERT_GT(h2, h1);

  // A stop after a failed write writes no snapshot: the next start takes the old one and the
  // events after it.
  tenants_.Find("soc")->CommandFailed(Status::Unavailable("storage_unavailable", "test"));
  tenants_.CloseAll();
  ASSERT_TRUE(tenants_.OpenAll().ok());
  EXPECT_EQ(tenants_.Find("soc")->snapshot_position(), h1);
  EXPECT_TRUE(tenants_.Find("soc")->model() == replayed());
  EXPECT_EQ(Status(inv), "paid");

  // An event written past the model (straight to the log, as no server does) leaves the model
  // behind the head: no snapshot is taken of it.
  ledger::CommandMeta meta;
  meta.actor = "test";
  ASSERT_TRUE(tenants_.Find("soc")->log().Append(meta, {"tenant-soc", ledger::kAnyVersion,
      {{events::TenantConfigured{"学会", 4, "Asia/Tokyo"}, 0, 0}}}).ok());
  tenants_.CloseAll();
  ASSERT_TRUE(tenants_.OpenAll().ok());
  EXPECT_EQ(tenants_.Find("soc")->snapshot_position(), h1);
  EXPECT_TRUE(tenants_.Find("soc")->model() == replayed());
  // The auditor's verify (TearDown) checks the snapshot against the log too.
  replay::TenantReport report;
  ASSERT_TRUE(replay::VerifyTenant(dir_.path(), "soc", dir_.Sub("verify-snapshot"), &report).ok());
  EXPECT_EQ(report.snapshot, "at " + std::to_string(h1) + ": equal to the log replayed to it");
}

// A society whose write model is saved every two events while it runs.
// Snapshots while running, encoded by a child process (the default) and on the writer.
class PeriodicSnapshotApi : public BillingApi, public ::testing::WithParamInterface<bool> {
 protected:
  PeriodicSnapshotApi() : BillingApi(Options(GetParam())) {}
  static TenantOptions Options(bool in_child) {
    TenantOptions o;
    o.snapshot_every_events = 2;
    o.snapshot_quiet = std::chrono::milliseconds(0);
    o.snapshot_in_child = in_child;
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(EncodedBy, PeriodicSnapshotApi, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "AChild" : "TheWriter"; });

TEST_P(PeriodicSnapshotApi, SnapshotsTakenWhileRunningHoldTheLogUpToTheirPosition) {
  Tenant* t = tenants_.Find("soc");
  Bill(taro_, 2026);
  ASSERT_EQ(Pay(taro_, 20000, R"("allocation":"oldest_first")").status, 201);
  ASSERT_EQ(Pay(hanako_, 3000, R"("allocation":"none")").status, 201);
  // Snapshots come from a thread of their own, when the writer has nothing queued: pay on until
  // one covers the above.
  const uint64_t target = Head("soc");
  uint64_t at = 0;
  std::string bytes;
  for (int i = 0; i < 500; ++i) {
    Result<bool> found = t->log().LatestSnapshot(&at, &bytes);
    ASSERT_TRUE(found.ok());
    if (*found && at >= target) break;
    ASSERT_EQ(Pay(hanako_, 100, R"("allocation":"none")").status, 201);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(at, target);
  // The snapshot thread counts a snapshot after its write returns: the write can be seen first.
  for (int i = 0; i < 500 && t->snapshots_taken() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(t->snapshots_taken(), 1u);
  commands::TenantModel saved, replayed;
  ASSERT_TRUE(commands::DecodeModel(bytes, &saved).ok());
  ASSERT_TRUE(commands::Replay(t->log(), 0, at, &replayed).ok());
  EXPECT_EQ(saved.position, at);
  EXPECT_TRUE(saved == replayed);

  // An event written past the model (straight to the log, as no server does): the next command
  // reloads the model before it decides, and the snapshots after it hold that event too.
  ledger::CommandMeta meta;
  meta.actor = "test";
  ASSERT_TRUE(t->log().Append(meta, {"tenant-soc", ledger::kAnyVersion,
      {{events::TenantConfigured{"学会", 4, "Asia/Tokyo"}, 0, 0}}}).ok());
  const uint64_t past = Head("soc");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Pay(hanako_, 1000, R"("allocation":"none")").status, 201);
  }
  tenants_.CloseAll();
  ASSERT_TRUE(tenants_.OpenAll().ok());
  EXPECT_GT(tenants_.Find("soc")->snapshot_position(), past);
  commands::TenantModel all;
  ASSERT_TRUE(commands::Replay(tenants_.Find("soc")->log(), 0, Head("soc"), &all).ok());
  EXPECT_TRUE(tenants_.Find("soc")->model() == all);
}

// A log that takes at most 6 events per command: a batch drafts 2 per invoice and 1 of its own,
// so at most 2 invoices; a larger one is refused with a clear problem and writes nothing.
class BatchLimitApi : public BillingApi {
 protected:
  BatchLimitApi() : BillingApi(Options()) {}
  static TenantOptions Options() {
    TenantOptions o;
    o.command_events_max = 6;
    return o;
  }
};

TEST_F(BatchLimitApi, B2_ABatchOverTheCommandLimitIsRefusedBeforeAnythingIsWritten) {
  ASSERT_EQ(Call("POST", T("/member-imports"), R"({"members":[
      {"email":"jiro@example.jp","member_type":"student","applied_on":"2020-04-01","admitted_on":"2020-04-01","name":{"family":"鈴木","given":"次郎"}}]})").status,
            201);
  const uint64_t head = Head("soc");
  const std::string batch = R"({"fiscal_year":2026,"category":"annual","title":"年会費","issue_date":"2026-04-01","due_date":"2026-06-30")";
  Response refused = Call("POST", T("/invoice-batches"), batch + "}");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find(R"("code":"batch_too_large")"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("at most 2"), std::string::npos) << refused.body;
  EXPECT_EQ(Head("soc"), head);
  Response two = Call("POST", T("/invoice-batches"), batch + R"(,"exclude_member_types":["student"]})");
  EXPECT_EQ(two.status, 201) << two.body;
  EXPECT_NE(two.body.find(R"("invoice_count":2)"), std::string::npos) << two.body;
}

// A society whose projections are rebuilt the bulk way whenever they start from 0.
class BulkRebuildApi : public BillingApi {
 protected:
  BulkRebuildApi() : BillingApi(Options()) {}
  static TenantOptions Options() {
    TenantOptions o;
    o.projection_bulk_events_min = 1;
    return o;
  }

  // Every read model's answer for the society's two members, by query.
  std::map<std::string, std::string> ReadEverything() {
    std::map<std::string, std::string> out;
    const std::vector<std::string> queries = {
        "/members/" + taro_, "/members/" + hanako_,
        "/members/" + taro_ + "/invoices?include_settled=true",
        "/members/" + hanako_ + "/invoices?include_settled=true", "/members/" + taro_ + "/ledger",
        "/members/" + hanako_ + "/ledger", "/members/" + hanako_ + "/history", "/members?limit=10",
        "/members?q=佐藤", "/members?q=鈴木", "/arrears", "/fiscal-years/2025/summary",
        "/fiscal-years/2026/summary", "/invoice-batches", "/event-counts",
        "/exports/member-billing.csv?fiscal_year=2026"};
    for (const std::string& q : queries) {
      Response r = Get(q);
      EXPECT_EQ(r.status, 200) << q << " " << r.body;
      out[q] = r.body;
    }
    return out;
  }
};

// kaiind started on a data folder whose projection store is gone (or told to rebuild one)
// rebuilds it from the log in bulk and answers every query as before (A2).
TEST_F(BulkRebuildApi, ALostProjectionStoreIsRebuiltInBulkAndAnswersAsBefore) {
  Bill(taro_, 2025);
  const std::string inv = Bill(taro_, 2026);
  Bill(hanako_, 2026);
  ASSERT_EQ(Pay(taro_, 20000, R"("allocation":"oldest_first")").status, 201);
  Response credit = Pay(hanako_, 7000, R"("allocation":"none")");
  ASSERT_EQ(credit.status, 201) << credit.body;
  ASSERT_EQ(Call("POST", T("/payments/" + Field(credit.body, "payment_id") + "/reversal"), "{}").status, 200);
  ASSERT_EQ(Call("PATCH", T("/members/" + hanako_),
                 R"({"name":{"family":"鈴木","given":"花子"}})").status, 200);  // index keys move
  const auto before = ReadEverything();
  ASSERT_NE(before.at("/members?q=鈴木").find(hanako_), std::string::npos);
  ASSERT_EQ(before.at("/members?q=佐藤").find(hanako_), std::string::npos);

  tenants_.CloseAll();
  std::filesystem::remove_all(ledger::TenantProjectionsPath(dir_.path(), "soc"));
  ASSERT_TRUE(tenants_.OpenAll().ok());
  EXPECT_EQ(ReadEverything(), before);

  ASSERT_EQ(Call("POST", T("/projections/member_view/rebuild")).status, 202);
  ASSERT_EQ(Call("POST", T("/projections/billing/rebuild")).status, 202);
  EXPECT_EQ(ReadEverything(), before);
  EXPECT_EQ(Status(inv), "partially_paid");
}

}  // namespace
}  // namespace kaiin::http
