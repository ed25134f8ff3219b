#include "ledger/data_layout.h"

#include <algorithm>
#include <filesystem>

namespace kaiin::ledger {

std::vector<std::string> ListTenants(const std::string& data_dir) {
  std::vector<std::string> tenants;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/tenants", ec)) {
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "log")) {
      tenants.push_back(entry.path().filename().string());
    }
  }
  std::sort(tenants.begin(), tenants.end());
  return tenants;
}

}  // namespace kaiin::ledger
