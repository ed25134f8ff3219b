#include "projections/row_table.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace kaiin::projections {
namespace {

constexpr size_t kFirstSlots = 64;  // a power of two

uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }

// The first 16 bytes of a key as two big-endian words (zeros past its end): comparing them
// orders keys as their bytes do, except between keys that agree on all 16.
struct Prefix {
  uint64_t hi = 0, lo = 0;
};

Prefix PrefixOf(std::string_view key) {
  unsigned char b[16] = {};
  std::memcpy(b, key.data(), std::min<size_t>(key.size(), 16));
  Prefix p;
  for (int i = 0; i < 8; ++i) p.hi = (p.hi << 8) | b[i];
  for (int i = 8; i < 16; ++i) p.lo = (p.lo << 8) | b[i];
  return p;
}

int CompareBytes(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

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
  // Sorted by 16-byte prefixes held beside the indexes: most comparisons are two integer
  // compares in one array, without a miss into the keys.
  struct Item {
    Prefix prefix;
    uint32_t index;
  };
  std::vector<Item> items;
  items.reserve(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].state == State::kForgotten) continue;
    items.push_back({PrefixOf(KeyOf(entries_[i])), static_cast<uint32_t>(i)});
  }
  std::sort(items.begin(), items.end(), [this](const Item& a, const Item& b) {
    if (a.prefix.hi != b.prefix.hi) return a.prefix.hi < b.prefix.hi;
    if (a.prefix.lo != b.prefix.lo) return a.prefix.lo < b.prefix.lo;
    return CompareBytes(KeyOf(entries_[a.index]), KeyOf(entries_[b.index])) < 0;
  });
  std::vector<uint32_t> out;
  out.reserve(items.size());
  for (const Item& item : items) out.push_back(item.index);
  return out;
}

}  // namespace kaiin::projections
