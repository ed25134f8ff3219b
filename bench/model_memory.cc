// Where the write model's memory goes (DESIGN.md §5: RSS ≤ 2 GB for 1M members, 20M events).
//
//   kaiin-bench-model-memory --data-dir DIR --tenant T
//
// Loads the tenant's latest write-model snapshot as kaiind does at start-up, then frees the
// model's parts one at a time and prints the bytes jemalloc gives back for each (its
// "stats.allocated": what the program asked for, rounded up to jemalloc's size classes, without
// the allocator's own metadata or pages it keeps); before that, how long encoding the model
// takes (what a snapshot holds the writer for). Run it on a data folder no kaiind is writing
// (the log is opened as a secondary instance).
#include <jemalloc/jemalloc.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "commands/model.h"
#include "commands/model_codec.h"
#include "ledger/data_layout.h"
#include "ledger/rocks_event_log.h"

namespace {

size_t Allocated() {
  uint64_t epoch = 1;
  size_t size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, size);
  size_t allocated = 0;
  size = sizeof(allocated);
  mallctl("stats.allocated", &allocated, &size, nullptr, 0);
  return allocated;
}

// Frees `part` (by swapping it with an empty one) and prints what that gave back.
template <typename Part>
void Free(const char* name, Part& part, size_t count) {
  const size_t before = Allocated();
  { Part empty{}; std::swap(part, empty); }
  const size_t freed = before - Allocated();
  std::printf("| %s | %zu | %.1f | %.0f |\n", name, count, freed / 1048576.0,
              count ? static_cast<double>(freed) / count : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, tenant;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--data-dir") data_dir = argv[i + 1];
    if (flag == "--tenant") tenant = argv[i + 1];
  }
  if (data_dir.empty() || tenant.empty()) {
    std::fprintf(stderr, "usage: kaiin-bench-model-memory --data-dir DIR --tenant T\n");
    return 2;
  }
  auto opened = kaiin::ledger::RocksEventLog::OpenFollower(
      kaiin::ledger::TenantLogPath(data_dir, tenant), "/tmp/kaiin-bench-model-memory-follower");
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto log = std::move(opened).value();
  const size_t start = Allocated();
  const auto t0 = std::chrono::steady_clock::now();
  kaiin::commands::TenantModel m;
  uint64_t position = 0;
  size_t snapshot_bytes = 0;
  auto found = log->ReadLatestSnapshot(&position, [&](std::string_view bytes) {
    snapshot_bytes = bytes.size();
    return kaiin::commands::DecodeModel(bytes, &m);
  });
  if (!found.ok() || !*found) {
    std::fprintf(stderr, "no readable snapshot\n");
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const size_t loaded = Allocated();
  std::printf("snapshot at %llu: %.1f MiB, decoded in %.2f s; model %.1f MiB allocated\n\n",
              static_cast<unsigned long long>(position), snapshot_bytes / 1048576.0, seconds,
              (loaded - start) / 1048576.0);
  for (int i = 0; i < 3; ++i) {  // what a snapshot holds the writer for
    const auto e0 = std::chrono::steady_clock::now();
    const size_t encoded = kaiin::commands::EncodeModel(m).size();
    std::printf("encoded again in %.2f s (%.1f MiB)\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count(),
                encoded / 1048576.0);
  }
  std::printf("\n| part | entries | MiB | bytes each |\n|---|---|---|---|\n");
  Free("payments", m.payments, m.payments.size());
  Free("invoices", m.invoices, m.invoices.size());
  Free("batches", m.batches, m.batches.size());
  Free("email_owner", m.email_owner, m.email_owner.size());
  Free("number_owner", m.number_owner, m.number_owner.size());
  Free("members", m.members, m.members.size());
  Free("tokens", m.tokens, m.tokens.size());
  Free("latest_token", m.latest_token, m.latest_token.size());
  std::printf("\n(allocated after freeing these, beside what was before loading: %+.1f MiB)\n",
              (static_cast<double>(Allocated()) - static_cast<double>(start)) / 1048576.0);
  return 0;
}
