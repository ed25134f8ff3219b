// Loads tenant time zones from the system's zone database (/usr/share/zoneinfo, Debian's tzdata),
// once per name. Thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "events/status.h"
#include "events/timezone.h"

namespace kaiin::http {

// InvalidArgument invalid_timezone for a name that is not a zone of the database. "UTC" always
// works, even without the database.
Result<std::shared_ptr<const TimeZone>> LoadTimeZone(std::string_view name);

}  // namespace kaiin::http
