#include "commands/sequenced_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace kaiin::commands {
namespace {

using Map = SequencedMap<'p', int>;

std::vector<std::string> Keys(const Map& m) {
  std::vector<std::string> keys;
  for (const auto& [id, _] : m) keys.push_back(id);
  return keys;
}

// Numbered ids in order go to the deque, anything else to the map; every lookup finds each, and
// iteration gives both parts merged in key order, as a std::map would.
TEST(SequencedMapTest, NumberedIdsInOrderAndOthersAreAllFound) {
  Map m;
  EXPECT_TRUE(m.empty());
  EXPECT_TRUE(m.emplace("p000000001", 1).second);
  EXPECT_TRUE(m.emplace("p000000002", 2).second);
  EXPECT_TRUE(m.emplace("p000000004", 4).second);  // a gap: to the map
  EXPECT_TRUE(m.emplace("x-1", 9).second);          // another form
  EXPECT_TRUE(m.emplace("i000000003", 7).second);   // another prefix
  EXPECT_TRUE(m.emplace("p00000000a", 8).second);   // not digits
  EXPECT_FALSE(m.emplace("p000000002", 20).second);  // there already: unchanged
  EXPECT_FALSE(m.emplace("p000000004", 40).second);
  EXPECT_EQ(m.size(), 6u);
  EXPECT_EQ(m.at("p000000002"), 2);
  EXPECT_EQ(m.at("p000000004"), 4);
  EXPECT_EQ(m.at("x-1"), 9);
  EXPECT_EQ(m.find("p000000003"), m.end());
  EXPECT_EQ(m.find("p000000000"), m.end());
  EXPECT_THROW(m.at("p000000005"), std::out_of_range);
  EXPECT_EQ(Keys(m), (std::vector<std::string>{"i000000003", "p000000001", "p000000002",
                                               "p000000004", "p00000000a", "x-1"}));
  m["p000000003"] = 3;  // the next number now: to the deque, found by number from then on
  EXPECT_EQ(m.at("p000000003"), 3);
  m["p000000001"] += 10;
  EXPECT_EQ(m.find("p000000001")->second, 11);
  EXPECT_EQ(m.size(), 7u);
}

// An iterator from find() stands where iteration from begin() reaches the same entry: equal to
// it, and going on from there through the same entries. References stay valid while the map
// grows (Evolve holds one to a record while it adds to others).
TEST(SequencedMapTest, FindStandsWhereIterationReachesTheEntry) {
  Map m;
  for (const char* id : {"p0", "p000000001", "p000000002", "p000000003", "p000000003a",
                         "p000000005", "p1", "a"}) {
    m.emplace(id, static_cast<int>(m.size()));
  }
  const int& first = m.at("p000000001");
  for (int n = 6; n < 5000; ++n) {  // after the gap at 4: to the map
    m.emplace("p" + std::string(9 - std::to_string(n).size(), '0') + std::to_string(n), n);
  }
  m.emplace("p000000004", 4);  // fills the gap: to the deque; 5 and on stay in the map
  EXPECT_EQ(&first, &m.at("p000000001"));
  std::vector<std::string> keys = Keys(m);
  ASSERT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  ASSERT_EQ(keys.size(), m.size());
  size_t i = 0;
  for (auto it = m.begin(); it != m.end(); ++it, ++i) {
    ASSERT_EQ(it->first, keys[i]);
    auto found = m.find(keys[i]);
    ASSERT_TRUE(found == it) << keys[i];
    ++found;
    auto next = it;
    ++next;
    ASSERT_TRUE(found == next) << keys[i];
    if (next != m.end()) {
      EXPECT_EQ((*found).first, keys[i + 1]);
    }
  }
  const Map& c = m;
  EXPECT_EQ(c.find("p000000003a")->second, 4);
  EXPECT_TRUE(c.find("p000000006") != c.end());
  EXPECT_TRUE(c.find("p000005000") == c.end());
}

// Equal contents built in the same order compare equal; a changed record or an extra entry not.
TEST(SequencedMapTest, EqualityIsByContents) {
  Map a, b;
  for (Map* m : {&a, &b}) {
    m->emplace("p000000001", 1);
    m->emplace("p000000002", 2);
    m->emplace("other", 3);
  }
  EXPECT_TRUE(a == b);
  b["p000000002"] = 5;
  EXPECT_FALSE(a == b);
  b["p000000002"] = 2;
  b.emplace("p000000003", 3);
  EXPECT_FALSE(a == b);
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.begin(), a.end());
}

}  // namespace
}  // namespace kaiin::commands
