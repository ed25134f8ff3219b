#include "events/date.h"

#include <chrono>
#include <cstdio>

#include "events/text.h"

namespace kaiin {

// Howard Hinnant's days_from_civil / civil_from_days algorithms.
Date DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

// In 64 bits: any int32 day count (a damaged or hostile envelope holds any) stays defined
// (fuzz/envelope_fuzz.cc found the overflow near INT32_MAX).
void CivilFromDays(Date days, int* year, unsigned* month, unsigned* day) {
  const int64_t z = int64_t{days} + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe + era * 400);
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2);
}

static bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::optional<Date> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lens[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < lens[p]; ++i) {
      char c = s[starts[p] + i];
      if (c < '0' || c > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  const int y = parts[0], m = parts[1], d = parts[2];
  if (y < 1900 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int month_days = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  if (d > month_days) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string FormatDate(Date days) {
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0 || y > 9999) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", y, m, d);
    return buf;
  }
  std::string out;
  out.reserve(10);
  AppendPadded(&out, static_cast<uint64_t>(y), 4);
  out.push_back('-');
  AppendPadded(&out, m, 2);
  out.push_back('-');
  AppendPadded(&out, d, 2);
  return out;
}

TimestampMicros NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTimestamp(TimestampMicros micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int y;
  unsigned m, d;
  CivilFromDays(static_cast<Date>(days), &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", y, m, d,
                static_cast<int>(rem / 3600), static_cast<int>((rem / 60) % 60),
                static_cast<int>(rem % 60), static_cast<long long>(frac));
  return buf;
}

}  // namespace kaiin
