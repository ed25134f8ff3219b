// RowTable: the rows a projection has written and not yet stored, while it applies a batch of
// events or a whole rebuild (projection_store.cc's BatchRows and BulkRows): each key's latest
// value, or that it was deleted, and all of them in key order at the end.
//
// A rebuild holds millions of rows and looks one up for nearly every event: the rows are held in
// a StringTable (events/string_table.h: keys in one arena, entries in one vector, 8-byte slots),
// where std::unordered_map cost four or five cache misses a lookup. Nothing is ever removed: a
// deleted row stays, marked, and may be written again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/key_prefix.h"
#include "events/string_table.h"

namespace kaiin::projections {

class RowTable {
 public:
  enum class State : uint8_t {
    kValue,      // the row holds a value
    kDeleted,    // the row is to be deleted from the store
    kForgotten,  // deleted, and the store never held it: nothing to write
  };
  // What the table holds for a key: the state and, with kValue, the value (valid until the next
  // Put or Delete, which may move the entries).
  struct Held {
    State state;
    const std::string* value;  // with kValue
  };

  // What is held for the key; false when it was never written here.
  bool Find(std::string_view key, Held* held) const;
  void Put(std::string_view key, std::string_view value);
  // Marks the row deleted: kDeleted, or kForgotten when the store cannot hold it (then a key
  // never written here is not taken in at all).
  void Delete(std::string_view key, State state);

  // Rows held, whatever their state.
  size_t size() const { return rows_.size(); }
  // The memory the rows take, roughly: their keys and values and a fixed cost each.
  size_t bytes() const { return bytes_; }

  // Calls fn(key, value) for every row that is to be written, in ascending (unsigned byte) key
  // order; value is nullptr for a deletion.
  template <typename Fn>
  void ForEachInKeyOrder(Fn&& fn) const {
    for (uint32_t i : SortedEntries()) {
      const Row& row = rows_.value(i);
      fn(rows_.key(i), row.state == State::kValue ? &row.value : nullptr);
    }
  }

 private:
  struct Row {
    State state = State::kForgotten;
    std::string value;
  };
  // An entry of the table and its share of the slots (half full at most).
  static constexpr size_t kEntryOverhead =
      events::StringTable<Row>::EntryBytes() + 2 * sizeof(uint64_t);

  struct Item {  // an entry to be written, while sorting
    events::KeyPrefix prefix;
    uint32_t index;
  };

  // The key's row, added (kForgotten, empty) if it was not held.
  Row& Upsert(std::string_view key);
  // The indexes of the entries to be written (not forgotten), sorted by their keys.
  std::vector<uint32_t> SortedEntries() const;
  // Sorts items whose keys agree on their first `offset` bytes, by the rest.
  void SortFrom(Item* begin, Item* end, size_t offset) const;

  events::StringTable<Row> rows_;
  size_t bytes_ = 0;
};

}  // namespace kaiin::projections
