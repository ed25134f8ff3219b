#include "ledger/stream_versions.h"

#include <algorithm>
#include <functional>

namespace kaiin::ledger {

namespace {
constexpr size_t kInitialSlots = 1024;  // powers of two
constexpr size_t kKeptSlots = size_t{1} << 18;
}  // namespace

StreamVersions::StreamVersions() : slots_(kInitialSlots, 0), mask_(kInitialSlots - 1) {}

uint64_t StreamVersions::Hash(std::string_view s) { return std::hash<std::string_view>()(s); }

size_t StreamVersions::SlotOf(std::string_view stream, uint64_t hash) const {
  const uint64_t tag = hash >> 32;
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const uint64_t slot = slots_[i];
    if (slot == 0) return i;
    if ((slot >> 32) != tag) continue;
    const Entry& e = entries_[static_cast<uint32_t>(slot) - 1];
    if (e.hash == hash && std::string_view(names_.data() + e.name_at, e.name_size) == stream) {
      return i;
    }
  }
}

uint32_t StreamVersions::Find(std::string_view stream) const {
  const uint64_t slot = slots_[SlotOf(stream, Hash(stream))];
  return slot == 0 ? kNone : static_cast<uint32_t>(slot) - 1;
}

uint32_t StreamVersions::Insert(std::string_view stream, uint64_t version) {
  bool inserted;
  return FindOrInsert(stream, version, &inserted);
}

uint32_t StreamVersions::FindOrInsert(std::string_view stream, uint64_t version, bool* inserted) {
  if ((entries_.size() + 1) * 2 > slots_.size()) Grow();  // at most half full
  const uint64_t hash = Hash(stream);
  const size_t slot = SlotOf(stream, hash);
  *inserted = slots_[slot] == 0;
  if (!*inserted) return static_cast<uint32_t>(slots_[slot]) - 1;
  const uint32_t entry = static_cast<uint32_t>(entries_.size());
  entries_.push_back({hash, static_cast<uint32_t>(names_.size()),
                      static_cast<uint32_t>(stream.size()), version});
  names_.append(stream);
  slots_[slot] = (hash >> 32) << 32 | (uint64_t{entry} + 1);
  return entry;
}

void StreamVersions::Grow() {
  std::vector<uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, 0);
  mask_ = slots_.size() - 1;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    const uint64_t hash = entries_[i].hash;
    size_t s = hash & mask_;
    while (slots_[s] != 0) s = (s + 1) & mask_;
    slots_[s] = (hash >> 32) << 32 | (uint64_t{i} + 1);
  }
}

void StreamVersions::Clear() {
  // What one fill of the usual bound (100,000 streams) takes is kept for the next; what a huge
  // command (a batch of a million invoices) made it grow to is given back.
  if (slots_.size() > kKeptSlots) {
    std::string().swap(names_);
    std::vector<Entry>().swap(entries_);
    slots_.assign(kInitialSlots, 0);
    slots_.shrink_to_fit();
    mask_ = kInitialSlots - 1;
    return;
  }
  names_.clear();
  entries_.clear();
  std::fill(slots_.begin(), slots_.end(), 0);
}

}  // namespace kaiin::ledger
