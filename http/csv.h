// RFC 4180 CSV: fields separated by commas, optionally quoted with ", a doubled "" inside quotes
// is one ", records end with CRLF or LF; a UTF-8 byte order mark at the start is skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/status.h"

namespace kaiin::http {

// Parses the whole text. InvalidArgument for an unterminated quote or a stray quote inside an
// unquoted field (with the 1-based line number).
Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text);

}  // namespace kaiin::http
