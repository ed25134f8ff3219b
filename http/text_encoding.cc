#include "http/text_encoding.h"

#include <iconv.h>

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

}  // namespace kaiin::http
