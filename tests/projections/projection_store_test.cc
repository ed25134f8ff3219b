#include "projections/projection_store.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "ledger/storage_faults.h"
#include "tests/raw_db.h"
#include "tests/test_util.h"

namespace kaiin::projections {
namespace {

// Writes, for any event, the rows "k/NNNN" for every third N below 3000 and a few keys under
// other prefixes on either side, so that reads can land on rows, between rows and past the end.
class GridProjection final : public Projection {
 public:
  std::string_view Name() const override { return "grid"; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope&, Rows& rows) override {
    for (int n = 0; n < 3000; n += 3) rows.Put(Key(n), "v" + std::to_string(n));
    rows.Put("a/first", "before");
    rows.Put("z/last", "after");
    return Status::Ok();
  }
  static std::string Key(int n) {
    char b[16];
    std::snprintf(b, sizeof(b), "k/%04d", n);
    return b;
  }
};

class OrderedReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Projection* all[] = {&grid_};
    store_ = std::move(ProjectionStore::Open(dir_.Sub("projections"), all)).value();
    events::Envelope e;
    e.meta.position = 1;
    e.meta.stream = "s";
    uint64_t checkpoints[] = {0};
    ASSERT_TRUE(store_->ApplyBatch(all, checkpoints, std::span(&e, 1)).ok());
  }

  // What Get answers for `key`: the value, or "-" when absent.
  std::string Expected(const std::string& key) {
    std::string v;
    return *store_->Get("grid", key, &v) ? v : "-";
  }

  testing::TempDir dir_;
  GridProjection grid_;
  std::unique_ptr<ProjectionStore> store_;
};

TEST_F(OrderedReaderTest, AnswersWhatGetAnswersForKeysCloseTogetherAndFarApart) {
  auto reader = std::move(store_->NewOrderedReader("grid")).value();
  std::string v;
  // Adjacent rows (a Next each), keys between rows, a jump far beyond the step limit, a key
  // equal to the previous one, then a smaller key (a Seek back), and keys past the last row.
  const std::vector<std::string> keys = {
      "a/first", GridProjection::Key(0), GridProjection::Key(1), GridProjection::Key(3),
      GridProjection::Key(6), GridProjection::Key(7), GridProjection::Key(2400),
      GridProjection::Key(2400), GridProjection::Key(2403), GridProjection::Key(30),
      GridProjection::Key(33), "k/9999", "z/last", "zz"};
  for (const std::string& key : keys) {
    Result<bool> found = reader->Get(key, &v);
    ASSERT_TRUE(found.ok()) << key;
    EXPECT_EQ(*found ? v : "-", Expected(key)) << key;
  }
}

TEST_F(OrderedReaderTest, RandomAscendingRunsMatchPointReads) {
  std::mt19937 random(7);
  for (int run = 0; run < 50; ++run) {
    std::set<int> picked;
    const int gap = 1 + static_cast<int>(random() % 60);  // from dense to sparse
    for (int n = static_cast<int>(random() % 100); n < 3100 && picked.size() < 200;
         n += 1 + static_cast<int>(random() % gap)) {
      picked.insert(n);
    }
    auto reader = std::move(store_->NewOrderedReader("grid")).value();
    int hits = 0;
    for (int n : picked) {
      std::string v;
      Result<bool> found = reader->Get(GridProjection::Key(n), &v);
      ASSERT_TRUE(found.ok());
      hits += *found;
      ASSERT_EQ(*found ? v : "-", Expected(GridProjection::Key(n))) << "run " << run << " n " << n;
    }
    EXPECT_GT(hits, 0) << "run " << run;
  }
}

TEST_F(OrderedReaderTest, AnUnknownProjectionIsNotFound) {
  auto reader = store_->NewOrderedReader("no_such");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
}

// A projection's table files, flushed from the memtable or written by a bulk rebuild, are
// compressed with LZ4 (where this RocksDB has it), not RocksDB's default Snappy: less CPU for
// the projector's flushes and a rebuild's files (docs/benchmarks.md).
TEST(ProjectionStoreTest, TablesAreWrittenWithLz4) {
  if (!testing::Lz4Linked()) GTEST_SKIP() << "this RocksDB build has no LZ4";
  testing::TempDir dir;
  GridProjection grid;
  Projection* all[] = {&grid};
  events::Envelope e;
  e.meta.position = 1;
  e.meta.stream = "s";
  for (bool bulk : {false, true}) {
    const std::string path = dir.Sub(bulk ? "bulk" : "flushed");
    {
      auto store = std::move(ProjectionStore::Open(path, all)).value();
      uint64_t checkpoints[] = {0};
      if (bulk) {
        bool given = false;
        auto next = [&](std::vector<events::Envelope>* batch) {
          batch->clear();
          if (!given) batch->push_back(e);
          given = true;
          return Status::Ok();
        };
        ASSERT_TRUE(store->BulkApply(all, checkpoints, next, size_t{64} << 20, 1).ok());
      } else {
        ASSERT_TRUE(store->ApplyBatch(all, checkpoints, std::span(&e, 1)).ok());
        ASSERT_TRUE(store->Flush().ok());
      }
      ASSERT_EQ(checkpoints[0], 1u);
    }
    const std::vector<std::string> compressions =
        testing::RawDb(path, /*read_only=*/true).TableCompressions("grid");
    ASSERT_FALSE(compressions.empty()) << path;
    for (const auto& c : compressions) EXPECT_EQ(c, "LZ4") << path;
  }
}

// Writes, for each event, a row "e/<position>" and the row "last" holding the position.
class TrailProjection final : public Projection {
 public:
  std::string_view Name() const override { return "trail"; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& e, Rows& rows) override {
    rows.Put("e/" + std::to_string(e.meta.position), "x");
    rows.Put("last", std::to_string(e.meta.position));
    return Status::Ok();
  }
};

class ViewTest : public ::testing::Test {
 protected:
  void Open(rocksdb::Env* env = nullptr) {
    StoreOptions options;
    options.env = env;
    store_ = std::move(ProjectionStore::Open(dir_.Sub("projections"), all_, options)).value();
  }
  Status Apply(uint64_t position) {
    events::Envelope e;
    e.meta.position = position;
    e.meta.stream = "s";
    Status s = store_->ApplyBatch(all_, checkpoints_, std::span(&e, 1));
    return s;
  }
  std::string Last(const ProjectionStore::View* at = nullptr) {
    std::string v;
    Result<bool> found = store_->Get("trail", "last", &v, at);
    if (!found.ok()) return found.status().ToString();
    return *found ? v : "-";
  }
  std::vector<std::string> Rows(const ProjectionStore::View* at = nullptr) {
    std::vector<std::string> keys;
    Status s = store_->Scan(
        "trail", "e/", "",
        [&](std::string_view key, std::string_view) {
          keys.emplace_back(key);
          return true;
        },
        at);
    if (!s.ok()) keys.push_back(s.ToString());
    return keys;
  }

  testing::TempDir dir_;
  ledger::StorageFaults faults_;  // outlives the store opened on its environment
  TrailProjection trail_;
  Projection* all_[1] = {&trail_};
  uint64_t checkpoints_[1] = {0};
  std::unique_ptr<ProjectionStore> store_;
};

// A streamed export reads one state of the store from its first row to its last: rows and
// checkpoints applied after the view was taken are not seen through it.
TEST_F(ViewTest, ReadsThroughAViewSeeTheStoreAsItWasWhenItWasTaken) {
  Open();
  ASSERT_TRUE(Apply(1).ok());
  auto view = std::move(store_->NewView()).value();
  ASSERT_TRUE(Apply(2).ok());
  ASSERT_TRUE(store_->Flush().ok());  // rows in table files too: the view still holds them
  ASSERT_TRUE(Apply(3).ok());
  EXPECT_EQ(Last(view.get()), "1");
  EXPECT_EQ(Rows(view.get()), std::vector<std::string>{"e/1"});
  EXPECT_EQ(*store_->Checkpoint("trail", view.get()), 1u);
  EXPECT_EQ(Last(), "3");
  EXPECT_EQ(Rows(), (std::vector<std::string>{"e/1", "e/2", "e/3"}));
  EXPECT_EQ(*store_->Checkpoint("trail"), 3u);
  ASSERT_TRUE(store_->Drop("trail").ok());  // a rebuild begins: the view still has the rows
  EXPECT_EQ(Rows(view.get()), std::vector<std::string>{"e/1"});
  EXPECT_EQ(Rows(), std::vector<std::string>{});
}

// The store reopens itself after a failed write (a full disk): a view of the instance closed
// ends, and reads through it answer storage_unavailable instead of reading a released snapshot.
TEST_F(ViewTest, AViewTakenBeforeTheStoreReopenedAnswersUnavailable) {
  Open(faults_.env());
  ASSERT_TRUE(Apply(1).ok());
  auto view = std::move(store_->NewView()).value();
  faults_.SetNoSpace(true);
  EXPECT_FALSE(Apply(2).ok());
  EXPECT_EQ(Last(view.get()), "1");  // not reopened yet: the view still reads
  faults_.SetNoSpace(false);
  ASSERT_TRUE(Apply(2).ok());  // reopens first
  std::string v;
  Result<bool> read = store_->Get("trail", "last", &v, view.get());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Rows(view.get()).size(), 1u);  // the scan's error
  EXPECT_FALSE(store_->Checkpoint("trail", view.get()).ok());
  EXPECT_EQ(Last(), "2");
  auto again = std::move(store_->NewView()).value();
  EXPECT_EQ(Last(again.get()), "2");
}

// A view may outlive its store (the store closed at shutdown while an export still holds it):
// the store releases the snapshot when it closes and the view's own end then does nothing.
TEST_F(ViewTest, AViewMayEndAfterItsStore) {
  Open();
  ASSERT_TRUE(Apply(1).ok());
  auto first = std::move(store_->NewView()).value();
  auto second = std::move(store_->NewView()).value();
  second.reset();  // ended before the store: released by itself
  store_.reset();
  first.reset();  // under ASan, a release through the closed database would show here
  Open();
  EXPECT_EQ(Last(), "1");
}

// While a projection is being built its rows are refused to readers, not read empty; a view taken
// before shows the state it was taken in.
TEST_F(ViewTest, AProjectionBeingBuiltIsRefusedExceptThroughAView) {
  Open();
  ASSERT_TRUE(Apply(1).ok());
  auto view = std::move(store_->NewView()).value();
  store_->SetBuilding("trail", true);
  store_->SetBuilding("other", true);
  store_->SetBuilding("other", false);
  EXPECT_EQ(store_->ReadyToRead("trail").reason(), "projection_rebuilding");
  EXPECT_EQ(Last().substr(0, 11), "Unavailable") << Last();
  EXPECT_EQ(Rows().back().substr(0, 11), "Unavailable");
  EXPECT_FALSE(store_->NewOrderedReader("trail").ok());
  EXPECT_EQ(Last(view.get()), "1");
  store_->SetBuilding("trail", false);
  EXPECT_TRUE(store_->ReadyToRead("trail").ok());
  EXPECT_EQ(Last(), "1");
  EXPECT_TRUE(store_->NewOrderedReader("trail").ok());
}

}  // namespace
}  // namespace kaiin::projections
