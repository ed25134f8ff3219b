// Calendar dates as days since 1970-01-01 (proleptic Gregorian), and UTC timestamps.
//
// Effective dates are in the tenant's calendar; they are plain dates with no time zone attached.
// Parsing is strict: exactly YYYY-MM-DD, a real day (2023-02-30 is refused), years 1900..9999.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kaiin {

using Date = int32_t;  // days since 1970-01-01

Date DaysFromCivil(int year, unsigned month, unsigned day);
void CivilFromDays(Date days, int* year, unsigned* month, unsigned* day);
std::optional<Date> ParseDate(std::string_view text);
std::string FormatDate(Date days);

// Microseconds since the Unix epoch, UTC.
using TimestampMicros = int64_t;
TimestampMicros NowMicros();
std::string FormatTimestamp(TimestampMicros micros);  // RFC 3339, UTC, microsecond precision

}  // namespace kaiin
