#include "projections/row_table.h"

#include <algorithm>

namespace kaiin::projections {

bool RowTable::Find(std::string_view key, Held* held) const {
  const uint32_t entry = rows_.Find(key);
  if (entry == rows_.kNone) return false;
  const Row& row = rows_.value(entry);
  *held = {row.state, &row.value};
  return true;
}

RowTable::Row& RowTable::Upsert(std::string_view key) {
  bool inserted;
  const uint32_t entry = rows_.FindOrInsert(key, &inserted);
  if (inserted) bytes_ += kEntryOverhead + key.size();
  return rows_.value(entry);
}

void RowTable::Put(std::string_view key, std::string_view value) {
  Row& row = Upsert(key);
  bytes_ = bytes_ - row.value.size() + value.size();
  row.value.assign(value);
  row.state = State::kValue;
}

void RowTable::Delete(std::string_view key, State state) {
  // Nothing to hold for a key never written here.
  if (state == State::kForgotten && rows_.Find(key) == rows_.kNone) return;
  Row& row = Upsert(key);
  bytes_ -= row.value.size();
  std::string().swap(row.value);
  row.state = state;
}

std::vector<uint32_t> RowTable::SortedEntries() const {
  // Sorted 16 bytes at a time, most significant first: by the keys' first 16 bytes held beside
  // the indexes (two integer compares in one array, no miss into the keys), then each run that
  // agrees on them by the next 16, and so on. Keys sharing long prefixes (a member's ledger
  // entries, the search index's common names) would otherwise be compared from their first byte
  // again and again.
  std::vector<Item> items;
  items.reserve(rows_.size());
  for (uint32_t i = 0; i < rows_.size(); ++i) {
    if (rows_.value(i).state == State::kForgotten) continue;
    items.push_back({events::KeyPrefixOf(rows_.key(i)), i});
  }
  SortFrom(items.data(), items.data() + items.size(), 0);
  std::vector<uint32_t> out;
  out.reserve(items.size());
  for (const Item& item : items) out.push_back(item.index);
  return out;
}

void RowTable::SortFrom(Item* begin, Item* end, size_t offset) const {
  std::sort(begin, end, [](const Item& a, const Item& b) { return a.prefix < b.prefix; });
  for (Item* run = begin; run != end;) {
    Item* next = run + 1;
    while (next != end && next->prefix == run->prefix) ++next;
    if (next - run > 1) {  // these agree on bytes [0, offset + 16)
      bool longer = true;  // every key goes on past them: the next 16 bytes decide
      for (Item* i = run; i != next && longer; ++i) {
        longer = rows_.key(i->index).size() > offset + 16;
      }
      if (longer) {
        for (Item* i = run; i != next; ++i) {
          i->prefix = events::KeyPrefixOf(rows_.key(i->index), offset + 16);
        }
        SortFrom(run, next, offset + 16);
      } else {  // a key ends here (zeros padded it): the rest of the bytes and the lengths decide
        std::sort(run, next, [this, offset](const Item& a, const Item& b) {
          // string_view compares bytes as unsigned char, as RocksDB's comparator does
          return rows_.key(a.index).substr(offset) < rows_.key(b.index).substr(offset);
        });
      }
    }
    run = next;
  }
}

}  // namespace kaiin::projections
