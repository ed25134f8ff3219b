// RowTable: the rows a projection has written and not yet stored, while it applies a batch of
// events or a whole rebuild (projection_store.cc's BatchRows and BulkRows): each key's latest
// value, or that it was deleted, and all of them in key order at the end.
//
// A rebuild holds millions of rows and looks one up for nearly every event: the rows are held in
// a StringTable (events/string_table.h: keys in one arena, entries in one vector, 8-byte slots),
// where std::unordered_map cost four or five cache misses a lookup. Nothing is ever removed: a
// deleted row stays, marked, and may be written again.
//
// Rows written with Insert (Rows::Insert: the first write of a new key, such as a ledger entry
// named by its event's position) are not looked up at all: they are appended to a list of their
// own and merged with the others when they are written. The lookup of a key not yet held is a
// cache miss into the slots, most of a rebuild's time in the table.
#pragma once

#include <cstdint>
#include <memory>
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
  // never written here is not taken in at all, unless some row was inserted: it may be this
  // key's).
  void Delete(std::string_view key, State state);
  // Adds a row without looking its key up, for a key whose first write this is (Find does not
  // see it). Inserted again, the last value counts; once Put or Delete has written the key too,
  // what they left counts, a deletion that forgets included.
  void Insert(std::string_view key, std::string_view value);

  // Rows held, whatever their state.
  size_t size() const { return rows_.size() + inserted_.size(); }
  // The memory the rows take, roughly: their keys and values and a fixed cost each.
  size_t bytes() const { return bytes_; }

  // Calls fn(key, value) for every row that is to be written, in ascending (unsigned byte) key
  // order; value points to the row's bytes (valid during the call only), or is nullptr for a
  // deletion.
  template <typename Fn>
  void ForEachInKeyOrder(Fn&& fn) const {
    const std::vector<uint32_t> held = SortedEntries();
    const std::vector<uint32_t> inserted = SortedInserted();
    size_t h = 0;
    for (size_t i = 0; i < inserted.size(); ++i) {
      const std::string_view key = InsertedKey(inserted[i]);
      // Equal keys sort in the order they came: the last counts.
      if (i + 1 < inserted.size() && InsertedKey(inserted[i + 1]) == key) continue;
      for (; h < held.size() && rows_.key(held[h]) < key; ++h) Emit(held[h], fn);
      if (h < held.size() && rows_.key(held[h]) == key) continue;  // Put or Delete counts
      const std::string_view value = InsertedValue(inserted[i]);
      fn(key, &value);
    }
    for (; h < held.size(); ++h) Emit(held[h], fn);
  }

 private:
  struct Row {
    State state = State::kForgotten;
    std::string value;
  };
  // An entry of the table and its share of the slots (half full at most).
  static constexpr size_t kEntryOverhead =
      events::StringTable<Row>::EntryBytes() + 2 * sizeof(uint64_t);

  // A row written with Insert: its key and then its value, in one of inserted_blocks_.
  struct Inserted {
    const char* data;
    uint32_t key_size;
    uint32_t value_size;
  };
  static constexpr size_t kInsertedBlockBytes = 1 << 20;

  template <typename Fn>
  void Emit(uint32_t entry, Fn& fn) const {
    const Row& row = rows_.value(entry);
    if (row.state == State::kForgotten) return;
    if (row.state == State::kDeleted) {
      fn(rows_.key(entry), static_cast<const std::string_view*>(nullptr));
      return;
    }
    const std::string_view value = row.value;
    fn(rows_.key(entry), &value);
  }
  std::string_view InsertedKey(uint32_t i) const {
    return {inserted_[i].data, inserted_[i].key_size};
  }
  std::string_view InsertedValue(uint32_t i) const {
    return {inserted_[i].data + inserted_[i].key_size, inserted_[i].value_size};
  }

  // The key's row, added (kForgotten, empty) if it was not held.
  Row& Upsert(std::string_view key);
  // The indexes of the entries, sorted by their keys: those to be written, and the forgotten
  // ones that hide an inserted row (all of them while any row is inserted).
  std::vector<uint32_t> SortedEntries() const;
  // The indexes of the inserted rows, sorted by their keys, equal keys in the order they came.
  std::vector<uint32_t> SortedInserted() const;

  events::StringTable<Row> rows_;
  std::vector<Inserted> inserted_;
  std::vector<std::unique_ptr<char[]>> inserted_blocks_;
  char* block_next_ = nullptr;  // the free room of the last block
  size_t block_left_ = 0;
  size_t bytes_ = 0;
};

}  // namespace kaiin::projections
