// kaiin-replay: the auditor's tool.
//
//   kaiin-replay verify --data-dir DIR [--tenant T] [--scratch-dir D]
//   kaiin-replay balances --data-dir DIR --tenant T [--as-of YYYY-MM-DD] [--as-of-position N]
//                         [--by-account] [--scratch-dir D]
//
// verify: exit status 0 everything verified; 1 a mismatch or a broken chain; 2 usage or I/O
// error. balances: the trial balance as CSV on stdout (replay/balances.h), by kind of account
// (receivable, credit, each revenue, adjustment and cash account) or, with --by-account, every
// account; exit status 0 when printed, 1 when the hash chain is broken (nothing printed), 2 usage
// or I/O error. Both put their scratch files (the secondary instances' own, the rebuilt stores)
// in D/<tenant> under --scratch-dir D (default /tmp/kaiin-replay-<pid>) and remove them at the
// end; D itself only when nothing else is in it.
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "events/date.h"
#include "ledger/data_layout.h"
#include "replay/balances.h"
#include "replay/verify.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: kaiin-replay verify --data-dir DIR [--tenant T] [--scratch-dir D]\n"
               "       kaiin-replay balances --data-dir DIR --tenant T [--as-of YYYY-MM-DD]\n"
               "                             [--as-of-position N] [--by-account] [--scratch-dir D]\n");
  return 2;
}

std::string DefaultScratch() { return "/tmp/kaiin-replay-" + std::to_string(getpid()); }

int Balances(int argc, char** argv) {
  std::string data_dir, tenant, scratch;
  kaiin::replay::BalanceCut cut;
  bool by_account = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--by-account") {
      by_account = true;
      continue;
    }
    if (i + 1 >= argc) return Usage();
    const std::string value = argv[++i];
    if (arg == "--data-dir") {
      data_dir = value;
    } else if (arg == "--tenant") {
      tenant = value;
    } else if (arg == "--scratch-dir") {
      scratch = value;
    } else if (arg == "--as-of") {
      cut.date = kaiin::ParseDate(value);
      if (!cut.date) {
        std::fprintf(stderr, "--as-of must be a date YYYY-MM-DD: %s\n", value.c_str());
        return 2;
      }
    } else if (arg == "--as-of-position") {
      char* end = nullptr;
      errno = 0;
      cut.position = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || value[0] == '-' || *end != '\0' || errno == ERANGE) {
        std::fprintf(stderr, "--as-of-position must be a position (0 or more): %s\n",
                     value.c_str());
        return 2;
      }
    } else {
      return Usage();
    }
  }
  if (data_dir.empty() || tenant.empty()) return Usage();
  if (scratch.empty()) scratch = DefaultScratch();
  kaiin::ledger::ChainReport chain;
  kaiin::replay::TrialBalance balance;
  kaiin::Status s =
      kaiin::replay::TenantTrialBalance(data_dir, tenant, scratch + "/" + tenant, cut, &chain, &balance);
  std::error_code ec;
  std::filesystem::remove(scratch, ec);  // TenantTrialBalance removed its own folder in it
  if (!s.ok()) {
    std::fprintf(stderr, "tenant %s: %s\n", tenant.c_str(), s.ToString().c_str());
    return 2;
  }
  if (!chain.ok()) {
    std::fprintf(stderr, "tenant %s: the hash chain is broken; no balances:\n", tenant.c_str());
    for (const std::string& p : chain.problems) std::fprintf(stderr, "  - %s\n", p.c_str());
    return 1;
  }
  std::fprintf(stderr, "tenant %s: %llu money event%s up to position %llu%s%s\n", tenant.c_str(),
               static_cast<unsigned long long>(balance.money_events),
               balance.money_events == 1 ? "" : "s",
               static_cast<unsigned long long>(balance.last_position),
               cut.date ? ", effective on or before " : "",
               cut.date ? kaiin::FormatDate(*cut.date).c_str() : "");
  std::fputs(kaiin::replay::FormatTrialBalanceCsv(
                 by_account ? balance : kaiin::replay::SummarizeByKind(balance))
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 2;
  if (argc >= 2 && std::strcmp(argv[1], "balances") == 0) return Balances(argc, argv);
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
  if (scratch.empty()) scratch = DefaultScratch();
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
  for (const std::string& t : tenants) std::filesystem::remove_all(scratch + "/" + t, ec);
  std::filesystem::remove(scratch, ec);  // only if nothing else is in it: it may be the auditor's
  return exit_code;
}
