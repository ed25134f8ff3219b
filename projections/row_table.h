// RowTable: the rows a projection has written and not yet stored, while it applies a batch of
// events or a whole rebuild (projection_store.cc's BatchRows and BulkRows): each key's latest
// value, or that it was deleted, and all of them in key order at the end.
//
// A rebuild holds millions of rows and looks one up for nearly every event, so the layout is for
// few cache misses (std::unordered_map cost four or five a lookup: bucket, node before, node, key,
// value): keys are packed one after the other in one arena, the entries (hash, key's place,
// state, value) in one vector in the order they came, and an open-addressing table of 8-byte
// slots (32 bits of the hash beside the entry's index) points into it. A lookup reads a slot or
// two, then the entry and the key only when the hash bits agree. Nothing is ever removed: a
// deleted row stays, marked, and may be written again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/key_prefix.h"

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

  RowTable();

  // What is held for the key; false when it was never written here.
  bool Find(std::string_view key, Held* held) const;
  void Put(std::string_view key, std::string_view value);
  // Marks the row deleted: kDeleted, or kForgotten when the store cannot hold it (then a key
  // never written here is not taken in at all).
  void Delete(std::string_view key, State state);

  // Rows held, whatever their state.
  size_t size() const { return entries_.size(); }
  // The memory the rows take, roughly: their keys and values and a fixed cost each.
  size_t bytes() const { return bytes_; }

  // Calls fn(key, value) for every row that is to be written, in ascending (unsigned byte) key
  // order; value is nullptr for a deletion.
  template <typename Fn>
  void ForEachInKeyOrder(Fn&& fn) const {
    for (uint32_t i : SortedEntries()) {
      const Entry& e = entries_[i];
      fn(KeyOf(e), e.state == State::kValue ? &e.value : nullptr);
    }
  }

 private:
  struct Entry {
    uint64_t hash;
    uint64_t key_at;  // in keys_
    uint32_t key_size;
    State state;
    std::string value;
  };
  static constexpr size_t kEntryOverhead = sizeof(Entry) + 2 * sizeof(uint64_t);

  struct Item {  // an entry to be written, while sorting
    events::KeyPrefix prefix;
    uint32_t index;
  };

  std::string_view KeyOf(const Entry& e) const { return {keys_.data() + e.key_at, e.key_size}; }
  // The entry's index, or -1; *slot is where the key is or would go.
  int64_t Lookup(std::string_view key, uint64_t hash, size_t* slot) const;
  Entry& Upsert(std::string_view key);
  void Grow();
  // The indexes of the entries to be written (not forgotten), sorted by their keys.
  std::vector<uint32_t> SortedEntries() const;
  // Sorts items whose keys agree on their first `offset` bytes, by the rest.
  void SortFrom(Item* begin, Item* end, size_t offset) const;

  std::string keys_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> slots_;  // 0: empty; else (hash >> 32) << 32 | (entry index + 1)
  size_t bytes_ = 0;
};

}  // namespace kaiin::projections
