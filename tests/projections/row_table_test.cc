#include "projections/row_table.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>

namespace kaiin::projections {
namespace {

// What the table should write: key -> value, or nullopt for a deletion.
using Model = std::map<std::string, std::optional<std::string>>;

Model Written(const RowTable& t) {
  Model out;
  std::string last;
  bool first = true;
  t.ForEachInKeyOrder([&](std::string_view key, const std::string_view* value) {
    EXPECT_TRUE(first || std::string(key) > last) << "out of order or twice: " << key;
    first = false;
    last = std::string(key);
    out[last] = value ? std::optional<std::string>(*value) : std::nullopt;
  });
  return out;
}

TEST(RowTableTest, HoldsEachKeysLatestValueOrDeletion) {
  RowTable t;
  RowTable::Held held;
  EXPECT_FALSE(t.Find("a", &held));
  t.Put("a", "1");
  t.Put("b", "2");
  t.Put("a", "11");
  ASSERT_TRUE(t.Find("a", &held));
  EXPECT_EQ(held.state, RowTable::State::kValue);
  EXPECT_EQ(*held.value, "11");
  t.Delete("b", RowTable::State::kDeleted);
  ASSERT_TRUE(t.Find("b", &held));
  EXPECT_EQ(held.state, RowTable::State::kDeleted);
  t.Delete("c", RowTable::State::kForgotten);  // never written: not taken in
  EXPECT_FALSE(t.Find("c", &held));
  t.Put("d", "4");
  t.Delete("d", RowTable::State::kForgotten);
  ASSERT_TRUE(t.Find("d", &held));
  EXPECT_EQ(held.state, RowTable::State::kForgotten);
  t.Put("e", "");  // an empty value is a value
  EXPECT_EQ(Written(t), (Model{{"a", "11"}, {"b", std::nullopt}, {"e", ""}}));
  t.Put("d", "44");  // written again after it was forgotten
  EXPECT_EQ(Written(t), (Model{{"a", "11"}, {"b", std::nullopt}, {"d", "44"}, {"e", ""}}));
}

// Keys as the projections make them: shared prefixes longer than the 16 bytes the sort looks at
// first, NULs, bytes above 0x7f (ordered unsigned, as RocksDB's comparator does), prefixes of one
// another. Many of them, so the table grows many times.
TEST(RowTableTest, AgreesWithAnOrderedMapThroughGrowthAndWritesInByteOrder) {
  std::mt19937 rng(7);
  const std::vector<std::string> stems = {"x/fnk/\xe3\x82\xa2\xe3\x82\xa4\xe3\x82\xa6", "x/fn/",
                                          "e/m000000001/0000000000", "m/", "", std::string("a\0b", 3),
                                          "\xff\xfe", "e/m000000001/00000000001"};
  RowTable t;
  Model model;
  for (int i = 0; i < 200000; ++i) {
    std::string key = stems[rng() % stems.size()];
    const int tail = rng() % 3;
    for (int k = 0; k < tail; ++k) key.push_back(static_cast<char>(rng() % 4 == 0 ? 0 : rng()));
    key += std::to_string(rng() % 20000);
    const int op = rng() % 10;
    if (op < 7) {
      const std::string value(rng() % 40, static_cast<char>('a' + i % 26));
      t.Put(key, value);
      model[key] = value;
    } else {
      t.Delete(key, RowTable::State::kDeleted);
      model[key] = std::nullopt;
    }
  }
  EXPECT_EQ(t.size(), model.size());
  for (const auto& [key, value] : model) {
    RowTable::Held held;
    ASSERT_TRUE(t.Find(key, &held)) << key;
    EXPECT_EQ(held.state, value ? RowTable::State::kValue : RowTable::State::kDeleted);
    if (value) {
      EXPECT_EQ(*held.value, *value);
    }
  }
  EXPECT_EQ(Written(t), model);
}

// Inserted rows are held apart, unseen by Find, and written merged with the others in key order:
// the last of a key inserted twice; a key also Put or deleted, as Put or Delete left it.
TEST(RowTableTest, InsertedRowsAreWrittenMergedInKeyOrder) {
  std::mt19937 rng(11);
  RowTable t;
  Model model;
  const std::string big(3 << 20, 'z');  // larger than a block of inserted rows
  t.Insert("m/big", big);
  model["m/big"] = big;
  for (int i = 0; i < 100000; ++i) {
    // Keys of both kinds share their first 16 bytes, so that the merge compares whole keys.
    const bool inserted = rng() % 2 == 0;
    std::string key = std::string("e/m000000001/00000") + (inserted ? "i" : "p");
    key += std::to_string(rng() % 30000);
    if (rng() % 5 == 0) key.push_back('\0');
    const std::string value(rng() % 50, static_cast<char>('a' + i % 26));
    if (inserted) {
      t.Insert(key, value);
      model[key] = value;
    } else if (rng() % 4 == 0) {
      t.Delete(key, RowTable::State::kDeleted);
      model[key] = std::nullopt;
    } else {
      t.Put(key, value);
      model[key] = value;
    }
  }
  RowTable::Held held;
  EXPECT_FALSE(t.Find("m/big", &held));
  // A key both inserted and Put: the Put row counts, whichever came first.
  t.Insert("k/1", "inserted");
  t.Put("k/1", "put");
  t.Put("k/2", "put");
  t.Insert("k/2", "inserted");
  t.Insert("k/3", "inserted");
  t.Delete("k/3", RowTable::State::kDeleted);
  model["k/1"] = model["k/2"] = "put";
  model["k/3"] = std::nullopt;
  EXPECT_EQ(Written(t), model);
}

// A rebuild from nothing forgets a deleted row rather than write a tombstone; an inserted row
// deleted so is forgotten too, and written again by a Put after it.
TEST(RowTableTest, AForgettingDeleteHidesAnInsertedRow) {
  RowTable t;
  t.Insert("x/a", "");
  t.Insert("x/b", "");
  t.Insert("x/c", "");
  t.Put("m/1", "row");
  t.Delete("x/a", RowTable::State::kForgotten);
  t.Delete("x/b", RowTable::State::kForgotten);
  t.Put("x/b", "again");
  t.Delete("x/never", RowTable::State::kForgotten);
  EXPECT_EQ(Written(t), (Model{{"m/1", "row"}, {"x/b", "again"}, {"x/c", ""}}));
}

TEST(RowTableTest, BytesFollowTheKeysAndValuesHeld) {
  RowTable t;
  EXPECT_EQ(t.bytes(), 0u);
  t.Put("key", std::string(100, 'v'));
  const size_t one = t.bytes();
  EXPECT_GE(one, 103u);
  t.Put("key", std::string(10, 'v'));
  EXPECT_EQ(t.bytes(), one - 90);
  t.Delete("key", RowTable::State::kDeleted);
  EXPECT_EQ(t.bytes(), one - 100);
  t.Put("other", "");
  EXPECT_EQ(t.bytes(), 2 * (one - 100) + 2);
  const size_t before = t.bytes();
  t.Insert("entry", std::string(20, 'v'));
  EXPECT_GE(t.bytes(), before + 25);
  EXPECT_EQ(t.size(), 3u);
}

}  // namespace
}  // namespace kaiin::projections
