// Storage faults (issue 7): a full disk answers 503 to commands, keeps queries serving, and
// recovers when space returns without losing or duplicating anything. The disk is "full" through
// ledger::StorageFaults: every file write and sync of both stores answers ENOSPC. A disk failing
// reads of table files is refused the same way.
#include <gtest/gtest.h>

#include "tests/http/billing_api_fixture.h"

namespace kaiin::http {
namespace {

TenantOptions FaultyStorage() {
  TenantOptions options;
  options.faults = std::make_shared<ledger::StorageFaults>();
  return options;
}

class StorageFaultsApi : public BillingApi {
 protected:
  StorageFaultsApi() : BillingApi(FaultyStorage()) {}
  ledger::StorageFaults& faults() { return *tenant_options().faults; }
};

TEST_F(StorageFaultsApi, AFullDiskRefusesCommandsServesQueriesAndRecoversWithoutDuplicates) {
  const std::string invoice = Bill(taro_, 2026);
  Response before = Get("/members/" + taro_);
  ASSERT_EQ(before.status, 200);
  const uint64_t head = Head("soc");

  faults().SetNoSpace(true);
  Response refused = Pay(taro_, 15000, R"("allocation":"oldest_first")", "bank_transfer", "gw-1");
  EXPECT_TRUE(IsProblem(refused, 503, "storage_unavailable")) << refused.body;
  EXPECT_EQ(Header(refused, "Retry-After"), "1");
  EXPECT_TRUE(IsProblem(Call("POST", T("/members"),
                             R"({"email":"jiro@example.jp","member_type":"regular","applied_on":"2026-04-01","name":{"family":"鈴木","given":"次郎"}})"),
                        503, "storage_unavailable"));
  // The same call again while the disk is still full: still refused, still nothing written.
  EXPECT_EQ(Pay(taro_, 15000, R"("allocation":"oldest_first")", "bank_transfer", "gw-1").status,
            503);
  EXPECT_GT(faults().refused(), 0u);
  EXPECT_EQ(Head("soc"), head);
  // Queries keep answering from the projections.
  Response member = Get("/members/" + taro_);
  EXPECT_EQ(member.status, 200);
  EXPECT_EQ(member.body, before.body);
  EXPECT_EQ(Status(invoice), "unpaid");
  EXPECT_EQ(Get("/arrears?fiscal_year=2026").status, 200);

  faults().SetNoSpace(false);
  // The client retries with its key: recorded once; a second retry is answered from the key.
  Response paid = Pay(taro_, 15000, R"("allocation":"oldest_first")", "bank_transfer", "gw-1");
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_GT(Head("soc"), head);
  const uint64_t after_pay = Head("soc");
  Response again = Pay(taro_, 15000, R"("allocation":"oldest_first")", "bank_transfer", "gw-1");
  EXPECT_EQ(again.body, paid.body);
  EXPECT_EQ(Head("soc"), after_pay);
  EXPECT_EQ(Status(invoice), "paid");
  // The log holds the payment once.
  Response log = Call("GET", T("/events?limit=1000"));
  ASSERT_EQ(log.status, 200) << log.body;
  size_t recorded = 0;
  for (size_t at = log.body.find("\"type\":\"PaymentRecorded\""); at != std::string::npos;
       at = log.body.find("\"type\":\"PaymentRecorded\"", at + 1)) {
    ++recorded;
  }
  EXPECT_EQ(recorded, 1u) << log.body;
  // Other commands work again too; TearDown's verify checks chain, ledger and projections.
  EXPECT_EQ(Call("POST", T("/members"),
                 R"({"email":"jiro@example.jp","member_type":"regular","applied_on":"2026-04-01","name":{"family":"鈴木","given":"次郎"}})")
                .status,
            201);
}

// A command whose stream cannot be read (the log's stream index in a table file whose reads
// fail) is refused with 503 before anything is written, and the retry after the disk recovers
// continues the stream from its version on the disk.
TEST_F(StorageFaultsApi, ADiskFailingReadsRefusesACommandWhoseStreamCannotBeRead) {
  const std::string change = "/members/" + taro_ + "/status-changes";
  tenants_.CloseAll();  // nothing cached
  ASSERT_TRUE(tenants_.OpenAll().ok());
  ASSERT_TRUE(tenants_.Find("soc")->log().FlushMemtables().ok());
  const uint64_t head = Head("soc");
  faults().SetReadErrors(true);
  Response refused =
      Call("POST", T(change), R"({"status":"on_leave","effective_date":"2026-12-01"})");
  faults().SetReadErrors(false);
  EXPECT_TRUE(IsProblem(refused, 503, "storage_unavailable")) << refused.body;
  EXPECT_GT(faults().reads_failed(), 0u);
  EXPECT_EQ(Head("soc"), head);

  Response changed =
      Call("POST", T(change), R"({"status":"on_leave","effective_date":"2026-12-01"})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  std::vector<events::RecordedEvent> events;
  ledger::RocksEventLog& log = tenants_.Find("soc")->log();
  ASSERT_TRUE(log.ReadStream(commands::MemberStream(taro_), 1, 100, &events).ok());
  ASSERT_FALSE(events.empty());
  EXPECT_NE(changed.body.find("\"version\":" + std::to_string(events.size())), std::string::npos)
      << changed.body;
  // TearDown's verify checks the chain and the stream index.
}

// The member billing CSV is streamed after its status line: a read failing half-way cannot be
// answered 503, so the stream says it failed (the server then closes the connection without the
// last chunk) rather than ending as if the file were whole, or leaving a member's invoices out.
TEST_F(StorageFaultsApi, AnExportWhoseRowsCannotBeReadIsCutShortNotEndedWhole) {
  Bill(taro_, 2026);
  tenants_.CloseAll();  // nothing cached
  ASSERT_TRUE(tenants_.OpenAll().ok());
  ASSERT_TRUE(tenants_.Find("soc")->store().Flush().ok());
  Response csv =
      Call("GET", T("/exports/member-billing.csv?min_position=" + std::to_string(Head("soc"))));
  ASSERT_EQ(csv.status, 200) << csv.body;
  ASSERT_TRUE(csv.stream);
  faults().SetReadErrors(true);
  std::string chunk;
  const Response::Chunk step = csv.stream(&chunk);
  faults().SetReadErrors(false);
  EXPECT_EQ(step, Response::Chunk::kFailed);
  EXPECT_GT(faults().reads_failed(), 0u);
  // Read again once the disk answers: whole, with the invoice.
  Response again = Call("GET", T("/exports/member-billing.csv"));
  ASSERT_EQ(again.status, 200) << again.body;
  std::string text = again.body;
  for (Response::Chunk s = Response::Chunk::kMore; s == Response::Chunk::kMore;) {
    chunk.clear();
    s = again.stream(&chunk);
    ASSERT_NE(s, Response::Chunk::kFailed);
    text += chunk;
  }
  EXPECT_NE(text.find(taro_ + ","), std::string::npos) << text;
  EXPECT_NE(text.find(",2026,"), std::string::npos) << text;
}

}  // namespace
}  // namespace kaiin::http
