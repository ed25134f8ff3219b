// The config projection: the tenant's member types and fee schedules, for GET {T}/member-types
// and GET {T}/fee-schedules/{fy}.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

class ConfigProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "config";
  std::string_view Name() const override { return kName; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

Result<std::vector<events::MemberTypeDefined>> ReadMemberTypes(const ProjectionStore& store);
// Absent: no schedule was set for that year.
Result<std::optional<std::map<std::string, int64_t>>> ReadFeeSchedule(const ProjectionStore& store,
                                                                      int fiscal_year);

}  // namespace kaiin::projections
