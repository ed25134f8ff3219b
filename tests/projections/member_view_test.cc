// The member_view projection: rows and search index follow the events; rebuilds are identical.
#include "projections/member_view.h"

#include <gtest/gtest.h>

#include "ledger/rocks_event_log.h"
#include "projections/runtime.h"
#include "tests/projections/build_util.h"
#include "tests/test_util.h"

namespace kaiin::projections {
namespace {

using events::MemberStatus;

Date D(const char* s) { return *ParseDate(s); }

class MemberViewTest : public ::testing::Test {
 protected:
  void SetUp() override { log_ = OpenTestLog(dir_.Sub("log")); }

  void Append(const std::string& id, events::Event e) { AppendTo("member-" + id, std::move(e)); }
  void AppendTo(const std::string& stream, events::Event e) {
    AppendEvent(log_.get(), stream, std::move(e));
  }

  // Several batches of three (rows read back from the store), or one bulk round.
  std::unique_ptr<ProjectionStore> Build(const std::string& name, bool bulk = false) {
    return BuildFromLog<MemberViewProjection>(log_.get(), dir_.Sub(name), 3, bulk);
  }
  static std::vector<std::pair<std::string, std::string>> AllRows(const ProjectionStore& s) {
    return projections::AllRows(s, MemberViewProjection::kName);
  }

  std::vector<std::string> Search(const ProjectionStore& s, const std::string& q) {
    MemberQuery query;
    query.q = q;
    query.today = D("2026-11-21");
    auto page = ListMembers(s, query);
    EXPECT_TRUE(page.ok());
    std::vector<std::string> ids;
    for (const auto& r : page->items) ids.push_back(r.member_id);
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<ledger::RocksEventLog> log_;
};

TEST_F(MemberViewTest, RowsFollowTheMembersEvents) {
  Append("m1", events::MemberApplied{"m1", "a@example.jp", "regular", D("2026-04-01"),
                                     {"山田", "太郎", "ヤマダ", "タロウ", "Yamada Taro"}, {}, {}});
  Append("m1", events::MemberAdmitted{"m1", D("2026-04-01"), true});
  Append("m1", events::MemberNumberAssigned{"m1", "0042"});
  Append("m1", events::MemberStatusChanged{"m1", MemberStatus::kWithdrawn, D("2027-03-31"), ""});
  Append("m1", events::MemberTypeChanged{"m1", "student", D("2026-06-01")});
  auto store = Build("p");
  MemberRow row;
  ASSERT_TRUE(*ReadMember(*store, "m1", &row));
  EXPECT_EQ(row.member_number, "0042");
  EXPECT_EQ(row.version, 5u);
  ASSERT_EQ(row.statuses.size(), 2u);  // the same-day admission replaced `applying`
  EXPECT_EQ(row.statuses[0], (events::StatusEntry{MemberStatus::kActive, D("2026-04-01")}));
  EXPECT_EQ(events::StatusOn(row.statuses, D("2027-03-31")).status, MemberStatus::kWithdrawn);
  EXPECT_EQ(events::TypeOn(row.types, D("2026-11-21")).member_type, "student");
  EXPECT_FALSE(*ReadMember(*store, "m2", &row));
}

// Balance events rewrite only the row's fixed tail, in place; the profile around it stays whole,
// and a profile event after them reads the patched row back.
TEST_F(MemberViewTest, BalanceEventsPatchTheTailAndLeaveTheProfileWhole) {
  Append("m1", events::MemberApplied{"m1", "a@example.jp", "regular", D("2026-04-01"),
                                     {"山田", "太郎", "ヤマダ", "タロウ", "Yamada Taro"}, {}, {}});
  Append("m1", events::MemberAdmitted{"m1", D("2026-04-01"), true});                    // 2
  Append("m1", events::InvoiceIssued{"i1", "m1", 2026, events::InvoiceCategory::kAnnual,  // 3
                                     10000});
  AppendTo("payment-p1", events::PaymentRecorded{"p1", "m1", 12000,
                                                 events::PaymentMethod::kBankTransfer,
                                                 D("2026-05-01"), ""});
  AppendTo("payment-p1", events::PaymentAllocated{"p1", "m1", "i1", 2026, 10000});
  Append("m1", events::MemberEmailChanged{"m1", "b@example.jp"});  // 6
  AppendTo("payment-p1", events::AllocationReleased{"p1", "m1", "i1", 2026, 3000});
  Append("m1", events::InvoiceIssued{"i2", "m1", 2027, events::InvoiceCategory::kAnnual,  // 8
                                     2000});
  AppendTo("payment-p9", events::PaymentRecorded{"p9", "m9", 500,  // no such member
                                                 events::PaymentMethod::kBankTransfer,
                                                 D("2026-05-01"), ""});
  auto store = Build("p");
  MemberRow row;
  ASSERT_TRUE(*ReadMember(*store, "m1", &row));
  EXPECT_EQ(row.outstanding, 5000);  // 12000 issued, 10000 allocated, 3000 released
  EXPECT_EQ(row.credit, 5000);       // 12000 received, 10000 allocated, 3000 released
  EXPECT_EQ(row.version, 5u);        // the member stream's events only
  EXPECT_EQ(row.last_position, 8u);
  EXPECT_EQ(row.email, "b@example.jp");
  EXPECT_EQ(row.name.family_kana, "ヤマダ");
  EXPECT_TRUE(row.admitted);
  EXPECT_EQ(Search(*store, "b@"), (std::vector<std::string>{"m1"}));
  std::string bytes;
  ASSERT_TRUE(*store->Get(MemberViewProjection::kName, "m/m1", &bytes));
  EXPECT_EQ(bytes, EncodeMemberRow(row));  // the patched bytes are what a whole encoding writes
  EXPECT_FALSE(*ReadMember(*store, "m9", &row));
}

TEST_F(MemberViewTest, TheSearchIndexFollowsChangesAndForgetsOldValues) {
  Append("m1", events::MemberApplied{"m1", "old@example.jp", "regular", D("2026-04-01"),
                                     {"山田", "太郎", "ヤマダ", "タロウ", "Yamada Taro"}, {}, {}});
  Append("m2", events::MemberApplied{"m2", "other@example.jp", "regular", D("2026-04-01"),
                                     {"佐藤", "花子", "サトウ", "ハナコ", "Sato Hanako"}, {}, {}});
  Append("m1", events::MemberEmailChanged{"m1", "New@Example.jp"});
  events::MemberProfileUpdated rename;
  rename.member_id = "m1";
  rename.name = events::PersonName{"田中", "太郎", "タナカ", "タロウ", "Tanaka Taro"};
  Append("m1", rename);
  auto store = Build("p");
  EXPECT_EQ(Search(*store, "new@"), (std::vector<std::string>{"m1"}));
  EXPECT_TRUE(Search(*store, "old@").empty());
  EXPECT_TRUE(Search(*store, "山田").empty());
  EXPECT_EQ(Search(*store, "田中 太郎"), (std::vector<std::string>{"m1"}));  // full name, space ignored
  EXPECT_EQ(Search(*store, "タナカ"), (std::vector<std::string>{"m1"}));
  EXPECT_EQ(Search(*store, "TANAKA"), (std::vector<std::string>{"m1"}));
  EXPECT_EQ(Search(*store, "o").size(), 1u);  // other@ (email) — "old" is gone
}

// A bulk rebuild (rows held in memory, a new member's index keys inserted unlooked-up, deleted
// ones forgotten) writes what the projector's batches write, renames and their reversals included.
TEST_F(MemberViewTest, ABulkRebuildWritesWhatTheBatchesWrite) {  // A2
  for (int i = 0; i < 6; ++i) {
    const std::string id = "m" + std::to_string(i);
    Append(id, events::MemberApplied{id, id + "@example.jp", "regular", D("2026-04-01"),
                                     {"山田", "太郎", "ヤマダ", "タロウ", ""}, {}, {}});
  }
  events::MemberProfileUpdated rename;
  rename.member_id = "m1";
  rename.name = events::PersonName{"田中", "太郎", "タナカ", "タロウ", ""};
  Append("m1", rename);
  Append("m2", events::MemberEmailChanged{"m2", "new@example.jp"});
  rename.name = events::PersonName{"山田", "太郎", "ヤマダ", "タロウ", ""};
  Append("m1", rename);  // back to the name of before
  rename.member_id = "m3";
  rename.name = events::PersonName{"佐藤", "", "", "", ""};
  Append("m3", rename);
  auto batches = Build("batches");
  auto bulk = Build("bulk", true);
  EXPECT_EQ(AllRows(*bulk), AllRows(*batches));
  EXPECT_EQ(Search(*bulk, "ヤマダ").size(), 5u);  // m3 is 佐藤 now
  EXPECT_EQ(Search(*bulk, "佐藤"), (std::vector<std::string>{"m3"}));
  EXPECT_TRUE(Search(*bulk, "m2@").empty());
  EXPECT_TRUE(Search(*bulk, "田中").empty());
}

TEST_F(MemberViewTest, ARebuildWritesTheSameBytes) {  // A2
  for (int i = 0; i < 20; ++i) {
    const std::string id = "m" + std::to_string(i);
    Append(id, events::MemberApplied{id, id + "@example.jp", "regular", D("2026-04-01"),
                                     {"姓" + std::to_string(i % 3), "", "", "", ""}, {}, {}});
    if (i % 2) Append(id, events::MemberAdmitted{id, D("2026-04-02"), false});
  }
  const auto rows_a = AllRows(*Build("a"));
  EXPECT_EQ(rows_a, AllRows(*Build("b")));
  // Each member: its row and three index keys (e-mail, family name, full name).
  EXPECT_EQ(rows_a.size(), 20u * 4);
}

}  // namespace
}  // namespace kaiin::projections
