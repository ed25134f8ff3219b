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

bool StoreNeverCreated(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::path(dir) / "CURRENT", ec) || ec) return false;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if (ext == ".sst" || ext == ".log") return false;
  }
  return !ec || ec == std::errc::no_such_file_or_directory;
}

}  // namespace kaiin::ledger
