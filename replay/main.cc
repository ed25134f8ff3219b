// kaiin-replay: the auditor's tool.
//
//   kaiin-replay verify --data-dir DIR [--tenant T]
//
// Exit status: 0 everything verified; 1 a mismatch or a broken chain; 2 usage or I/O error.
#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "ledger/data_layout.h"
#include "replay/verify.h"

namespace {

int Usage() {
  std::fprintf(stderr, "usage: kaiin-replay verify --data-dir DIR [--tenant T] [--scratch-dir D]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 2;
  if (argc < 2 || std::strcmp(argv[1], "verify") != 0) return Usage();
  std::string data_dir, tenant, scratch;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    if (arg == "--data-dir") {
      data_dir = argv[++i];
    } else if (arg == "--tenant") {
      tenant = argv[++i];
    } else if (arg == "--scratch-dir") {
      scratch = argv[++i];
    } else {
      return Usage();
    }
  }
  if (data_dir.empty()) return Usage();
  if (scratch.empty()) scratch = "/tmp/kaiin-replay-" + std::to_string(getpid());
  std::vector<std::string> tenants =
      tenant.empty() ? kaiin::ledger::ListTenants(data_dir) : std::vector<std::string>{tenant};
  if (tenants.empty()) {
    std::fprintf(stderr, "no tenants under %s\n", data_dir.c_str());
    return 2;
  }
  int exit_code = 0;
  for (const std::string& t : tenants) {
    kaiin::replay::TenantReport report;
    kaiin::Status s = kaiin::replay::VerifyTenant(data_dir, t, scratch + "/" + t, &report);
    if (!s.ok()) {
      std::fprintf(stderr, "tenant %s: %s\n", t.c_str(), s.ToString().c_str());
      exit_code = 2;
      continue;
    }
    std::fputs(kaiin::replay::FormatReport(report).c_str(), stdout);
    if (!report.ok() && exit_code == 0) exit_code = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  return exit_code;
}
