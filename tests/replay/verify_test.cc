// kaiin-replay verify: a clean data folder verifies; tampering with the log or a projection is
// reported (A2, hash chain).
#include "replay/verify.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>

#include "commands/model.h"
#include "commands/model_codec.h"
#include "events/codec.h"
#include "ledger/data_layout.h"
#include "ledger/rocks_event_log.h"
#include "projections/registry.h"
#include "projections/runtime.h"
#include "tests/raw_db.h"
#include "tests/test_util.h"

namespace kaiin::replay {
namespace {

using testing::EditStore;
using testing::FlipNameByte;
using testing::PositionKey;
using testing::Tamper;

constexpr char kTenant[] = "soc";

// Writes `n` events and builds the projections, as a server would, then closes everything.
// Without `members`: tenant settings on three streams; with: members applying, each on its
// own stream (rows in member_view: the member and its search index keys).
void MakeDataDir(const std::string& data_dir, int n, bool members = false) {
  ledger::LogOptions o;
  o.tenant = kTenant;
  auto log = std::move(
      ledger::RocksEventLog::Open(ledger::TenantLogPath(data_dir, kTenant), o)).value();
  for (int i = 0; i < n; ++i) {
    ledger::CommandMeta m;
    m.actor = "test";
    const std::string id = "m00000000" + std::to_string(i);
    ASSERT_TRUE(
        (members ? log->Append(m, {"member-" + id, ledger::kAnyVersion,
                                   {{events::MemberApplied{id, id + "@example.jp", "regular", 20000,
                                                           {"山田", "太郎" + std::to_string(i), "", "", ""},
                                                           std::nullopt, std::nullopt},
                                     20000, 0}}})
                 : log->Append(m, {"s-" + std::to_string(i % 3), ledger::kAnyVersion,
                                   {{events::TenantConfigured{"name-" + std::to_string(i), 4, "UTC"},
                                     0, 0}}}))
            .ok());
  }
  auto all = projections::MakeAllProjections();
  std::vector<projections::Projection*> raw;
  for (auto& p : all) raw.push_back(p.get());
  auto store = std::move(projections::ProjectionStore::Open(
      ledger::TenantProjectionsPath(data_dir, kTenant), raw)).value();
  projections::ProjectionRuntime rt(store.get(), log.get(), std::move(all));
  ASSERT_TRUE(rt.Init().ok());
  ASSERT_TRUE(rt.CatchUp().ok());
}

const ProjectionReport& Find(const TenantReport& report, const std::string& name) {
  for (const ProjectionReport& p : report.projections) {
    if (p.name == name) return p;
  }
  static const ProjectionReport kMissing{"missing", 0, 0, 0, {"not in the report"}, ""};
  ADD_FAILURE() << "no projection " << name << " in the report";
  return kMissing;
}

TEST(VerifyTest, ACleanDataFolderVerifies) {
  testing::TempDir dir;
  MakeDataDir(dir.path(), 20);
  TenantReport report;
  ASSERT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report).ok());
  EXPECT_TRUE(report.ok()) << FormatReport(report);
  EXPECT_EQ(report.chain.events, 20u);
  EXPECT_EQ(report.chain.streams, 3u);
  ASSERT_EQ(report.projections.size(), projections::MakeAllProjections().size());
  for (const ProjectionReport& p : report.projections) {
    EXPECT_EQ(p.checkpoint, 20u) << p.name;
    EXPECT_EQ(p.rows_live, p.rows_rebuilt) << p.name;
  }
  EXPECT_EQ(Find(report, "event_counts").rows_live, 1u);
}

TEST(VerifyTest, AFlippedByteInAStoredEventBreaksTheChain) {
  testing::TempDir dir;
  MakeDataDir(dir.path(), 10);
  Tamper(ledger::TenantLogPath(dir.path(), kTenant), "events", PositionKey(4), FlipNameByte);
  TenantReport report;
  ASSERT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report).ok());
  EXPECT_FALSE(report.ok());
  ASSERT_FALSE(report.chain.problems.empty());
  EXPECT_NE(report.chain.problems[0].find("position 5"), std::string::npos)
      << report.chain.problems[0];
}

TEST(VerifyTest, AFlippedByteInTheLastEventIsCaughtByTheHeadHash) {
  testing::TempDir dir;
  MakeDataDir(dir.path(), 10);
  Tamper(ledger::TenantLogPath(dir.path(), kTenant), "events", PositionKey(10), FlipNameByte);
  TenantReport report;
  ASSERT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report).ok());
  EXPECT_FALSE(report.chain.ok());
  EXPECT_NE(FormatReport(report).find("head hash"), std::string::npos) << FormatReport(report);
}

TEST(VerifyTest, AGarbledEnvelopeIsReportedNotCrashedOn) {
  testing::TempDir dir;
  MakeDataDir(dir.path(), 5);
  Tamper(ledger::TenantLogPath(dir.path(), kTenant), "events", PositionKey(2),
         [](std::string* v) { v->resize(v->size() / 3); });
  TenantReport report;
  ASSERT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report).ok());
  EXPECT_FALSE(report.ok());
}

// A projection whose rows an older build wrote (another schema version) is reported as stale,
// not as a mismatch: the book is fine, and kaiind rebuilds it at its next start.
TEST(VerifyTest, AProjectionOfAnotherSchemaVersionIsReportedStale) {
  testing::TempDir dir;
  MakeDataDir(dir.path(), 10);
  Tamper(ledger::TenantProjectionsPath(dir.path(), kTenant), "checkpoints", "event_counts",
         [](std::string* v) { (*v)[11] = static_cast<char>((*v)[11] + 1); });
  TenantReport report;
  ASSERT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report).ok());
  EXPECT_TRUE(report.ok()) << FormatReport(report);
  EXPECT_NE(Find(report, "event_counts").stale.find("schema version"), std::string::npos);
  EXPECT_TRUE(Find(report, "member_view").stale.empty());
  EXPECT_NE(FormatReport(report).find("event_counts at 10: STALE"), std::string::npos)
      << FormatReport(report);
}

TEST(VerifyTest, ATamperedProjectionRowIsAMismatch) {  // A2
  testing::TempDir dir;
  MakeDataDir(dir.path(), 10);
  Tamper(ledger::TenantProjectionsPath(dir.path(), kTenant), "event_counts", "TenantConfigured",
         [](std::string* v) { (*v)[7] ^= 0x01; });
  TenantReport report;
  ASSERT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report).ok());
  EXPECT_TRUE(report.chain.ok());
  EXPECT_FALSE(report.ok());
  EXPECT_FALSE(Find(report, "event_counts").mismatches.empty());
  EXPECT_TRUE(Find(report, "member_view").mismatches.empty());
}

// The comparison runs a few rows at a time: a row only in the live store, a row only in the
// rebuilt one and a row that differs are each found once, wherever the chunks break, and the
// counts add up.
TEST(VerifyTest, ExtraMissingAndChangedRowsAreFoundAcrossCompareChunks) {  // A2
  testing::TempDir dir;
  MakeDataDir(dir.path(), 6, /*members=*/true);
  for (size_t chunk : {1, 2, 3, 100}) {
    SCOPED_TRACE(chunk);
    testing::TempDir copy;
    std::filesystem::copy(dir.path(), copy.path(), std::filesystem::copy_options::recursive |
                                                       std::filesystem::copy_options::overwrite_existing);
    const std::string store = ledger::TenantProjectionsPath(copy.path(), kTenant);
    Tamper(store, "event_counts", "MemberApplied", [](std::string* v) { (*v)[7] ^= 0x01; });
    EditStore(store, "member_view", [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
      ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), cf, "m/m000000003").ok());  // missing from live
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf, "m/m000000003x", "x").ok());  // only in live
    });
    VerifyOptions options;
    options.compare_rows = chunk;
    TenantReport report;
    ASSERT_TRUE(VerifyTenant(copy.path(), kTenant, copy.Sub("scratch"), &report, options).ok());
    EXPECT_FALSE(report.ok());
    const ProjectionReport& counts = Find(report, "event_counts");
    ASSERT_EQ(counts.mismatches.size(), 1u);
    EXPECT_NE(counts.mismatches[0].find("row differs"), std::string::npos);
    const ProjectionReport& view = Find(report, "member_view");
    ASSERT_EQ(view.mismatches.size(), 2u) << FormatReport(report);
    EXPECT_NE(view.mismatches[0].find("row missing from the live projection: " +
                                      events::BytesToHex("m/m000000003")),
              std::string::npos);
    EXPECT_NE(view.mismatches[1].find("row only in the live projection: " +
                                      events::BytesToHex("m/m000000003x")),
              std::string::npos);
    EXPECT_EQ(view.rows_live, view.rows_rebuilt);  // one taken away, one added
    // Six members, each its row and four search keys (e-mail, family, given, family + given).
    EXPECT_EQ(view.rows_rebuilt, 30u);
  }
}

// The write-model snapshot kaiind would start from is checked against the log replayed to its
// position: equal passes, different fails, one of another format is only noted.
TEST(VerifyTest, TheWriteModelSnapshotIsCheckedAgainstTheLog) {
  testing::TempDir dir;
  MakeDataDir(dir.path(), 6, /*members=*/true);
  auto snapshot = [&](const std::function<void(commands::TenantModel*)>& edit,
                      std::string bytes = "") {
    ledger::LogOptions o;
    o.tenant = kTenant;
    auto log = std::move(
        ledger::RocksEventLog::Open(ledger::TenantLogPath(dir.path(), kTenant), o)).value();
    commands::TenantModel model;
    ASSERT_TRUE(commands::Replay(*log, 0, log->Head(), &model).ok());
    edit(&model);
    log->Close();
    ASSERT_TRUE(log->WriteSnapshot(bytes.empty() ? commands::EncodeModel(model) : bytes).ok());
  };
  auto verify = [&] {
    TenantReport report;
    EXPECT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report).ok());
    return report;
  };
  EXPECT_EQ(verify().snapshot, "");  // none yet

  snapshot([](commands::TenantModel*) {});
  TenantReport equal = verify();
  EXPECT_TRUE(equal.ok()) << FormatReport(equal);
  EXPECT_EQ(equal.snapshot, "at 6: equal to the log replayed to it");

  snapshot([](commands::TenantModel* m) { m->members.at("m000000002").credit = 500; });
  TenantReport differs = verify();
  EXPECT_FALSE(differs.ok());
  EXPECT_NE(FormatReport(differs).find("write-model snapshot at 6: DIFFERS"), std::string::npos)
      << FormatReport(differs);

  snapshot([](commands::TenantModel*) {}, std::string(1, static_cast<char>(commands::kModelFormat + 1)));
  TenantReport foreign = verify();
  EXPECT_TRUE(foreign.ok()) << FormatReport(foreign);
  EXPECT_NE(foreign.snapshot.find("not used by this build"), std::string::npos) << foreign.snapshot;
}

// kill -9 during a tenant's first start can leave the projection store created without all its
// families (RocksDB creates them one at a time): they are "not built yet", not a failure.
TEST(VerifyTest, AProjectionStoreCutShortAtCreationVerifiesAsNotYetBuilt) {
  testing::TempDir dir;
  ledger::LogOptions o;
  o.tenant = kTenant;
  {
    auto log = std::move(
        ledger::RocksEventLog::Open(ledger::TenantLogPath(dir.path(), kTenant), o)).value();
    ledger::CommandMeta m;
    ASSERT_TRUE(log->Append(m, {"s-1", ledger::kAnyVersion,
                                {{events::TenantConfigured{"n", 4, "UTC"}, 0, 0}}}).ok());
  }
  {  // a projections store with the default family only
    rocksdb::Options options;
    options.create_if_missing = true;
    std::filesystem::create_directories(ledger::TenantProjectionsPath(dir.path(), kTenant));
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, ledger::TenantProjectionsPath(dir.path(), kTenant), &db).ok());
    delete db;
  }
  TenantReport report;
  Status s = VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(report.ok()) << FormatReport(report);
  for (const ProjectionReport& p : report.projections) {
    EXPECT_EQ(p.checkpoint, 0u) << p.name;
    EXPECT_EQ(p.rows_live, 0u) << p.name;
  }
}

// kill -9 a moment earlier leaves a store's folder without even its CURRENT file (RocksDB writes
// it last when it creates a store): such a projection store is not built yet, and such a log is
// the empty log it always was. A folder without CURRENT that holds a table or a write-ahead log
// is not that: it fails.
TEST(VerifyTest, AStoreWhoseCreationWasCutShortVerifiesAsEmpty) {
  namespace fs = std::filesystem;
  auto half_made = [](const std::string& path) {
    fs::create_directories(path);
    std::ofstream(path + "/LOCK");
    std::ofstream(path + "/LOG") << "RocksDB version: 7.8.3\n";
    std::ofstream(path + "/MANIFEST-000001");
  };
  {  // a log with an event, its projection store cut short
    testing::TempDir dir;
    ledger::LogOptions o;
    o.tenant = kTenant;
    {
      auto log =
          std::move(ledger::RocksEventLog::Open(ledger::TenantLogPath(dir.path(), kTenant), o))
              .value();
      ledger::CommandMeta m;
      ASSERT_TRUE(
          log->Append(
                 m, {"s-1", ledger::kAnyVersion, {{events::TenantConfigured{"n", 4, "UTC"}, 0, 0}}})
              .ok());
    }
    half_made(ledger::TenantProjectionsPath(dir.path(), kTenant));
    TenantReport report;
    Status s = VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(report.ok()) << FormatReport(report);
    EXPECT_EQ(report.chain.events, 1u);
    EXPECT_TRUE(report.projections.empty());
    // The same folder with a table file in it has lost its CURRENT: a problem.
    std::ofstream(ledger::TenantProjectionsPath(dir.path(), kTenant) + "/000009.sst") << "rows";
    TenantReport lost;
    ASSERT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &lost).ok());
    EXPECT_FALSE(lost.ok());
    ASSERT_FALSE(lost.problems.empty());
    EXPECT_NE(lost.problems[0].find("cannot open projections"), std::string::npos);
  }
  {  // the log itself cut short, no projection store yet
    testing::TempDir dir;
    half_made(ledger::TenantLogPath(dir.path(), kTenant));
    TenantReport report;
    Status s = VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(report.ok()) << FormatReport(report);
    EXPECT_EQ(report.chain.events, 0u);
    // With a write-ahead log in it, the log has lost its CURRENT: not verified.
    std::ofstream(ledger::TenantLogPath(dir.path(), kTenant) + "/000003.log") << "records";
    TenantReport lost;
    EXPECT_FALSE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &lost).ok());
  }
}

// A writer that bypasses the rules (here: money allocated to an invoice beyond its amount, and
// to an invoice never issued) is caught by the auditor's ledger check, even though the hash chain
// and the projections are fine.
TEST(VerifyTest, TheLedgerCheckCatchesMoneyEventsThatBreakTheInvariants) {
  testing::TempDir dir;
  ledger::LogOptions o;
  o.tenant = kTenant;
  {
    auto log = std::move(
        ledger::RocksEventLog::Open(ledger::TenantLogPath(dir.path(), kTenant), o)).value();
    auto append = [&](const std::string& stream, events::Event e) {
      ledger::CommandMeta m;
      ASSERT_TRUE(log->Append(m, {stream, ledger::kAnyVersion, {{std::move(e), 0, 0}}}).ok());
    };
    append("invoice-i1", events::InvoiceDrafted{"i1", "b1", "m1", 2026, events::InvoiceCategory::kAnnual,
                                                "t", 0, 0, "regular", 15000, 0, 0, 15000});
    append("invoice-i1", events::InvoiceIssued{"i1", "m1", 2026, events::InvoiceCategory::kAnnual, 15000});
    append("payment-p1", events::PaymentRecorded{"p1", "m1", 20000, events::PaymentMethod::kCash, 0, ""});
    append("payment-p1", events::PaymentAllocated{"p1", "m1", "i1", 2026, 20000});  // > 15000
  }
  TenantReport report;
  ASSERT_TRUE(VerifyTenant(dir.path(), kTenant, dir.Sub("scratch"), &report).ok());
  EXPECT_TRUE(report.chain.ok());
  EXPECT_FALSE(report.ledger.ok());
  EXPECT_FALSE(report.ok());
  const std::string text = FormatReport(report);
  EXPECT_NE(text.find("receivable:m1:i1 is below 0"), std::string::npos) << text;
  EXPECT_NE(text.find("more allocated than its amount"), std::string::npos) << text;
  EXPECT_EQ(report.ledger.total_debits, report.ledger.total_credits);  // balanced, yet wrong
}

}  // namespace
}  // namespace kaiin::replay
