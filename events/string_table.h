// StringTable: a hash table from strings to values, laid out for few cache misses. The log
// writer's stream versions (ledger/stream_versions.h) and a projection's rows held during a batch
// or a rebuild (projections/row_table.h) are such tables, of up to millions of keys looked up
// once or twice each, most of them missing.
//
// In a node-based hash map (std::unordered_map) a lookup costs four or five cache misses (bucket,
// node before, node, key, value), an insert two allocations, and dropping the table a free per
// entry. Here keys are packed one after the other in an arena, entries (hash, key's place, value)
// are numbered in the order they came, and an open-addressing table of 8-byte slots (32 bits of
// the hash beside the entry's index), at most half full, points to them: a lookup reads a slot or
// two, then the entry and the key only when the hash bits agree.
//
// The arena and the entries grow by blocks, each twice the one before, and never move: growing
// copies no key and no entry (a contiguous buffer doubling would copy everything it held each
// time, and touch twice the memory it ends with: in a bulk rebuild, those copies and the page
// faults of the new buffers were ~8% of the time, docs/benchmarks.md). A place in either is
// one 32-bit number whose block follows from its bits. A key never straddles two blocks: one
// that does not fit in the rest of a block starts the next. Entries are addressed by index,
// which stays valid, as does a reference to one, until Clear. Nothing is removed but by Clear.
// The keys held add up to less than 4 GiB (the arena's places are 32 bits, keeping an entry at
// 16 bytes beside its value; the callers hold far less).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace kaiin::events {

template <typename Value>
class StringTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  StringTable() : slots_(kFirstSlots, 0) {}
  ~StringTable() { DestroyEntries(); }
  StringTable(const StringTable&) = delete;
  StringTable& operator=(const StringTable&) = delete;
  StringTable(StringTable&& other) noexcept { *this = std::move(other); }
  StringTable& operator=(StringTable&& other) noexcept {
    if (this != &other) {
      DestroyEntries();
      key_blocks_ = std::move(other.key_blocks_);
      keys_end_ = std::exchange(other.keys_end_, 0);
      entry_blocks_ = std::move(other.entry_blocks_);
      size_ = std::exchange(other.size_, 0);
      slots_ = std::exchange(other.slots_, std::vector<uint64_t>(kFirstSlots, 0));
      other.key_blocks_.clear();
      other.entry_blocks_.clear();
    }
    return *this;
  }

  size_t size() const { return size_; }
  std::string_view key(uint32_t entry) const { return KeyOf(At(entry)); }
  Value& value(uint32_t entry) { return At(entry).value; }
  const Value& value(uint32_t entry) const { return At(entry).value; }

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
    if ((size_ + 1) * 2 > slots_.size()) {  // at most half full: short probes
      Grow();
      slot = SlotOf(key, hash);
    }
    const uint32_t key_at = AppendKey(key);
    const uint32_t entry = static_cast<uint32_t>(size_);
    new (EntryPlace(entry)) Entry{hash, key_at, static_cast<uint32_t>(key.size()), Value{}};
    ++size_;
    slots_[slot] = Slot(hash, entry);
    return entry;
  }

  // What an entry takes besides its key (for callers that account for their memory).
  static constexpr size_t EntryBytes() { return sizeof(Entry); }

  // Forgets every entry. The memory is kept for the next fill, unless the slots had grown past
  // `keep_slots_max`: then it is given back.
  void Clear(size_t keep_slots_max = SIZE_MAX) {
    DestroyEntries();
    keys_end_ = 0;
    if (slots_.size() > keep_slots_max) {
      key_blocks_.clear();
      entry_blocks_.clear();
      std::vector<uint64_t>(kFirstSlots, 0).swap(slots_);
      return;
    }
    std::fill(slots_.begin(), slots_.end(), 0);
  }

 private:
  static constexpr size_t kFirstSlots = 64;     // a power of two
  static constexpr size_t kFirstKeyBytes = 1024;  // the arena's first block; a power of two
  static constexpr size_t kFirstEntries = 16;     // the entries' first block; a power of two

  struct Entry {
    uint64_t hash;
    uint32_t key_at;  // in the arena
    uint32_t key_size;
    Value value;
  };
  // Raw room for entries, constructed in place as they come.
  struct alignas(Entry) EntryRoom {
    std::byte bytes[sizeof(Entry)];
  };

  // Block b of a store whose first block holds `first` items holds first << b of them, from
  // place first * (2^b - 1) on.
  static size_t BlockOf(uint64_t place, size_t first) {
    return static_cast<size_t>(std::bit_width(place / first + 1)) - 1;
  }
  static uint64_t BlockStart(size_t block, size_t first) {
    return first * ((uint64_t{1} << block) - 1);
  }

  std::string_view KeyOf(const Entry& e) const {
    if (e.key_size == 0) return {};
    const size_t b = BlockOf(e.key_at, kFirstKeyBytes);
    return {key_blocks_[b].get() + (e.key_at - BlockStart(b, kFirstKeyBytes)), e.key_size};
  }
  // The room of an entry whose block is allocated.
  EntryRoom* RoomOf(uint32_t entry) const {
    const size_t b = BlockOf(entry, kFirstEntries);
    return entry_blocks_[b].get() + (entry - BlockStart(b, kFirstEntries));
  }
  // The room for the next entry, its block allocated if it is the first in it.
  Entry* EntryPlace(uint32_t entry) {
    const size_t b = BlockOf(entry, kFirstEntries);
    if (b >= entry_blocks_.size()) entry_blocks_.resize(b + 1);
    if (!entry_blocks_[b]) {
      entry_blocks_[b] = std::make_unique_for_overwrite<EntryRoom[]>(kFirstEntries << b);
    }
    return reinterpret_cast<Entry*>(RoomOf(entry));
  }
  Entry& At(uint32_t entry) { return *std::launder(reinterpret_cast<Entry*>(RoomOf(entry))); }
  const Entry& At(uint32_t entry) const { return const_cast<StringTable*>(this)->At(entry); }

  // Copies `key` into the arena; its place.
  uint32_t AppendKey(std::string_view key) {
    uint64_t at = keys_end_;
    if (key.empty()) return static_cast<uint32_t>(at);
    size_t b = BlockOf(at, kFirstKeyBytes);
    if (BlockStart(b + 1, kFirstKeyBytes) - at < key.size()) {  // not in the rest of block b
      do {
        ++b;
      } while ((kFirstKeyBytes << b) < key.size());
      at = BlockStart(b, kFirstKeyBytes);
    }
    if (at + key.size() > UINT32_MAX) {
      throw std::length_error("a StringTable holds less than 4 GiB of keys");
    }
    if (b >= key_blocks_.size()) key_blocks_.resize(b + 1);
    if (!key_blocks_[b]) {
      key_blocks_[b] = std::make_unique_for_overwrite<char[]>(kFirstKeyBytes << b);
    }
    char* place = key_blocks_[b].get() + (at - BlockStart(b, kFirstKeyBytes));
    std::memcpy(place, key.data(), key.size());
    keys_end_ = at + key.size();
    return static_cast<uint32_t>(at);
  }

  void DestroyEntries() {
    if constexpr (!std::is_trivially_destructible_v<Entry>) {
      for (size_t i = 0; i < size_; ++i) At(static_cast<uint32_t>(i)).~Entry();
    }
    size_ = 0;
  }

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
      const Entry& e = At(entry);
      if (e.hash == hash && KeyOf(e) == key) return i;
    }
  }

  void Grow() {
    std::vector<uint64_t> slots(slots_.size() * 2, 0);
    const size_t mask = slots.size() - 1;
    for (uint32_t entry = 0; entry < size_; ++entry) {
      const uint64_t hash = At(entry).hash;
      size_t i = hash & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = Slot(hash, entry);
    }
    slots_ = std::move(slots);
  }

  std::vector<std::unique_ptr<char[]>> key_blocks_;   // block b: kFirstKeyBytes << b bytes
  uint64_t keys_end_ = 0;                              // the arena's next free place
  std::vector<std::unique_ptr<EntryRoom[]>> entry_blocks_;  // block b: kFirstEntries << b
  size_t size_ = 0;                                    // entries constructed, in order
  std::vector<uint64_t> slots_;  // 0: empty; else the hash's high 32 bits << 32 | (entry + 1)
};

}  // namespace kaiin::events
