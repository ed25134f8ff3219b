// The data folder of a kaiin server:
//
//   DIR/admin-token                    generated admin token (mode 0600), when none was given
//   DIR/tenants/<tenant>/log/          the tenant's event log (RocksDB, the book of record)
//   DIR/tenants/<tenant>/projections/  the tenant's read models (RocksDB, rebuildable)
//
// Tenant ids are folder names ([a-z0-9-], see commands::ValidateTenantId).
#pragma once

#include <string>
#include <vector>

namespace kaiin::ledger {

inline std::string TenantDir(const std::string& data_dir, const std::string& tenant) {
  return data_dir + "/tenants/" + tenant;
}
inline std::string TenantLogPath(const std::string& data_dir, const std::string& tenant) {
  return TenantDir(data_dir, tenant) + "/log";
}
inline std::string TenantProjectionsPath(const std::string& data_dir, const std::string& tenant) {
  return TenantDir(data_dir, tenant) + "/projections";
}
// The tenants that have a log folder, sorted.
std::vector<std::string> ListTenants(const std::string& data_dir);

}  // namespace kaiin::ledger
