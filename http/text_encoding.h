// UTF-8 to CP932 (Shift_JIS as Windows has it), for Excel-friendly CSV downloads. Characters
// CP932 cannot hold become '?'.
#pragma once

#include <string>
#include <string_view>

namespace kaiin::http {

std::string Utf8ToCp932(std::string_view utf8);

}  // namespace kaiin::http
