// StringTable, the table under the log writer's stream versions and a projection's batch rows
// (tests/ledger/stream_versions_test.cc and tests/projections/row_table_test.cc drive it with
// random operations against std::unordered_map through both).
#include "events/string_table.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace kaiin::events
