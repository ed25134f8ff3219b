// The crash test's child: opens a tenant exactly as kaiind does (log, writer, projector) and
// appends from 8 threads until it is killed. Each command appends two events to the thread's
// stream under an idempotency key; once the command is acknowledged (durable), the child prints
// "ack <key> <first> <last>" on stdout. It prints "ready" once the tenant is open, before the
// first append. Usage: kaiin_crash_child DATA_DIR ROUND
#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "events/hash.h"
#include "http/tenant_registry.h"

int main(int argc, char** argv) {
  if (argc != 3 || sodium_init() < 0) return 2;
  const std::string data_dir = argv[1];
  const std::string round = argv[2];
  auto tenant = kaiin::http::Tenant::Open(data_dir, "crash", kaiin::http::TenantOptions{});
  if (!tenant.ok()) {
    std::fprintf(stderr, "open: %s\n", tenant.status().ToString().c_str());
    return 1;
  }
  kaiin::ledger::RocksEventLog& log = (*tenant)->log();
  if (::write(1, "ready\n", 6) < 0) return 4;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&log, &round, t] {
      for (int n = 0; n < 1000000; ++n) {
        const std::string key = "r" + round + "-t" + std::to_string(t) + "-" + std::to_string(n);
        kaiin::ledger::CommandMeta meta;
        meta.actor = "crash-child";
        meta.command_id = key;
        meta.idempotency_key = key;
        meta.fingerprint = kaiin::events::Sha256(key);
        kaiin::ledger::EventDraft draft{kaiin::events::TenantConfigured{key, 4, "UTC"}, 0, 0};
        auto r = log.Append(meta, {"acct-" + std::to_string(t), kaiin::ledger::kAnyVersion,
                                   {draft, draft}});
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          _exit(3);
        }
        const std::string line = "ack " + key + " " + std::to_string(r->first_position) + " " +
                                 std::to_string(r->last_position) + "\n";
        // One write(2) per line: lines from different threads never interleave (< PIPE_BUF).
        if (::write(1, line.data(), line.size()) < 0) _exit(4);
      }
    });
  }
  for (auto& th : threads) th.join();
  return 0;
}
