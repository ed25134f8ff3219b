// Durable appends per second through the ledger API (group commit), side by side with raw
// RocksDB writing the same envelope bytes with sync=true, in the same run on the same disk.
//
//   kaiin-bench-append [--seconds S] [--callers 1,8,64] [--dir DIR] [--only WHICH]
//
// For each caller count C:
//   kaiin      C threads, each calling EventLog::Append (one event per command) in a loop;
//   raw-same   C threads, each calling rocksdb::DB::Put(sync=true) with the envelope bytes
//              (RocksDB groups concurrent writers itself);
// and once:
//   raw-batch  one thread writing WriteBatches of 1000 puts with sync=true (DESIGN.md §5's
//              baseline).
//   raw-layout one thread writing WriteBatches of 1000 events in the log's own layout (an event
//              key and a stream key per event, in two families) with sync=true: RocksDB's cost
//              for what the ledger writes (with --only batch or every run).
//   kaiin-batch one thread, then two, appending commands of 1000 events each (as an invoice
//              batch or a roster import does): with one, the ledger's own cost per event beside
//              raw-batch's at the same batch size and concurrency; with two, one command is
//              decided while the other is written.
// Each run is time-boxed; the figure is events made durable per second. --only runs one of
// kaiin, windowed, batch (with raw-batch always, the baseline), for profiling.
// KAIIN_BENCH_SERIAL=1: the log's writer writes every group itself (LogOptions::pipeline
// false), for an A/B of the pipeline.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <semaphore>
#include <thread>
#include <vector>

#include "events/codec.h"
#include "ledger/rocks_event_log.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  double seconds = 3;
  std::vector<int> callers = {1, 8, 64};
  std::string dir = "/tmp/kaiin-bench";
  std::string only;  // empty: every run
};

// A realistic event: ~200 bytes once enveloped.
kaiin::events::Event SampleEvent() {
  return kaiin::events::TenantConfigured{std::string(24, 'n'), 4, "Asia/Tokyo"};
}

std::string SampleEnvelopeBytes() {
  kaiin::events::EnvelopeMeta m;
  m.tenant = "bench";
  m.position = 1;
  m.stream = "member-0000000001";
  m.version = 1;
  m.actor = "secretariat:bench";
  m.command_id = std::string(32, 'c');
  kaiin::events::EnvelopeEncoder e;
  return std::string(e.Encode(m, SampleEvent()));
}

template <typename Fn>
double RunThreads(int threads, double seconds, Fn body) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  std::vector<std::thread> ts;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) n += body(t);
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(total.load()) / elapsed;
}

// A fresh log at `path`. KAIIN_BENCH_NOSYNC: no fsync; KAIIN_BENCH_SERIAL: no pipeline.
std::unique_ptr<kaiin::ledger::RocksEventLog> OpenLog(const std::string& path) {
  std::filesystem::remove_all(path);
  kaiin::ledger::LogOptions o;
  o.tenant = "bench";
  o.sync = std::getenv("KAIIN_BENCH_NOSYNC") == nullptr;
  o.pipeline = std::getenv("KAIIN_BENCH_SERIAL") == nullptr;
  return std::move(kaiin::ledger::RocksEventLog::Open(path, o)).value();
}

double BenchKaiin(const std::string& path, int callers, double seconds) {
  auto log = OpenLog(path);
  const double rate = RunThreads(callers, seconds, [&](int t) -> uint64_t {
    kaiin::ledger::CommandMeta meta;
    meta.actor = "secretariat:bench";
    meta.command_id = std::string(32, 'c');
    char stream[32];
    std::snprintf(stream, sizeof(stream), "member-%010d", t);
    auto r = log->Append(meta, {stream, kaiin::ledger::kAnyVersion, {{SampleEvent(), 19000, 0}}});
    if (!r.ok()) {
      std::fprintf(stderr, "append failed: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    return 1;
  });
  const auto& st = log->stats();
  std::fprintf(stderr, "  kaiin %d callers: %llu batches, %.1f commands per batch\n", callers,
               static_cast<unsigned long long>(st.batches.load()),
               st.batches ? static_cast<double>(st.batch_commands_sum) / st.batches : 0.0);
  return rate;
}

// C threads each keep `window` commands in flight through EventLog::Submit, as an HTTP server
// with many connections per core would: the batches fill up to the group-commit limit.
double BenchKaiinWindowed(const std::string& path, int callers, int window, double seconds) {
  auto log = OpenLog(path);
  std::vector<std::unique_ptr<std::counting_semaphore<1024>>> slots;
  for (int t = 0; t < callers; ++t) slots.push_back(std::make_unique<std::counting_semaphore<1024>>(window));
  const double rate = RunThreads(callers, seconds, [&](int t) -> uint64_t {
    slots[t]->acquire();
    kaiin::ledger::CommandMeta meta;
    meta.actor = "secretariat:bench";
    meta.command_id = std::string(32, 'c');
    char stream[32];
    std::snprintf(stream, sizeof(stream), "member-%010d", t);
    kaiin::ledger::StreamAppend append{stream, kaiin::ledger::kAnyVersion, {{SampleEvent(), 19000, 0}}};
    log->Submit(std::move(meta),
                [append = std::move(append)](kaiin::ledger::WriteContext& ctx) mutable {
                  return ctx.Append(std::move(append));
                },
                [s = slots[t].get()](kaiin::Result<kaiin::ledger::CommitResult> r) {
                  if (!r.ok()) std::exit(1);
                  s->release();
                });
    return 1;
  });
  // Commands still in flight are counted above but not yet durable: wait for them, and count
  // the time they take, so the figure is durable events per second.
  const auto drain_start = Clock::now();
  for (auto& s : slots) {
    for (int i = 0; i < window; ++i) s->acquire();
  }
  const double drain = std::chrono::duration<double>(Clock::now() - drain_start).count();
  const auto& st = log->stats();
  std::fprintf(stderr, "  kaiin %d callers x %d in flight: %.1f commands per batch\n", callers,
               window, st.batches ? static_cast<double>(st.batch_commands_sum) / st.batches : 0.0);
  return rate * seconds / (seconds + drain);
}

// `threads` threads appending commands of `events` events each, to `events` streams of one
// event each (one stream per member, as an invoice batch writes).
double BenchKaiinBatched(const std::string& path, int events, int threads, double seconds) {
  auto log = OpenLog(path);
  std::atomic<uint64_t> commands{0};
  const double rate = RunThreads(threads, seconds, [&](int) -> uint64_t {
    const uint64_t command = commands.fetch_add(1);
    kaiin::ledger::CommandMeta meta;
    meta.actor = "secretariat:bench";
    meta.command_id = std::string(32, 'c');
    std::vector<kaiin::ledger::StreamAppend> appends;
    appends.reserve(events);
    for (int i = 0; i < events; ++i) {
      char stream[40];
      std::snprintf(stream, sizeof(stream), "invoice-%010llu-%04d",
                    static_cast<unsigned long long>(command), i);
      appends.push_back({stream, 0, {{SampleEvent(), 19000, 0}}});
    }
    auto r = log->SubmitAndWait(meta, [&](kaiin::ledger::WriteContext& ctx) {
      for (auto& a : appends) {
        if (kaiin::Status s = ctx.Append(std::move(a)); !s.ok()) return s;
      }
      return kaiin::Status::Ok();
    });
    if (!r.ok()) {
      std::fprintf(stderr, "append failed: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    return static_cast<uint64_t>(events);
  });
  return rate;
}

// The raw runs' key for event `k`: 8 bytes big-endian, as the log keys its events.
std::string PositionKey(uint64_t k) {
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(k >> (56 - 8 * i));
  return key;
}

rocksdb::DB* OpenRaw(const std::string& path) {
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  rocksdb::Options o;
  o.create_if_missing = true;
  o.enable_pipelined_write = true;
  rocksdb::DB* db = nullptr;
  if (rocksdb::Status s = rocksdb::DB::Open(o, path, &db); !s.ok()) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), s.ToString().c_str());
    std::exit(1);
  }
  return db;
}

double BenchRawSame(const std::string& path, int callers, double seconds,
                    const std::string& value) {
  std::unique_ptr<rocksdb::DB> db(OpenRaw(path));
  std::atomic<uint64_t> next{0};
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return RunThreads(callers, seconds, [&](int) -> uint64_t {
    const uint64_t k = next.fetch_add(1);
    if (!db->Put(wo, PositionKey(k), value).ok()) std::exit(1);
    return 1;
  });
}

double BenchRawBatch(const std::string& path, double seconds, const std::string& value) {
  std::unique_ptr<rocksdb::DB> db(OpenRaw(path));
  uint64_t k = 0;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return RunThreads(1, seconds, [&](int) -> uint64_t {
    rocksdb::WriteBatch b;
    for (int j = 0; j < 1000; ++j, ++k) {
      b.Put(PositionKey(k), value);
    }
    if (!db->Write(wo, &b).ok()) std::exit(1);
    return 1000;
  });
}

// The raw baseline with the log's own layout (RocksEventLog): per event an 8-byte position key in
// an events family and a stream key (stream name, 0, version) holding the position in a streams
// family, one thread writing WriteBatches of 1000 events (2000 puts) with sync=true. What RocksDB
// itself costs for the two keys the ledger writes per event, beside raw-batch's one.
double BenchRawBatchLayout(const std::string& path, double seconds, const std::string& value) {
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.enable_pipelined_write = false;  // one writer, as the log's (DbOptions)
  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, o}, {"events", o}, {"streams", o}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (rocksdb::Status s = rocksdb::DB::Open(o, path, families, &handles, &raw); !s.ok()) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), s.ToString().c_str());
    std::exit(1);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  uint64_t k = 0;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const double rate = RunThreads(1, seconds, [&](int) -> uint64_t {
    rocksdb::WriteBatch b;
    for (int j = 0; j < 1000; ++j, ++k) {
      const std::string key = PositionKey(k);
      b.Put(handles[1], key, value);
      char stream[48];
      const int n = std::snprintf(stream, sizeof(stream), "invoice-%010llu-%04d",
                                  static_cast<unsigned long long>(k / 1000), j);
      std::string stream_key(stream, static_cast<size_t>(n));
      stream_key.append({'\0', 0, 0, 0, 0, 0, 0, 0, 1});  // version 1, big-endian
      b.Put(handles[2], stream_key, key);
    }
    if (!db->Write(wo, &b).ok()) std::exit(1);
    return 1000;
  });
  for (rocksdb::ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  Flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--seconds") {
      f.seconds = std::stod(v);
    } else if (a == "--dir") {
      f.dir = v;
    } else if (a == "--only") {
      f.only = v;
    } else if (a == "--callers") {
      f.callers.clear();
      for (size_t p = 0; p < v.size();) {
        const size_t c = v.find(',', p);
        f.callers.push_back(std::stoi(v.substr(p, c - p)));
        p = c == std::string::npos ? v.size() : c + 1;
      }
    }
  }
  const std::string value = SampleEnvelopeBytes();
  std::printf("envelope bytes: %zu; %.1f s per run\n", value.size(), f.seconds);
  const double batch = BenchRawBatch(f.dir + "/raw-batch", f.seconds, value);
  std::printf("raw RocksDB, WriteBatch of 1000, sync: %.0f events/s\n\n", batch);
  auto wanted = [&](const char* run) { return f.only.empty() || f.only == run; };
  if (wanted("batch")) {
    const double layout = BenchRawBatchLayout(f.dir + "/raw-layout", f.seconds, value);
    std::printf("raw RocksDB, the log's layout (an event key and a stream key per event, two "
                "families), WriteBatch of 1000 events, sync: %.0f events/s (%.3f of raw "
                "batch-1000)\n\n", layout, layout / batch);
    std::printf("| threads, each a command of 1000 events at a time | kaiin appends/s | "
                "kaiin / raw batch-1000 | kaiin / raw layout |\n|---|---|---|---|\n");
    for (int threads : {1, 2}) {
      const double kaiin = BenchKaiinBatched(f.dir + "/kaiin-batch", 1000, threads, f.seconds);
      std::printf("| %d | %.0f | %.3f | %.3f |\n", threads, kaiin, kaiin / batch, kaiin / layout);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  if (wanted("kaiin")) {
  std::printf("| callers | kaiin appends/s | raw sync puts/s (same callers) | kaiin / raw same | "
              "kaiin / raw batch-1000 |\n|---|---|---|---|---|\n");
  }
  for (int c : f.callers) {
    if (!wanted("kaiin")) break;
    const double kaiin = BenchKaiin(f.dir + "/kaiin-" + std::to_string(c), c, f.seconds);
    const double raw = BenchRawSame(f.dir + "/raw-" + std::to_string(c), c, f.seconds, value);
    std::printf("| %d | %.0f | %.0f | %.2f | %.3f |\n", c, kaiin, raw, kaiin / raw, kaiin / batch);
    std::fflush(stdout);
  }
  if (wanted("windowed")) {
    std::printf("\n| callers x in flight | kaiin appends/s | kaiin / raw batch-1000 |\n"
                "|---|---|---|\n");
  }
  for (int c : f.callers) {
    if (!wanted("windowed")) break;
    const double kaiin = BenchKaiinWindowed(f.dir + "/kaiin-w-" + std::to_string(c), c, 16, f.seconds);
    std::printf("| %d x 16 | %.0f | %.3f |\n", c, kaiin, kaiin / batch);
    std::fflush(stdout);
  }
  std::filesystem::remove_all(f.dir);
  return 0;
}
