// libFuzzer target: the roster CSV reader of `kaiinctl import-members` (http/member_import.h),
// on arbitrary text. Whatever it accepts becomes request bodies, and for UTF-8 input every body
// must be well-formed JSON (quotes, backslashes and control characters escaped): a body the
// server could not parse is a finding, as is a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "http/json_input.h"
#include "http/member_import.h"

namespace {

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view csv(reinterpret_cast<const char*>(data), size);
  auto bodies = kaiin::http::MemberImportBodies(csv, 3);
  if (!bodies.ok() || !ValidUtf8(csv)) return 0;
  for (const std::string& body : *bodies) {
    if (!kaiin::http::JsonObjectReader::Parse(body).ok()) {
      std::fprintf(stderr, "a body that is not JSON: %s\n", body.c_str());
      std::abort();
    }
  }
  return 0;
}
