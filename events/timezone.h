// Time zones from TZif data (RFC 8536), so that "today" is the tenant's today.
//
// Pure: the caller reads the zone file (http/ loads /usr/share/zoneinfo/<name>). Past the last
// transition listed in the file the last offset stays in force; Debian's zone files list
// transitions up to 2037, so that limit is far ahead.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "events/date.h"
#include "events/status.h"

namespace kaiin {

class TimeZone {
 public:
  static TimeZone Fixed(int32_t offset_seconds);
  // Parses TZif version 1, 2 or 3 data (the 64-bit block when present).
  static Result<TimeZone> FromTzif(std::string_view bytes);

  // Seconds east of UTC in force at the UTC instant.
  int32_t OffsetAt(int64_t utc_seconds) const;
  // The calendar date at the UTC instant.
  Date LocalDate(TimestampMicros utc) const;

 private:
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int32_t> offsets_;      // offset in force from transitions_[i]
  int32_t initial_offset_ = 0;        // before the first transition
};

}  // namespace kaiin
