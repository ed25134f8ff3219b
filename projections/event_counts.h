// The event_counts projection: how many events of each type the tenant's log holds. Trivial on
// purpose: it proves the runtime (checkpoints, resume, rebuild, verify).
#pragma once

#include <map>
#include <string>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

class EventCountsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "event_counts";
  std::string_view Name() const override { return kName; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

// Reads the projection: event type -> count.
Result<std::map<std::string, uint64_t>> ReadEventCounts(const ProjectionStore& store);

}  // namespace kaiin::projections
