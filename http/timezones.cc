#include "http/timezones.h"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

namespace kaiin::http {

Result<std::shared_ptr<const TimeZone>> LoadTimeZone(std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  // Names were validated by the tenant command (letters, digits, / _ - +, no leading '/'), so
  // they cannot leave the zone folder.
  std::ifstream in("/usr/share/zoneinfo/" + std::string(name), std::ios::binary);
  std::shared_ptr<const TimeZone> zone;
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = TimeZone::FromTzif(ss.str());
    if (parsed.ok()) zone = std::make_shared<const TimeZone>(std::move(parsed).value());
  }
  if (!zone && (name == "UTC" || name == "Etc/UTC")) {
    zone = std::make_shared<const TimeZone>(TimeZone::Fixed(0));
  }
  if (!zone) {
    return Status::InvalidArgument("validation_failed", "unknown time zone",
                                   {{"timezone", "not a time zone of the zone database"}});
  }
  cache.emplace(std::string(name), zone);
  return zone;
}

}  // namespace kaiin::http
