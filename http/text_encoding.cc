#include "http/text_encoding.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>

namespace kaiin::http {

std::string Utf8ToCp932(std::string_view utf8) {
  iconv_t cd = iconv_open("CP932", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::string(utf8);  // no converter: unchanged
  std::string out;
  out.resize(utf8.size() * 2 + 16);
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &dst, &dst_left) != static_cast<size_t>(-1)) break;
    if (errno == EILSEQ || errno == EINVAL) {
      // Not representable (or not UTF-8): one '?' for the whole UTF-8 sequence.
      size_t skip = 1;
      const auto lead = static_cast<unsigned char>(*in);
      if (lead >= 0xF0) skip = 4; else if (lead >= 0xE0) skip = 3; else if (lead >= 0xC0) skip = 2;
      skip = std::min(skip, in_left);
      in += skip;
      in_left -= skip;
      if (dst_left == 0) break;
      *dst++ = '?';
      --dst_left;
    } else {
      break;  // E2BIG cannot happen: 2 bytes out per byte in is enough for CP932
    }
  }
  out.resize(out.size() - dst_left);
  iconv_close(cd);
  return out;
}

std::string TextPosition(std::string_view text, size_t at) {
  const size_t line = 1 + std::count(text.begin(), text.begin() + at, '\n');
  return "line " + std::to_string(line) + ", byte " + std::to_string(at + 1);
}

Result<std::string> Cp932ToUtf8(std::string_view cp932) {
  iconv_t cd = iconv_open("UTF-8", "CP932");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Status::Internal("this system's iconv has no CP932 converter");
  }
  std::string out;
  // At most 3 bytes of UTF-8 a byte: a half-width katakana is one byte in CP932 and three in
  // UTF-8 (a double-byte character is two and three).
  out.resize(cp932.size() * 3 + 16);
  char* in = const_cast<char*>(cp932.data());
  size_t in_left = cp932.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  const size_t r = iconv(cd, &in, &in_left, &dst, &dst_left);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1)) {
    return Status::InvalidArgument("not_cp932", TextPosition(cp932, cp932.size() - in_left) +
                                                    ": not UTF-8, nor CP932 (Shift_JIS)");
  }
  out.resize(out.size() - dst_left);
  return out;
}

}  // namespace kaiin::http
