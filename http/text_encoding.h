// UTF-8 and CP932 (Shift_JIS as Windows has it): Excel-friendly CSV downloads, and rosters saved
// from a Japanese Excel as "CSV", which it writes in CP932.
#pragma once

#include <string>
#include <string_view>

#include "events/status.h"

namespace kaiin::http {

// Characters CP932 cannot hold become '?'.
std::string Utf8ToCp932(std::string_view utf8);

// "line L, byte B" of text[at] (both from 1), for an error that points into a file.
std::string TextPosition(std::string_view text, size_t at);

// The CP932 text as UTF-8; InvalidArgument (`not_cp932`) naming the line and byte of the first
// sequence that is not CP932.
Result<std::string> Cp932ToUtf8(std::string_view cp932);

}  // namespace kaiin::http
