// The tenant aggregate: a society's own settings (name, fiscal year start month, time zone).
// Stream "tenant-<tenant id>". Pure decide/evolve: no clock, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/status.h"

namespace kaiin::commands {

// Tenant ids are path segments and folder names: 1..63 of [a-z0-9-], not starting with '-'.
Status ValidateTenantId(std::string_view tenant_id);
std::string TenantStream(std::string_view tenant_id);

struct ConfigureTenant {
  std::string name;
  int fiscal_year_start_month = 4;  // B1: April by default
  std::string timezone = "Asia/Tokyo";
};

struct TenantState {
  uint64_t version = 0;  // stream version; 0: the tenant has never been configured
  events::TenantConfigured settings;
  bool exists() const { return version > 0; }
  bool operator==(const TenantState&) const = default;
};

// Validates the command (InvalidArgument validation_failed, with field errors) and returns the
// events it causes: none when the settings are already exactly these.
Result<std::vector<events::Event>> Decide(const TenantState& state, const ConfigureTenant& cmd);
void Evolve(TenantState& state, const events::TenantConfigured& event);

}  // namespace kaiin::commands
