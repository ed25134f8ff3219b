// The account_balances projection: the trial balance by kind at every cut (A3), both walks of a
// position cut, against the postings added up by hand from the events.
#include "projections/account_balances.h"

#include <gtest/gtest.h>

#include <map>

#include "events/postings.h"
#include "ledger/rocks_event_log.h"
#include "projections/runtime.h"
#include "tests/projections/build_util.h"
#include "tests/raw_db.h"
#include "tests/test_util.h"

namespace kaiin::projections {
namespace {

using events::InvoiceCategory;
using events::PaymentMethod;

Date D(const char* s) {
  return *ParseDate(s);
}

class AccountBalancesTest : public ::testing::Test {
 protected:
  void SetUp() override { log_ = OpenTestLog(dir_.Sub("log")); }

  void Append(events::Event e, Date effective) {
    ledger::CommandMeta m;
    appended_.push_back({e, effective});
    ASSERT_TRUE(log_->Append(m, {"s", ledger::kAnyVersion, {{std::move(e), effective, 0}}}).ok());
  }

  // Applied as kaiind follows a live log, in batches of three, or as a rebuild (in memory, then
  // ingested as files).
  // Running totals every `per_total` positions.
  std::unique_ptr<ProjectionStore> Build(const std::string& name, bool rebuild = false,
                                         uint64_t per_total = 32) {
    AccountBalancesProjection p(per_total);
    std::vector<Projection*> raw{&p};
    auto store = std::move(ProjectionStore::Open(dir_.Sub(name), raw)).value();
    std::vector<std::unique_ptr<Projection>> owned;
    owned.push_back(std::make_unique<AccountBalancesProjection>(per_total));
    RuntimeOptions options;
    options.batch_events_max = 3;  // several batches: day totals are read back from the store
    options.bulk_events_min = rebuild ? 1 : ~uint64_t{0};
    ProjectionRuntime rt(store.get(), log_.get(), std::move(owned), options);
    EXPECT_TRUE(rt.Init().ok());
    EXPECT_TRUE(rt.CatchUp().ok());
    return store;
  }

  // The same question answered from the events themselves.
  std::vector<AccountBalance> ByHand(std::optional<Date> as_of, uint64_t as_of_position) const {
    std::map<std::string, AccountBalance> totals;
    for (size_t i = 0; i < appended_.size() && i < as_of_position; ++i) {
      if (as_of && appended_[i].second > *as_of) continue;
      for (const events::Posting& p : events::PostingsFor(appended_[i].first)) {
        AccountBalance& a = totals[std::string(events::AccountKind(p.account))];
        a.account = events::AccountKind(p.account);
        a.debits += p.debit;
        a.credits += p.credit;
      }
    }
    std::vector<AccountBalance> out;
    for (auto& [account, a] : totals) out.push_back(a);
    return out;
  }

  // Twelve events, positions and effective dates out of step: a payment received before the
  // invoice was issued, a reversal recorded later, an event that posts nothing in between.
  void Script() {
    Append(events::InvoiceIssued{"i1", "m1", 2026, InvoiceCategory::kAnnual, 15000},
           D("2026-04-01"));
    Append(events::InvoiceIssued{"i2", "m2", 2026, InvoiceCategory::kAnnual, 5000},
           D("2026-04-01"));
    Append(events::PaymentRecorded{"p1", "m1", 15000, PaymentMethod::kBankTransfer, D("2026-03-25"),
                                   ""},
           D("2026-03-25"));
    Append(events::PaymentAllocated{"p1", "m1", "i1", 2026, 15000}, D("2026-04-02"));
    Append(events::MemberNumberAssigned{"m1", "1"}, D("2026-04-02"));
    Append(events::PaymentRecorded{"p2", "m2", 8000, PaymentMethod::kCash, D("2026-05-01"), ""},
           D("2026-05-01"));
    Append(events::PaymentAllocated{"p2", "m2", "i2", 2026, 5000}, D("2026-05-01"));
    Append(events::InvoiceAdjusted{"i1", "m1", 2026, -2000, true, "減額"}, D("2026-05-10"));
    Append(events::AllocationReleased{"p1", "m1", "i1", 2026, 2000}, D("2026-05-10"));
    Append(events::PaymentReversed{"p2", "m2", 3000, PaymentMethod::kCash, "返金"},
           D("2026-04-20"));
    Append(events::InvoiceIssued{"i3", "m2", 2027, InvoiceCategory::kOther, 3000}, D("2027-04-01"));
    Append(events::InvoiceCancelled{"i3", "m2", 2027, InvoiceCategory::kOther, 3000, 0, "取消"},
           D("2026-06-01"));
  }

  // Every row of the projection, in key order.
  static std::vector<std::pair<std::string, std::string>> AllRows(const ProjectionStore& store) {
    std::vector<std::pair<std::string, std::string>> rows;
    EXPECT_TRUE(store
                    .Scan(AccountBalancesProjection::kName, "", "",
                          [&](std::string_view k, std::string_view v) {
                            rows.emplace_back(k, v);
                            return true;
                          })
                    .ok());
    return rows;
  }

  // The script three times, with events that post nothing between, so that the events' rows (32
  // positions each) are several and a cut falls inside and at the ends of each: 71 events, the
  // running totals (every 32 positions in these tests) at 32 and 64, a money event (an
  // allocation) the last of the block before 64.
  void ThreeScripts() {
    Script();
    for (int i = 0; i < 25; ++i) Append(events::MemberNumberAssigned{"m1", "1"}, D("2026-04-02"));
    Script();
    for (int i = 0; i < 10; ++i) Append(events::MemberNumberAssigned{"m1", "1"}, D("2026-04-02"));
    Script();
  }

  testing::TempDir dir_;
  std::unique_ptr<ledger::RocksEventLog> log_;
  std::vector<std::pair<events::Event, Date>> appended_;
};

TEST_F(AccountBalancesTest, A3_EveryCutByDateAndPositionIsThePostingsAddedUpByKind) {
  ThreeScripts();
  auto store = Build("p");
  const uint64_t head = appended_.size();
  const std::vector<std::optional<Date>> dates = {std::nullopt,    D("2026-03-24"), D("2026-03-25"),
                                                  D("2026-04-01"), D("2026-04-20"), D("2026-05-10"),
                                                  D("2026-06-01"), D("2027-12-31")};
  for (const std::optional<Date>& as_of : dates) {
    SCOPED_TRACE(as_of ? FormatDate(*as_of) : "no date");
    auto all = ReadTrialBalance(*store, as_of, std::nullopt, head);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(*all, ByHand(as_of, head));
    for (uint64_t position = 0; position <= head + 1; ++position) {
      SCOPED_TRACE(position);
      // A hint of 0 takes the day totals less the events after the position; the
      // largest, the events up to it.
      for (uint64_t hint : {uint64_t{0}, ~uint64_t{0}}) {
        auto cut = ReadTrialBalance(*store, as_of, position, hint);
        ASSERT_TRUE(cut.ok());
        EXPECT_EQ(*cut, ByHand(as_of, position)) << "hint " << hint;
      }
    }
  }
  // After the first script, the books balance with the script's figures.
  auto first = ReadTrialBalance(*store, std::nullopt, 12, head);
  ASSERT_TRUE(first.ok());
  const std::vector<AccountBalance> expected = {
      {"adjustment:2026", 2000, 0},
      {"cash:bank_transfer", 15000, 0},
      {"cash:cash", 8000, 3000},
      {"credit", 5000 + 15000 + 3000, 15000 + 8000 + 2000},
      {"receivable", 23000 + 2000, 20000 + 2000 + 3000},
      {"revenue:2026:annual", 0, 20000},
      {"revenue:2027:other", 3000, 3000}};
  EXPECT_EQ(*first, expected);
  int64_t debits = 0, credits = 0;
  for (const AccountBalance& a : *first) {
    debits += a.debits;
    credits += a.credits;
  }
  EXPECT_EQ(debits, credits);
}

// A position cut reads the running totals at or before it (rows at every 32 positions here, each
// the totals of the events before it), and a cut by a date too the blocks' rows by day: with the
// events' rows before 64 removed, cuts past 64 are still whole and cuts between 32 and 64 come
// out short, so the answers of the test above stand on them.
TEST_F(AccountBalancesTest, A3_APositionCutStartsFromTheRunningTotalsBeforeIt) {
  ThreeScripts();
  auto store = Build("p");
  std::vector<std::string> totals;
  for (const auto& [key, value] : AllRows(*store)) {
    if (key.starts_with("t/")) totals.push_back(key);
  }
  EXPECT_EQ(totals, (std::vector<std::string>{"t/00000000000000000032", "t/00000000000000000064"}));
  for (uint64_t position : {31, 32, 33, 62, 63, 64, 65, 71}) {
    auto cut = ReadTrialBalance(*store, std::nullopt, position, 71);
    ASSERT_TRUE(cut.ok());
    EXPECT_EQ(*cut, ByHand(std::nullopt, position)) << position;
  }
  // The events' rows before 64 removed under the store: the cut at 71 is still whole, the totals
  // at 64 and the events after them; a cut at 40, from the totals at 32, now misses 32..40.
  store.reset();
  {
    testing::RawDb raw(dir_.Sub("p"), /*read_only=*/false);
    ASSERT_TRUE(raw.db
                    ->DeleteRange(rocksdb::WriteOptions(),
                                  raw.Family(AccountBalancesProjection::kName), "e/",
                                  "e/00000000000000000064")
                    .ok());
  }
  AccountBalancesProjection p(32);
  std::vector<Projection*> projections{&p};
  store = std::move(ProjectionStore::Open(dir_.Sub("p"), projections)).value();
  auto whole = ReadTrialBalance(*store, std::nullopt, 71, 71);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, ByHand(std::nullopt, 71));
  auto short_cut = ReadTrialBalance(*store, std::nullopt, 40, 71);
  ASSERT_TRUE(short_cut.ok());
  EXPECT_NE(*short_cut, ByHand(std::nullopt, 40));
  EXPECT_EQ(*short_cut, ByHand(std::nullopt, 31));  // 38..40 post: the second script's start
  // A cut by a date too, walked from the start (a hint past twice the position): the blocks'
  // rows by day, 0..31 and 32..63, then the events from 64.
  for (std::optional<Date> as_of : {D("2026-04-01"), D("2026-05-01"), D("2027-12-31")}) {
    auto both = ReadTrialBalance(*store, as_of, 71, ~uint64_t{0});
    ASSERT_TRUE(both.ok());
    EXPECT_EQ(*both, ByHand(as_of, 71)) << FormatDate(*as_of);
    auto short_both = ReadTrialBalance(*store, as_of, 40, ~uint64_t{0});
    ASSERT_TRUE(short_both.ok());
    EXPECT_EQ(*short_both, ByHand(as_of, 31)) << FormatDate(*as_of);
  }
}

TEST_F(AccountBalancesTest, A2_ARebuildWritesTheSameRunningTotals) {
  ThreeScripts();
  auto live = Build("live");
  auto again = Build("again", /*rebuild=*/true);
  const auto a = AllRows(*live);
  EXPECT_EQ(a, AllRows(*again));
  for (const char* prefix : {"t/", "b/"}) {
    EXPECT_EQ(
        std::ranges::count_if(a, [&](const auto& row) { return row.first.starts_with(prefix); }), 2)
        << prefix;
  }
}

TEST_F(AccountBalancesTest, A2_ARebuildWritesTheSameRows) {
  Append(events::InvoiceIssued{"i1", "m1", 2026, InvoiceCategory::kAnnual, 15000}, D("2026-04-01"));
  Append(events::PaymentRecorded{"p1", "m1", 9000, PaymentMethod::kCreditCard, D("2026-04-03"), ""},
         D("2026-04-03"));
  Append(events::PaymentAllocated{"p1", "m1", "i1", 2026, 9000}, D("2026-04-03"));
  auto live = Build("live");
  auto again = Build("again", /*rebuild=*/true);
  const auto a = AllRows(*live);
  EXPECT_EQ(a, AllRows(*again));
  // Two days, five day rows: receivable and revenue on the 1st, then cash, credit and receivable
  // on the 3rd; one row for the events (positions 1-3 of the first 32).
  EXPECT_EQ(a.size(), 2u + 3u + 1u);
}

}  // namespace
}  // namespace kaiin::projections
