// Projection rebuild speed against a raw RocksDB scan of the same log, in the same run.
//
//   kaiin-bench-rebuild --data-dir DIR --tenant T [--only all|PROJECTION] [--memory-mb N]
//                       [--page-events N] [--apply-threads N] [--read-threads N]
//
//   raw scan      iterate the log's events column family with RocksDB, touching every value;
//   decode only   read through the log API and verify+decode every envelope (no projection);
//   rebuild       every projection from position 0 into a scratch store (ProjectionRuntime);
//   rebuild <p>   one projection alone.
// Run it on a data folder that no kaiind is using (the log is opened as a secondary instance,
// so it also works beside one, but then the machine is shared).
#include <rocksdb/db.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "events/codec.h"
#include "ledger/data_layout.h"
#include "ledger/rocks_event_log.h"
#include "projections/registry.h"
#include "projections/runtime.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double RawScan(const std::string& path, uint64_t* events) {
  std::vector<std::string> names;
  rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, cfs, &handles, &db).ok()) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    std::exit(1);
  }
  rocksdb::ColumnFamilyHandle* events_cf = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "events") events_cf = handles[i];
  }
  const auto start = Clock::now();
  uint64_t n = 0, bytes = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events_cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    bytes += it->value().size() + static_cast<uint8_t>(it->value().data()[0]);
    ++n;
  }
  const double s = Seconds(start);
  it.reset();
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  *events = n;
  std::fprintf(stderr, "  (%llu bytes)\n", static_cast<unsigned long long>(bytes));
  return s;
}

struct Knobs {
  size_t memory_mb = 0;  // 0: kaiind's default
  size_t page_events = 10000;
  size_t apply_threads = 0, read_threads = 0;  // 0: kaiind's defaults
};

double Rebuild(kaiin::ledger::RocksEventLog* log, const std::string& scratch,
               const std::string& only, const Knobs& knobs) {
  std::filesystem::remove_all(scratch);
  auto all = kaiin::projections::MakeAllProjections();
  std::vector<std::unique_ptr<kaiin::projections::Projection>> chosen;
  for (auto& p : all) {
    if (only.empty() || p->Name() == only) chosen.push_back(std::move(p));
  }
  std::vector<kaiin::projections::Projection*> raw;
  for (auto& p : chosen) raw.push_back(p.get());
  double secs = 0;
  {
    auto store = std::move(kaiin::projections::ProjectionStore::Open(scratch, raw)).value();
    kaiin::projections::RuntimeOptions options;
    options.batch_events_max = knobs.page_events;
    options.bulk_page_events = knobs.page_events;
    if (knobs.memory_mb > 0) options.bulk_memory_max = knobs.memory_mb << 20;
    if (knobs.apply_threads > 0) options.bulk_threads = knobs.apply_threads;
    if (knobs.read_threads > 0) options.bulk_read_threads = knobs.read_threads;
    kaiin::projections::ProjectionRuntime rt(store.get(), log, std::move(chosen), options);
    if (!rt.Init().ok()) std::exit(1);
    const auto start = Clock::now();
    if (kaiin::Status s = rt.CatchUp(); !s.ok()) {
      std::fprintf(stderr, "rebuild: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    secs = Seconds(start);
  }
  std::filesystem::remove_all(scratch);
  return secs;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, tenant, only;
  Knobs knobs;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--data-dir") data_dir = argv[i + 1];
    if (a == "--tenant") tenant = argv[i + 1];
    if (a == "--only") only = argv[i + 1];  // "all" or a projection: that rebuild alone
    // The rows a rebuild holds before it writes them out (RuntimeOptions::bulk_memory_max)
    if (a == "--memory-mb") knobs.memory_mb = std::stoul(argv[i + 1]);
    // Events read, decoded and applied at a time (kaiin-replay's default)
    if (a == "--page-events") knobs.page_events = std::stoul(argv[i + 1]);
    // Threads applying projections, and reading the log for them (RuntimeOptions::bulk_threads,
    // bulk_read_threads)
    if (a == "--apply-threads") knobs.apply_threads = std::stoul(argv[i + 1]);
    if (a == "--read-threads") knobs.read_threads = std::stoul(argv[i + 1]);
  }
  if (data_dir.empty() || tenant.empty()) {
    std::fprintf(stderr, "usage: kaiin-bench-rebuild --data-dir DIR --tenant T\n");
    return 2;
  }
  const std::string log_path = kaiin::ledger::TenantLogPath(data_dir, tenant);
  uint64_t events = 0;
  const double raw = RawScan(log_path, &events);
  std::printf("events: %llu\n\n| what | seconds | events/s | ratio to raw scan |\n|---|---|---|---|\n",
              static_cast<unsigned long long>(events));
  std::printf("| raw RocksDB scan | %.3f | %.0f | 1.00 |\n", raw, events / raw);
  auto log = std::move(kaiin::ledger::RocksEventLog::OpenFollower(
                           log_path, "/tmp/kaiin-bench-rebuild-follower"))
                 .value();
  {
    const auto start = Clock::now();
    uint64_t after = 0;
    kaiin::events::Envelope env;  // decoded into again, as the runtime's readers do
    for (;;) {
      std::vector<kaiin::events::RecordedEvent> page;
      if (!log->ReadAfter(after, 10000, &page).ok() || page.empty()) break;
      for (const auto& r : page) {
        if (!kaiin::events::DecodeEnvelope(r.bytes, &env).ok()) return 1;
      }
      after = page.back().position;
    }
    const double s = Seconds(start);
    std::printf("| read + verify + decode | %.3f | %.0f | %.2f |\n", s, events / s, raw / s);
  }
  const std::string scratch = "/tmp/kaiin-bench-rebuild-scratch";
  if (!only.empty()) {
    const double s = Rebuild(log.get(), scratch, only == "all" ? "" : only, knobs);
    std::printf("| rebuild %s | %.3f | %.0f | %.2f |\n", only.c_str(), s, events / s, raw / s);
    return 0;
  }
  const double all = Rebuild(log.get(), scratch, "", knobs);
  std::printf("| rebuild all projections | %.3f | %.0f | %.2f |\n", all, events / all, raw / all);
  for (const auto& p : kaiin::projections::MakeAllProjections()) {
    const double s = Rebuild(log.get(), scratch, std::string(p->Name()), knobs);
    std::printf("| rebuild %s | %.3f | %.0f | %.2f |\n", std::string(p->Name()).c_str(), s,
                events / s, raw / s);
  }
  return 0;
}
