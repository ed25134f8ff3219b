// Small text helpers shared across modules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kaiin {

// A-Z to a-z; every other byte (UTF-8 included) unchanged. E-mail addresses, logins and search
// keys compare this way.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Appends n in decimal, zero-padded to `width` digits (more when n needs them): snprintf's
// "%0<width>llu" without its format parsing, for the keys a rebuild makes by the million.
inline void AppendPadded(std::string* out, uint64_t n, size_t width) {
  char digits[20];  // a uint64_t has at most 20
  size_t len = 0;
  do {
    digits[sizeof(digits) - 1 - len++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  if (len < width) out->append(width - len, '0');
  out->append(digits + sizeof(digits) - len, len);
}

inline constexpr uint32_t kNotUtf8 = 0xFFFFFFFF;

// The code point that starts at text[i] and its length in bytes; kNotUtf8 (length 1) for a byte
// that does not start a well-formed sequence (overlong forms and surrogates included).
inline uint32_t DecodeUtf8(std::string_view text, size_t i, size_t* length) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[i + k]); };
  const uint8_t b0 = byte(0);
  *length = 1;
  if (b0 < 0x80) return b0;
  size_t n;
  uint32_t cp, min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return kNotUtf8;
  }
  if (i + n > text.size()) return kNotUtf8;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return kNotUtf8;
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kNotUtf8;
  *length = n;
  return cp;
}

// How many bytes from the start are well-formed UTF-8 (text.size(): all of them).
inline size_t Utf8Prefix(std::string_view text) {
  size_t i = 0;
  for (size_t n; i < text.size(); i += n) {
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      n = 1;
    } else if (DecodeUtf8(text, i, &n) == kNotUtf8) {
      break;
    }
  }
  return i;
}

}  // namespace kaiin
