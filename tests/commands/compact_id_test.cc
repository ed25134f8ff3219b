#include "commands/compact_id.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace kaiin::commands {
namespace {

static_assert(sizeof(CompactId) == 8);

// Every id reads back as itself, whether packed (a letter and nine digits) or kept on the heap
// (anything else, including ids one character off the packed form), and equals exactly the ids
// that read the same.
TEST(CompactIdTest, EveryIdReadsBackAsItselfAndEqualsOnlyItself) {
  const std::vector<std::string> ids = {
      "",           "m000000001", "m000000000", "m999999999", "i000000123", "z123456789",
      "a000000000", "m1",         "M000000001", "m00000000a", "m0000000001", "m00000001",
      "{000000001", "`000000001", "会員000001", std::string("m0000\0" "0001", 10), "p-1"};
  for (size_t i = 0; i < ids.size(); ++i) {
    const CompactId id(ids[i]);
    EXPECT_EQ(id.str(), ids[i]) << i;
    EXPECT_EQ(id.empty(), ids[i].empty()) << i;
    for (size_t j = 0; j < ids.size(); ++j) {
      EXPECT_EQ(id == CompactId(ids[j]), i == j) << i << " " << j;
      EXPECT_EQ(id == ids[j], i == j) << i << " " << j;
      EXPECT_EQ(id == std::string_view(ids[j]), i == j) << i << " " << j;
    }
  }
}

// Copies own what they hold: a copy outlives its source, assignment replaces, a move empties.
TEST(CompactIdTest, CopiesAndMovesKeepTheId) {
  std::vector<CompactId> ids;
  {
    CompactId heap("member-1"), packed("m000000042");
    ids.push_back(heap);
    ids.push_back(packed);
    CompactId moved(std::move(heap));
    EXPECT_TRUE(heap.empty());  // NOLINT: moved from on purpose
    EXPECT_EQ(moved, "member-1");
    packed = moved;
    EXPECT_EQ(packed, "member-1");
    moved = CompactId("m000000007");
    EXPECT_EQ(moved.str(), "m000000007");
  }
  for (int i = 0; i < 100; ++i) ids.push_back(ids[i % 2]);  // growth copies and moves them
  EXPECT_EQ(ids[0].str(), "member-1");
  EXPECT_EQ(ids[101].str(), "m000000042");
  EXPECT_EQ(ids[100], ids[0]);
}

}  // namespace
}  // namespace kaiin::commands
