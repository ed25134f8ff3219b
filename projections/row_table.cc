#include "projections/row_table.h"

#include <algorithm>
#include <functional>

namespace kaiin::projections {
namespace {

constexpr size_t kFirstSlots = 64;  // a power of two

uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }

}  // namespace

RowTable::RowTable() : slots_(kFirstSlots, 0) {}

int64_t RowTable::Lookup(std::string_view key, uint64_t hash, size_t* slot) const {
  const size_t mask = slots_.size() - 1;
  const uint64_t tag = hash >> 32;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint64_t s = slots_[i];
    if (s == 0) {
      *slot = i;
      return -1;
    }
    if ((s >> 32) == tag) {
      const uint32_t index = static_cast<uint32_t>(s) - 1;
      const Entry& e = entries_[index];
      if (e.hash == hash && KeyOf(e) == key) {
        *slot = i;
        return index;
      }
    }
  }
}

bool RowTable::Find(std::string_view key, Held* held) const {
  size_t slot;
  const int64_t index = Lookup(key, Hash(key), &slot);
  if (index < 0) return false;
  const Entry& e = entries_[index];
  *held = {e.state, &e.value};
  return true;
}

void RowTable::Grow() {
  std::vector<uint64_t> slots(slots_.size() * 2, 0);
  const size_t mask = slots.size() - 1;
  for (size_t index = 0; index < entries_.size(); ++index) {
    const uint64_t hash = entries_[index].hash;
    size_t i = hash & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = (hash >> 32) << 32 | (index + 1);
  }
  slots_ = std::move(slots);
}

RowTable::Entry& RowTable::Upsert(std::string_view key) {
  const uint64_t hash = Hash(key);
  size_t slot;
  const int64_t index = Lookup(key, hash, &slot);
  if (index >= 0) return entries_[index];
  if ((entries_.size() + 1) * 2 > slots_.size()) {  // at most half full: short probes
    Grow();
    Lookup(key, hash, &slot);
  }
  slots_[slot] = (hash >> 32) << 32 | (entries_.size() + 1);
  Entry& e = entries_.emplace_back();
  e.hash = hash;
  e.key_at = keys_.size();
  e.key_size = static_cast<uint32_t>(key.size());
  e.state = State::kForgotten;
  keys_.append(key);
  bytes_ += kEntryOverhead + key.size();
  return e;
}

void RowTable::Put(std::string_view key, std::string_view value) {
  Entry& e = Upsert(key);
  bytes_ = bytes_ - e.value.size() + value.size();
  e.value.assign(value);
  e.state = State::kValue;
}

void RowTable::Delete(std::string_view key, State state) {
  if (state == State::kForgotten) {  // nothing to hold for a key never written here
    size_t slot;
    if (Lookup(key, Hash(key), &slot) < 0) return;
  }
  Entry& e = Upsert(key);
  bytes_ -= e.value.size();
  std::string().swap(e.value);
  e.state = state;
}

std::vector<uint32_t> RowTable::SortedEntries() const {
  // Sorted 16 bytes at a time, most significant first: by the keys' first 16 bytes held beside
  // the indexes (two integer compares in one array, no miss into the keys), then each run that
  // agrees on them by the next 16, and so on. Keys sharing long prefixes (a member's ledger
  // entries, the search index's common names) would otherwise be compared from their first byte
  // again and again.
  std::vector<Item> items;
  items.reserve(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].state == State::kForgotten) continue;
    items.push_back({events::KeyPrefixOf(KeyOf(entries_[i])), static_cast<uint32_t>(i)});
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
        longer = entries_[i->index].key_size > offset + 16;
      }
      if (longer) {
        for (Item* i = run; i != next; ++i) {
          i->prefix = events::KeyPrefixOf(KeyOf(entries_[i->index]), offset + 16);
        }
        SortFrom(run, next, offset + 16);
      } else {  // a key ends here (zeros padded it): the rest of the bytes and the lengths decide
        std::sort(run, next, [this, offset](const Item& a, const Item& b) {
          // string_view compares bytes as unsigned char, as RocksDB's comparator does
          return KeyOf(entries_[a.index]).substr(offset) < KeyOf(entries_[b.index]).substr(offset);
        });
      }
    }
    run = next;
  }
}

}  // namespace kaiin::projections
