// kaiin-replay balances: the trial balance added up from the log alone, as of a position, a date
// or both (A3); balanced totals (L1); nothing added over a broken hash chain.
#include "replay/balances.h"

#include <gtest/gtest.h>

#include "ledger/data_layout.h"
#include "ledger/rocks_event_log.h"
#include "tests/raw_db.h"
#include "tests/test_util.h"

namespace kaiin::replay {
namespace {

constexpr char kTenant[] = "soc";

Date D(const char* text) { return ParseDate(text).value(); }

// Positions: 1, 2 i1 (m1) and i2 (m2) issued 2026-04-01, 15000 each; 3 p1 (m1) 20000 by bank
// transfer received 2026-05-01; 4 p1 allocated to i1; 5 a settings change (no money); 6, 7 p1's
// allocation released and p1 reversed, recorded 2026-06-10.
class Balances : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger::LogOptions o;
    o.tenant = kTenant;
    auto log = std::move(ledger::RocksEventLog::Open(LogPath(), o)).value();
    auto append = [&](const std::string& stream, events::Event e, const char* effective) {
      ledger::CommandMeta m;
      m.actor = "test";
      ASSERT_TRUE(log->Append(m, {stream, ledger::kAnyVersion, {{std::move(e), D(effective), 0}}})
                      .ok());
    };
    const auto annual = events::InvoiceCategory::kAnnual;
    const auto transfer = events::PaymentMethod::kBankTransfer;
    append("invoice-i1", events::InvoiceIssued{"i1", "m1", 2026, annual, 15000}, "2026-04-01");
    append("invoice-i2", events::InvoiceIssued{"i2", "m2", 2026, annual, 15000}, "2026-04-01");
    append("payment-p1", events::PaymentRecorded{"p1", "m1", 20000, transfer, D("2026-05-01"), ""},
           "2026-05-01");
    append("payment-p1", events::PaymentAllocated{"p1", "m1", "i1", 2026, 15000}, "2026-05-01");
    append("tenant", events::TenantConfigured{"name-1", 4, "Asia/Tokyo"}, "2026-05-02");
    append("payment-p1", events::AllocationReleased{"p1", "m1", "i1", 2026, 15000}, "2026-06-10");
    append("payment-p1", events::PaymentReversed{"p1", "m1", 20000, transfer, "誤入金"},
           "2026-06-10");
  }

  std::string LogPath() const { return ledger::TenantLogPath(dir_.path(), kTenant); }

  TrialBalance Compute(const BalanceCut& cut) {
    ledger::ChainReport chain;
    TrialBalance balance;
    EXPECT_TRUE(TenantTrialBalance(dir_.path(), kTenant, dir_.Sub("scratch"), cut, &chain, &balance)
                    .ok());
    EXPECT_TRUE(chain.ok());
    EXPECT_EQ(balance.total_debits, balance.total_credits);  // L1, at every cut
    return balance;
  }

  testing::TempDir dir_;
};

TEST_F(Balances, A3_TheWholeLogBalancesEveryAccount) {
  const TrialBalance all = Compute({});
  EXPECT_EQ(all.last_position, 7u);
  EXPECT_EQ(all.money_events, 6u);
  const std::vector<AccountTotals> expected = {
      {"cash:bank_transfer", 20000, 20000},
      {"credit:m1", 35000, 35000},  // Cr payment, Dr allocation, Cr release, Dr reversal
      {"receivable:m1:i1", 30000, 15000},
      {"receivable:m2:i2", 15000, 0},
      {"revenue:2026:annual", 0, 30000},
  };
  EXPECT_EQ(all.accounts, expected);
  EXPECT_EQ(all.total_debits, 100000);
}

TEST_F(Balances, A3_AsOfAPositionOrADateOrBoth) {
  BalanceCut at4;
  at4.position = 4;
  const TrialBalance by_position = Compute(at4);
  EXPECT_EQ(by_position.last_position, 4u);
  EXPECT_EQ(FormatTrialBalanceCsv(SummarizeByKind(by_position)),
            "account,debits,credits,debit_balance,credit_balance\n"
            "cash:bank_transfer,20000,0,20000,0\n"
            "credit,15000,20000,0,5000\n"
            "receivable,30000,15000,15000,0\n"
            "revenue:2026:annual,0,30000,0,30000\n"
            "total,65000,65000,35000,35000\n");

  // The release and the reversal are effective 2026-06-10: as of May the log says what it said
  // at position 4, though every event was read.
  BalanceCut may;
  may.date = D("2026-05-31");
  const TrialBalance by_date = Compute(may);
  EXPECT_EQ(by_date.last_position, 7u);
  EXPECT_EQ(by_date.accounts, by_position.accounts);
  EXPECT_EQ(by_date.money_events, 4u);

  BalanceCut april_at4 = at4;
  april_at4.date = D("2026-04-30");
  EXPECT_EQ(FormatTrialBalanceCsv(SummarizeByKind(Compute(april_at4))),
            "account,debits,credits,debit_balance,credit_balance\n"
            "receivable,30000,0,30000,0\n"
            "revenue:2026:annual,0,30000,0,30000\n"
            "total,30000,30000,30000,30000\n");

  BalanceCut none;
  none.position = 0;
  const TrialBalance empty = Compute(none);
  EXPECT_TRUE(empty.accounts.empty());
  EXPECT_EQ(FormatTrialBalanceCsv(empty),
            "account,debits,credits,debit_balance,credit_balance\ntotal,0,0,0,0\n");
}

TEST_F(Balances, EveryAccountOrItsKind) {
  const TrialBalance all = Compute({});
  EXPECT_EQ(FormatTrialBalanceCsv(all),
            "account,debits,credits,debit_balance,credit_balance\n"
            "cash:bank_transfer,20000,20000,0,0\n"
            "credit:m1,35000,35000,0,0\n"
            "receivable:m1:i1,30000,15000,15000,0\n"
            "receivable:m2:i2,15000,0,15000,0\n"
            "revenue:2026:annual,0,30000,0,30000\n"
            "total,100000,100000,30000,30000\n");
  const std::vector<AccountTotals> kinds = {{"cash:bank_transfer", 20000, 20000},
                                            {"credit", 35000, 35000},
                                            {"receivable", 45000, 15000},
                                            {"revenue:2026:annual", 0, 30000}};
  EXPECT_EQ(SummarizeByKind(all).accounts, kinds);
}

TEST_F(Balances, NothingIsAddedUpOverABrokenHashChain) {
  // Position 5, the settings change.
  testing::Tamper(LogPath(), "events", testing::PositionKey(5), testing::FlipNameByte);
  ledger::ChainReport chain;
  TrialBalance balance;
  ASSERT_TRUE(
      TenantTrialBalance(dir_.path(), kTenant, dir_.Sub("scratch"), {}, &chain, &balance).ok());
  EXPECT_FALSE(chain.ok());
  EXPECT_TRUE(balance.accounts.empty());
  EXPECT_EQ(balance.money_events, 0u);
}

TEST_F(Balances, AnUnknownTenantIsNotFound) {
  ledger::ChainReport chain;
  TrialBalance balance;
  const Status s = TenantTrialBalance(dir_.path(), "other", dir_.Sub("scratch"), {}, &chain,
                                      &balance);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
}

}  // namespace
}  // namespace kaiin::replay
