// StreamVersions: the log writer's cache of stream versions (RocksEventLog::Context), a
// StringTable (events/string_table.h) from stream names to versions: nearly every lookup is of a
// stream that is new (an invoice's, a payment's), a miss that reads one slot. Writer thread only.
#pragma once

#include <cstdint>
#include <string_view>

#include "events/string_table.h"

namespace kaiin::ledger {

class StreamVersions {
 public:
  static constexpr uint32_t kNone = events::StringTable<uint64_t>::kNone;

  // The entry of `stream`, or kNone.
  uint32_t Find(std::string_view stream) const { return table_.Find(stream); }
  // Adds `stream` (not present) at `version`; returns its entry.
  uint32_t Insert(std::string_view stream, uint64_t version) {
    bool inserted;
    return FindOrInsert(stream, version, &inserted);
  }
  // The entry of `stream`, added at `version` if it was not present (*inserted): one probe where
  // Find then Insert take two.
  uint32_t FindOrInsert(std::string_view stream, uint64_t version, bool* inserted) {
    const uint32_t entry = table_.FindOrInsert(stream, inserted);
    if (*inserted) table_.value(entry) = version;
    return entry;
  }
  uint64_t& version(uint32_t entry) { return table_.value(entry); }
  std::string_view name(uint32_t entry) const { return table_.key(entry); }

  size_t size() const { return table_.size(); }
  // What one fill of the usual bound (100,000 streams) takes is kept for the next; what a huge
  // command (a batch of a million invoices) made it grow to is given back.
  void Clear() { table_.Clear(kKeptSlots); }

 private:
  static constexpr size_t kKeptSlots = size_t{1} << 18;
  events::StringTable<uint64_t> table_;
};

}  // namespace kaiin::ledger
