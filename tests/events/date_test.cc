#include "events/date.h"

#include <gtest/gtest.h>

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

TEST(DateTest, FormatsTimestampsAsRfc3339Utc) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(1700000000123456), "2023-11-14T22:13:20.123456Z");
}

}  // namespace
}  // namespace kaiin
