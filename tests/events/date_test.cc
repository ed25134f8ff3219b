#include "events/date.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "events/text.h"

namespace kaiin {
namespace {

TEST(DateTest, ParsesAndFormatsRoundTrip) {
  auto d = ParseDate("2024-04-01");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(FormatDate(*d), "2024-04-01");
  EXPECT_EQ(*ParseDate("1970-01-01"), 0);
  EXPECT_EQ(*ParseDate("1970-01-02"), 1);
  EXPECT_EQ(*ParseDate("2024-03-01") - *ParseDate("2024-02-28"), 2);  // leap year
  EXPECT_EQ(*ParseDate("2023-03-01") - *ParseDate("2023-02-28"), 1);
}

TEST(DateTest, RefusesImpossibleAndMalformedDates) {
  EXPECT_FALSE(ParseDate("2023-02-29").has_value());
  EXPECT_FALSE(ParseDate("2023-02-30").has_value());
  EXPECT_FALSE(ParseDate("2023-13-01").has_value());
  EXPECT_FALSE(ParseDate("2023-04-31").has_value());
  EXPECT_FALSE(ParseDate("2023-00-10").has_value());
  EXPECT_FALSE(ParseDate("2023-1-01").has_value());
  EXPECT_FALSE(ParseDate("2023/01/01").has_value());
  EXPECT_FALSE(ParseDate("20230101").has_value());
  EXPECT_FALSE(ParseDate("").has_value());
  EXPECT_TRUE(ParseDate("2000-02-29").has_value());
  EXPECT_FALSE(ParseDate("1900-02-29").has_value());
}

// FormatDate writes its digits itself: every day of the years a date may hold reads back, and
// matches printf's "%04d-%02u-%02u" of its year, month and day.
TEST(DateTest, FormatsEveryDayOfEveryYearAsPrintfWould) {
  const Date first = *ParseDate("1900-01-01");
  const Date last = *ParseDate("9999-12-31");
  int y = 1900;
  unsigned m = 1, d = 1;
  for (Date day = first; day <= last; ++day) {
    char expected[40];
    std::snprintf(expected, sizeof(expected), "%04d-%02u-%02u", y, m, d);
    const std::string text = FormatDate(day);
    ASSERT_EQ(text, expected);
    ASSERT_EQ(ParseDate(text), day);
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const unsigned month_days[] = {31, leap ? 29u : 28u, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (++d > month_days[m - 1]) {
      d = 1;
      if (++m > 12) m = 1, ++y;
    }
  }
  EXPECT_EQ(y, 10000);
}

TEST(TextTest, AppendPaddedWritesWhatPrintfWould) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    // Numbers of every length, widths shorter and longer than they need.
    const uint64_t n = rng() >> (rng() % 64);
    const size_t width = rng() % 24;
    char expected[48];
    std::snprintf(expected, sizeof(expected), "%0*llu", static_cast<int>(width),
                  static_cast<unsigned long long>(n));
    std::string out = "k/";
    AppendPadded(&out, n, width);
    ASSERT_EQ(out, std::string("k/") + expected) << n << " " << width;
  }
  std::string out;
  AppendPadded(&out, 0, 0);
  AppendPadded(&out, 0, 3);
  AppendPadded(&out, UINT64_MAX, 20);
  EXPECT_EQ(out, "0000" + std::to_string(UINT64_MAX));
}

TEST(DateTest, FormatsTimestampsAsRfc3339Utc) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(1700000000123456), "2023-11-14T22:13:20.123456Z");
}

}  // namespace
}  // namespace kaiin
