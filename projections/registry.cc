#include "projections/registry.h"

#include "projections/event_counts.h"

namespace kaiin::projections {

std::vector<std::unique_ptr<Projection>> MakeAllProjections() {
  std::vector<std::unique_ptr<Projection>> all;
  all.push_back(std::make_unique<EventCountsProjection>());
  return all;
}

}  // namespace kaiin::projections
