// SHA-256 for the event hash chain, idempotency fingerprints and token digests (OpenSSL, with
// libsodium as the fallback).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace kaiin::events {

using Hash = std::array<uint8_t, 32>;

Hash Sha256(std::string_view bytes);
// The same function by libsodium's portable code: the fallback, and the tests' reference.
void Sha256Portable(std::string_view bytes, Hash* out);
std::string HashToHex(const Hash& hash);
std::string BytesToHex(std::string_view bytes);

}  // namespace kaiin::events
