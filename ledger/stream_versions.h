// StreamVersions: the log writer's cache of stream versions (RocksEventLog::Context).
//
// Nearly every lookup is of a stream that is new (an invoice's, a payment's): a miss, and in a
// node-based hash map a miss costs a cache miss into the buckets and one per node of the chain,
// an insert two allocations (node, name), and dropping the cache a free per entry. Here names are
// packed one after the other in one arena, entries (hash, name's place, version) sit in one
// vector in the order they came, and an open-addressing table of 8-byte slots (32 bits of the
// hash beside the entry's index) points into it: a miss usually reads one slot, and Clear keeps
// the memory for the next fill. Entries are addressed by index, which stays valid until Clear
// (the vector may move as it grows). Writer thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kaiin::ledger {

class StreamVersions {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  StreamVersions();

  // The entry of `stream`, or kNone.
  uint32_t Find(std::string_view stream) const;
  // Adds `stream` (not present) at `version`; returns its entry.
  uint32_t Insert(std::string_view stream, uint64_t version);
  // The entry of `stream`, added at `version` if it was not present (*inserted): one probe where
  // Find then Insert take two.
  uint32_t FindOrInsert(std::string_view stream, uint64_t version, bool* inserted);
  uint64_t& version(uint32_t entry) { return entries_[entry].version; }
  std::string_view name(uint32_t entry) const {
    return {names_.data() + entries_[entry].name_at, entries_[entry].name_size};
  }

  size_t size() const { return entries_.size(); }
  void Clear();

 private:
  struct Entry {
    uint64_t hash;
    uint32_t name_at;  // in names_
    uint32_t name_size;
    uint64_t version;
  };
  static uint64_t Hash(std::string_view s);
  // The slot where `stream` is, or the empty one where it would go.
  size_t SlotOf(std::string_view stream, uint64_t hash) const;
  void Grow();

  std::string names_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> slots_;  // 0: empty; else hash's high 32 bits << 32 | (entry + 1)
  size_t mask_ = 0;
};

}  // namespace kaiin::ledger
