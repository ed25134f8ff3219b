// StringTable: a hash table from strings to values, laid out for few cache misses. The log
// writer's stream versions (ledger/stream_versions.h) and a projection's rows held during a batch
// or a rebuild (projections/row_table.h) are such tables, of up to millions of keys looked up
// once or twice each, most of them missing.
//
// In a node-based hash map (std::unordered_map) a lookup costs four or five cache misses (bucket,
// node before, node, key, value), an insert two allocations, and dropping the table a free per
// entry. Here keys are packed one after the other in one arena, entries (hash, key's place,
// value) sit in one vector in the order they came, and an open-addressing table of 8-byte slots
// (32 bits of the hash beside the entry's index), at most half full, points into it: a lookup
// reads a slot or two, then the entry and the key only when the hash bits agree. Entries are
// addressed by index, which stays valid until Clear (the vector may move as it grows). Nothing
// is removed but by Clear. The keys held add up to less than 4 GiB (the arena's offsets are 32
// bits, keeping an entry at 16 bytes beside its value; the callers hold far less).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kaiin::events {

template <typename Value>
class StringTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  StringTable() : slots_(kFirstSlots, 0) {}

  size_t size() const { return entries_.size(); }
  std::string_view key(uint32_t entry) const {
    const Entry& e = entries_[entry];
    return {keys_.data() + e.key_at, e.key_size};
  }
  Value& value(uint32_t entry) { return entries_[entry].value; }
  const Value& value(uint32_t entry) const { return entries_[entry].value; }

  // The entry of `key`, or kNone.
  uint32_t Find(std::string_view key) const {
    const uint64_t slot = slots_[SlotOf(key, Hash(key))];
    return slot == 0 ? kNone : static_cast<uint32_t>(slot) - 1;
  }

  // The entry of `key`, added with Value{} if it was not there (*inserted): one probe where Find
  // then an insert take two.
  uint32_t FindOrInsert(std::string_view key, bool* inserted) {
    const uint64_t hash = Hash(key);
    size_t slot = SlotOf(key, hash);
    *inserted = slots_[slot] == 0;
    if (!*inserted) return static_cast<uint32_t>(slots_[slot]) - 1;
    if ((entries_.size() + 1) * 2 > slots_.size()) {  // at most half full: short probes
      Grow();
      slot = SlotOf(key, hash);
    }
    if (keys_.size() + key.size() > UINT32_MAX) {
      throw std::length_error("a StringTable holds less than 4 GiB of keys");
    }
    const uint32_t entry = static_cast<uint32_t>(entries_.size());
    entries_.push_back({hash, static_cast<uint32_t>(keys_.size()),
                        static_cast<uint32_t>(key.size()), Value{}});
    keys_.append(key);
    slots_[slot] = Slot(hash, entry);
    return entry;
  }

  // What an entry takes besides its key (for callers that account for their memory).
  static constexpr size_t EntryBytes() { return sizeof(Entry); }

  // Forgets every entry. The memory is kept for the next fill, unless the slots had grown past
  // `keep_slots_max`: then it is given back.
  void Clear(size_t keep_slots_max = SIZE_MAX) {
    if (slots_.size() > keep_slots_max) {
      std::string().swap(keys_);
      std::vector<Entry>().swap(entries_);
      std::vector<uint64_t>(kFirstSlots, 0).swap(slots_);
      return;
    }
    keys_.clear();
    entries_.clear();
    std::fill(slots_.begin(), slots_.end(), 0);
  }

 private:
  static constexpr size_t kFirstSlots = 64;  // a power of two

  struct Entry {
    uint64_t hash;
    uint32_t key_at;  // in keys_
    uint32_t key_size;
    Value value;
  };

  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }
  static uint64_t Slot(uint64_t hash, uint32_t entry) {
    return (hash >> 32) << 32 | (uint64_t{entry} + 1);
  }

  // The slot where `key` is, or the empty one where it would go.
  size_t SlotOf(std::string_view key, uint64_t hash) const {
    const size_t mask = slots_.size() - 1;
    const uint64_t tag = hash >> 32;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const uint64_t slot = slots_[i];
      if (slot == 0) return i;
      if ((slot >> 32) != tag) continue;
      const uint32_t entry = static_cast<uint32_t>(slot) - 1;
      if (entries_[entry].hash == hash && this->key(entry) == key) return i;
    }
  }

  void Grow() {
    std::vector<uint64_t> slots(slots_.size() * 2, 0);
    const size_t mask = slots.size() - 1;
    for (uint32_t entry = 0; entry < entries_.size(); ++entry) {
      const uint64_t hash = entries_[entry].hash;
      size_t i = hash & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = Slot(hash, entry);
    }
    slots_ = std::move(slots);
  }

  std::string keys_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> slots_;  // 0: empty; else the hash's high 32 bits << 32 | (entry + 1)
};

}  // namespace kaiin::events
