#include "events/timezone.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace kaiin {
namespace {

std::string ReadZone(const std::string& name) {
  std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TimestampMicros Utc(const char* date, int hour) {
  return (static_cast<int64_t>(*ParseDate(date)) * 86400 + hour * 3600) * 1000000;
}

TEST(TimeZoneTest, TokyoIsNineHoursAheadSoItsDateTurnsAtFifteenUtc) {
  auto tz = TimeZone::FromTzif(ReadZone("Asia/Tokyo"));
  ASSERT_TRUE(tz.ok()) << tz.status().ToString();
  EXPECT_EQ(tz->OffsetAt(Utc("2026-11-21", 0) / 1000000), 9 * 3600);
  EXPECT_EQ(FormatDate(tz->LocalDate(Utc("2026-03-31", 14))), "2026-03-31");
  EXPECT_EQ(FormatDate(tz->LocalDate(Utc("2026-03-31", 15))), "2026-04-01");
}

TEST(TimeZoneTest, NewYorkFollowsDaylightSavingTime) {
  auto tz = TimeZone::FromTzif(ReadZone("America/New_York"));
  ASSERT_TRUE(tz.ok());
  EXPECT_EQ(tz->OffsetAt(Utc("2026-01-15", 12) / 1000000), -5 * 3600);
  EXPECT_EQ(tz->OffsetAt(Utc("2026-07-15", 12) / 1000000), -4 * 3600);
  EXPECT_EQ(FormatDate(tz->LocalDate(Utc("2026-07-15", 3))), "2026-07-14");
}

TEST(TimeZoneTest, FixedOffsetsAndGarbage) {
  EXPECT_EQ(FormatDate(TimeZone::Fixed(0).LocalDate(Utc("2026-01-01", 23))), "2026-01-01");
  EXPECT_FALSE(TimeZone::FromTzif("").ok());
  EXPECT_FALSE(TimeZone::FromTzif("TZif2 but truncated").ok());
  std::string tokyo = ReadZone("Asia/Tokyo");
  EXPECT_FALSE(TimeZone::FromTzif(tokyo.substr(0, tokyo.size() / 2)).ok());
}

}  // namespace
}  // namespace kaiin
