// The first 16 bytes of a key from `offset`, zero-padded, as two big-endian words. Sorting many
// keys by these, held beside each key's place, is integer compares in one array instead of a
// cache miss into every key (a write-model snapshot's hash maps, a projection's rows before they
// are written). Comparing two prefixes orders keys that agree before `offset` as their bytes do
// (unsigned); keys that agree on all 16 bytes (or differ only by trailing NULs within them) need
// the rest of their bytes compared.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace kaiin::events {

struct KeyPrefix {
  uint64_t hi = 0, lo = 0;
  auto operator<=>(const KeyPrefix&) const = default;
};

inline KeyPrefix KeyPrefixOf(std::string_view key, size_t offset = 0) {
  unsigned char b[16] = {};
  if (key.size() > offset) {
    std::memcpy(b, key.data() + offset, std::min<size_t>(key.size() - offset, 16));
  }
  KeyPrefix p;
  for (int i = 0; i < 8; ++i) p.hi = p.hi << 8 | b[i];
  for (int i = 8; i < 16; ++i) p.lo = p.lo << 8 | b[i];
  return p;
}

}  // namespace kaiin::events
