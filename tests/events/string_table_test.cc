// StringTable, the table under the log writer's stream versions and a projection's batch rows
// (tests/ledger/stream_versions_test.cc and tests/projections/row_table_test.cc drive it with
// random operations against std::unordered_map through both).
#include "events/string_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kaiin::events {
namespace {

TEST(StringTableTest, EntriesKeepTheirKeysAndValuesThroughGrowthAndClears) {
  StringTable<std::string> t;
  EXPECT_EQ(t.Find(""), t.kNone);
  for (int round = 0; round < 2; ++round) {
    bool inserted = false;
    const uint32_t empty = t.FindOrInsert("", &inserted);  // the empty key is a key
    EXPECT_TRUE(inserted);
    EXPECT_EQ(t.value(empty), "");  // a new entry's value is Value{}
    for (int i = 0; i < 5000; ++i) {  // past the first slots many times over
      const std::string key = "k" + std::to_string(i) + std::string(1, '\0') + "x";
      const uint32_t entry = t.FindOrInsert(key, &inserted);
      ASSERT_TRUE(inserted);
      ASSERT_EQ(entry, static_cast<uint32_t>(i + 1));  // entries are numbered as they came
      t.value(entry) = "v" + std::to_string(i);
    }
    ASSERT_EQ(t.size(), 5001u);
    for (int i = 0; i < 5000; ++i) {
      const std::string key = "k" + std::to_string(i) + std::string(1, '\0') + "x";
      const uint32_t entry = t.Find(key);
      ASSERT_NE(entry, t.kNone) << i;
      EXPECT_EQ(t.key(entry), key);
      EXPECT_EQ(t.value(entry), "v" + std::to_string(i));
      EXPECT_EQ(t.FindOrInsert(key, &inserted), entry);
      EXPECT_FALSE(inserted);
    }
    // Differing only after the NUL: another key.
    EXPECT_EQ(t.Find("k1" + std::string(1, '\0') + "y"), t.kNone);
    // The first round gives the memory back (its slots passed 64), the second keeps it.
    t.Clear(round == 0 ? 64 : SIZE_MAX);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.Find("k1" + std::string(1, '\0') + "x"), t.kNone);
    EXPECT_EQ(t.Find(""), t.kNone);
  }
}

// The arena grows by blocks and a key never straddles two: keys of every size up to many times
// the first block, and keys that end exactly at a block's end, read back whole; so does a table
// moved into another (the moved-from one is empty and usable).
TEST(StringTableTest, KeysOfAnySizeReadBackWholeAcrossBlocksAndMoves) {
  StringTable<uint64_t> t;
  std::vector<std::string> keys;
  bool inserted = false;
  for (size_t i = 0; i < 400; ++i) {
    // sizes 1..~9000 bytes, with a run of 1024-byte keys that fill blocks to their last byte
    const size_t size = i < 40 ? 1024 : (i * 7919) % 9000 + 1;
    std::string key(size, static_cast<char>('a' + i % 26));
    key += std::to_string(i);
    const uint32_t entry = t.FindOrInsert(key, &inserted);
    ASSERT_TRUE(inserted);
    t.value(entry) = i;
    keys.push_back(std::move(key));
  }
  StringTable<uint64_t> moved(std::move(t));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.Find(keys[0]), t.kNone);
  for (size_t i = 0; i < keys.size(); ++i) {
    const uint32_t entry = moved.Find(keys[i]);
    ASSERT_NE(entry, moved.kNone) << i;
    EXPECT_EQ(moved.key(entry), keys[i]) << i;
    EXPECT_EQ(moved.value(entry), i);
  }
  t.FindOrInsert("again", &inserted);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(t.key(t.Find("again")), "again");
  t = std::move(moved);
  EXPECT_EQ(t.size(), keys.size());
  EXPECT_EQ(t.key(t.Find(keys.back())), keys.back());
}

}  // namespace
}  // namespace kaiin::events
