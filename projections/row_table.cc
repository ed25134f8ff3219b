#include "projections/row_table.h"

#include <algorithm>
#include <cstring>

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
  // Nothing to hold for a key never written here, unless it may have been inserted: then the
  // deletion is held, to hide the inserted row.
  if (state == State::kForgotten && inserted_.empty() && rows_.Find(key) == rows_.kNone) return;
  Row& row = Upsert(key);
  bytes_ -= row.value.size();
  std::string().swap(row.value);
  row.state = state;
}

void RowTable::Insert(std::string_view key, std::string_view value) {
  const size_t size = key.size() + value.size();
  if (size > block_left_ || block_next_ == nullptr) {
    const size_t block = std::max(size, kInsertedBlockBytes);
    inserted_blocks_.push_back(std::make_unique_for_overwrite<char[]>(block));
    block_next_ = inserted_blocks_.back().get();
    block_left_ = block;
  }
  std::memcpy(block_next_, key.data(), key.size());
  std::memcpy(block_next_ + key.size(), value.data(), value.size());
  inserted_.push_back({block_next_, static_cast<uint32_t>(key.size()),
                       static_cast<uint32_t>(value.size())});
  block_next_ += size;
  block_left_ -= size;
  bytes_ += sizeof(Inserted) + size;
}

namespace {

struct Item {  // a row to be written, while sorting
  events::KeyPrefix prefix;
  uint32_t index;
};

// Sorts items whose keys (key_of(index)) agree on their first `offset` bytes by the rest, and
// equal keys by their indexes. Sorted 16 bytes at a time, most significant first: by the keys'
// 16 bytes from `offset` held beside the indexes (two integer compares in one array, no miss
// into the keys), then each run that agrees on them by the next 16, and so on. Keys sharing long
// prefixes (a member's ledger entries, the search index's common names) would otherwise be
// compared from their first byte again and again.
template <typename KeyOf>
void SortFrom(Item* begin, Item* end, size_t offset, const KeyOf& key_of) {
  std::sort(begin, end, [](const Item& a, const Item& b) { return a.prefix < b.prefix; });
  for (Item* run = begin; run != end;) {
    Item* next = run + 1;
    while (next != end && next->prefix == run->prefix) ++next;
    if (next - run > 1) {  // these agree on bytes [0, offset + 16)
      bool longer = true;  // every key goes on past them: the next 16 bytes decide
      for (Item* i = run; i != next && longer; ++i) longer = key_of(i->index).size() > offset + 16;
      if (longer) {
        for (Item* i = run; i != next; ++i) {
          i->prefix = events::KeyPrefixOf(key_of(i->index), offset + 16);
        }
        SortFrom(run, next, offset + 16, key_of);
      } else {  // a key ends here (zeros padded it): the rest of the bytes and the lengths decide
        std::sort(run, next, [&key_of, offset](const Item& a, const Item& b) {
          // string_view compares bytes as unsigned char, as RocksDB's comparator does
          const int c = key_of(a.index).substr(offset).compare(key_of(b.index).substr(offset));
          return c < 0 || (c == 0 && a.index < b.index);
        });
      }
    }
    run = next;
  }
}

template <typename KeyOf>
std::vector<uint32_t> Sorted(std::vector<Item> items, const KeyOf& key_of) {
  SortFrom(items.data(), items.data() + items.size(), 0, key_of);
  std::vector<uint32_t> out;
  out.reserve(items.size());
  for (const Item& item : items) out.push_back(item.index);
  return out;
}

}  // namespace

std::vector<uint32_t> RowTable::SortedEntries() const {
  std::vector<Item> items;
  items.reserve(rows_.size());
  for (uint32_t i = 0; i < rows_.size(); ++i) {
    if (rows_.value(i).state == State::kForgotten && inserted_.empty()) continue;
    items.push_back({events::KeyPrefixOf(rows_.key(i)), i});
  }
  return Sorted(std::move(items), [this](uint32_t i) { return rows_.key(i); });
}

std::vector<uint32_t> RowTable::SortedInserted() const {
  std::vector<Item> items;
  items.reserve(inserted_.size());
  for (uint32_t i = 0; i < inserted_.size(); ++i) {
    items.push_back({events::KeyPrefixOf(InsertedKey(i)), i});
  }
  return Sorted(std::move(items), [this](uint32_t i) { return InsertedKey(i); });
}

}  // namespace kaiin::projections
