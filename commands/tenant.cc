#include "commands/tenant.h"

namespace kaiin::commands {
namespace {

constexpr size_t kTenantIdBytesMax = 63;
constexpr size_t kTenantNameBytesMax = 300;
constexpr size_t kTimezoneBytesMax = 64;

bool ValidTimezone(std::string_view tz) {
  // An IANA-style name ("Asia/Tokyo", "UTC", "America/Argentina/Buenos_Aires"). The server does
  // not ship a zone database, so this checks the form only.
  if (tz.empty() || tz.size() > kTimezoneBytesMax || tz.front() == '/' || tz.back() == '/') {
    return false;
  }
  for (char c : tz) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Status ValidateTenantId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= kTenantIdBytesMax && id.front() != '-';
  for (char c : id) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  if (!ok) {
    return Status::InvalidArgument("validation_failed", "invalid tenant id",
                                   {{"tenant", "1 to 63 of a-z, 0-9 and '-', not starting with '-'"}});
  }
  return Status::Ok();
}

std::string TenantStream(std::string_view tenant_id) {
  return "tenant-" + std::string(tenant_id);
}

Result<std::vector<events::Event>> Decide(const TenantState& state, const ConfigureTenant& cmd) {
  std::vector<FieldError> errors;
  if (cmd.name.empty() || cmd.name.size() > kTenantNameBytesMax) {
    errors.push_back({"name", "required, at most 300 bytes"});
  }
  if (cmd.fiscal_year_start_month < 1 || cmd.fiscal_year_start_month > 12) {
    errors.push_back({"fiscal_year_start_month", "must be 1..12"});
  }
  if (!ValidTimezone(cmd.timezone)) {
    errors.push_back({"timezone", "must be an IANA time zone name such as Asia/Tokyo"});
  }
  if (!errors.empty()) {
    return Status::InvalidArgument("validation_failed", "the tenant settings are invalid",
                                   std::move(errors));
  }
  events::TenantConfigured e{cmd.name, cmd.fiscal_year_start_month, cmd.timezone};
  if (state.exists() && state.settings == e) return std::vector<events::Event>{};
  return std::vector<events::Event>{std::move(e)};
}

void Evolve(TenantState& state, const events::TenantConfigured& event) {
  state.settings = event;
  ++state.version;
}

}  // namespace kaiin::commands
