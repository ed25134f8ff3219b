// event_counts rows: key = event type name ; value = fixed64be(count)
#include "projections/event_counts.h"

namespace kaiin::projections {
namespace {

std::string EncodeCount(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

uint64_t DecodeCount(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

}  // namespace

Status EventCountsProjection::Apply(const events::Envelope& event, Rows& rows) {
  const std::string_view type = events::EventTypeName(event.event);
  std::string value;
  Result<bool> found = rows.Get(type, &value);
  if (!found.ok()) return found.status();
  const uint64_t count = *found ? DecodeCount(value) : 0;
  rows.Put(type, EncodeCount(count + 1));
  return Status::Ok();
}

Result<std::map<std::string, uint64_t>> ReadEventCounts(const ProjectionStore& store) {
  std::map<std::string, uint64_t> counts;
  Status s = store.Scan(EventCountsProjection::kName, "", "",
                        [&](std::string_view k, std::string_view v) {
                          counts[std::string(k)] = DecodeCount(v);
                          return true;
                        });
  if (!s.ok()) return s;
  return counts;
}

}  // namespace kaiin::projections
