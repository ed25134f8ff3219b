// SHA-256 for the event hash chain (libsodium).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace kaiin::events {

using Hash = std::array<uint8_t, 32>;

Hash Sha256(std::string_view bytes);
std::string HashToHex(const Hash& hash);
std::string BytesToHex(std::string_view bytes);

}  // namespace kaiin::events
