#include "commands/sequenced_map.h"

#include <gtest/gtest.h>

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

// Numbered ids in order go to the vector, anything else to the map; every lookup finds each,
// iteration gives the numbered ones in number order then the others in key order.
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
  EXPECT_EQ(Keys(m), (std::vector<std::string>{"p000000001", "p000000002", "i000000003",
                                               "p000000004", "p00000000a", "x-1"}));
  m["p000000003"] = 3;  // the next number now: to the vector, found by number from then on
  EXPECT_EQ(m.at("p000000003"), 3);
  m["p000000001"] += 10;
  EXPECT_EQ(m.find("p000000001")->second, 11);
  EXPECT_EQ(m.size(), 7u);
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
