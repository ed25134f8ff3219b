#include "projections/projection_store.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

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

}  // namespace
}  // namespace kaiin::projections
