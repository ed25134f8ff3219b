// Small text helpers shared across modules.
#pragma once

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

}  // namespace kaiin
