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

// Whether `dir` is a store whose creation was cut short (the server killed during a tenant's
// first start): RocksDB writes CURRENT last when it creates a store and only then writes
// anything else, so a folder without CURRENT that holds no table file (*.sst) and no
// write-ahead log (*.log) never held a row. A missing folder counts too. A folder without
// CURRENT that does hold such files is not one (CURRENT lost later): false.
bool StoreNeverCreated(const std::string& dir);

}  // namespace kaiin::ledger
