#include "events/hash.h"

#include <sodium.h>

namespace kaiin::events {

Hash Sha256(std::string_view bytes) {
  Hash out;
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return out;
}

std::string BytesToHex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

std::string HashToHex(const Hash& hash) {
  return BytesToHex(std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

}  // namespace kaiin::events
