// The tenants a server holds open: for each, its event log (and writer thread), its projection
// store and runtime (and projector thread), and its write model.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "commands/model.h"
#include "events/timezone.h"
#include "http/answer_cache.h"
#include "ledger/rocks_event_log.h"
#include "ledger/storage_faults.h"
#include "projections/projection_store.h"
#include "projections/runtime.h"

namespace kaiin::http {

struct TenantOptions {
  bool sync = true;  // fsync every group commit; false only in throwaway tests
  size_t group_commit_commands_max = 4096;
  // One invoice batch of 100k members is one command of ~200k events (B2: all or nothing).
  size_t command_events_max = 1'000'000;
  size_t projection_batch_events_max = 2000;
  // A projection at checkpoint 0 (new, dropped for a schema change or a rebuild, or its store
  // lost) is rebuilt the bulk way when the log holds at least this many events.
  uint64_t projection_bulk_events_min = 50000;
  // How long the projector may wait to gather a larger batch when no reader waits for a
  // position (projections::RuntimeOptions::gather_delay).
  std::chrono::microseconds projection_gather_delay{2000};
  // The projector thread's nice value (projections::RuntimeOptions::thread_nice).
  int projector_nice = 10;
  // While running, the write model is saved as a snapshot once this many events have been
  // written since the last one (0: only at a clean stop) and then no command has been committed
  // for snapshot_quiet: encoding holds the writer (seconds for millions of payments), so it waits
  // for a quiet moment. A start after a crash replays the events since the last snapshot.
  uint64_t snapshot_every_events = 1'000'000;
  std::chrono::milliseconds snapshot_quiet{1000};
  // Such a snapshot is encoded by a child process (fork: a copy-on-write image of the model as
  // the writer left it), so the writer is held only for the fork, not for the encoding; false,
  // or a failed fork, encodes on the writer.
  bool snapshot_in_child = true;
  // Tests only: both stores of every tenant write through this switch (a simulated full disk).
  std::shared_ptr<ledger::StorageFaults> faults;
  // The memtable budget of all tenants' stores together and the block cache they share (kaiind:
  // --memtable-mib, --block-cache-mib); 0 and null: none, each family its own cache.
  ledger::StorageMemory memory;
  // With a budget: how often the registry looks whether the memtables are over it, and
  // how long a tenant must have committed nothing before its memtables are flushed for it.
  std::chrono::milliseconds memory_sweep{1000};
  std::chrono::milliseconds memory_quiet{1000};
};

class Tenant {
 public:
  // Opens the tenant's stores under data_dir (creating them if missing), loads its write model
  // and starts its projector.
  static Result<std::unique_ptr<Tenant>> Open(const std::string& data_dir, const std::string& id,
                                               const TenantOptions& options);
  ~Tenant();
  // Answers queued commands, stops the threads, checkpoints and closes the stores.
  void Close();

  const std::string& id() const { return id_; }
  ledger::RocksEventLog& log() { return *log_; }
  projections::ProjectionStore& store() { return *store_; }
  projections::ProjectionRuntime& runtime() { return *runtime_; }
  // Rendered answers of repeated queries at the projections' current position (Api::Query).
  AnswerCache& answers() { return answers_; }

  // The write model. Only on the log's writer thread (inside decide; a command's done callback
  // runs on another thread, possibly while later commands decide).
  commands::TenantModel& model() { return model_; }
  // Before a command decides (writer thread; ctx.NextPosition() is where its events would go):
  // reloads the write model from the log if a failed write left it ahead of the disk, or if
  // events were written past it (straight to the log, as no server does), so that it holds
  // exactly the positions before NextPosition. The reload first waits for the group being
  // written (ctx.Settle). Unavailable (the command may be retried) if it still does not.
  Status EnsureWriteModel(ledger::WriteContext& ctx);
  // A command's answer was an error (any thread). Unavailable: the write failed after the
  // model took the group in. Internal: a decide threw, perhaps halfway through evolving the
  // model. Either way the model is reloaded from the log before the next command.
  void CommandFailed(const Status& s) {
    if (s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kInternal) {
      model_stale_ = true;
    }
  }

  // The position of the snapshot the write model was last loaded from (0: replayed from the
  // start).
  uint64_t snapshot_position() const { return snapshot_position_; }
  // Snapshots taken while running (written, or failed) since the tenant opened.
  uint64_t snapshots_taken() const { return snapshots_taken_.load(); }

  // Whether no group has been committed for `quiet` (any thread).
  bool QuietFor(std::chrono::microseconds quiet) const;
  // Writes both stores' memtables to table files (TenantRegistry's memory sweep).
  Status FlushMemtables();

  // The tenant's calendar date at a UTC instant (its time zone; UTC before it is configured).
  Date DateAt(TimestampMicros utc) const;
  Date Today() const { return DateAt(NowMicros()); }

  // The durable settings, for any thread.
  struct Settings {
    bool configured = false;
    events::TenantConfigured value;
  };
  Settings settings() const;
  void PublishSettings(const commands::TenantState& state);  // also sets the time zone

 private:
  Tenant() = default;
  Status LoadWriteModel();
  void SaveWriteModel();
  void SnapshotLoop();

  std::string id_;
  std::unique_ptr<ledger::RocksEventLog> log_;
  std::unique_ptr<projections::ProjectionStore> store_;
  std::unique_ptr<projections::ProjectionRuntime> runtime_;
  commands::TenantModel model_;
  AnswerCache answers_;
  // Set from the writer thread, or from a caller's thread when the log refuses a command at once
  // (shutting down, overloaded): atomic.
  std::atomic<bool> model_stale_{false};
  bool model_loaded_ = false;  // LoadWriteModel succeeded and Close has not saved it yet
  uint64_t snapshot_position_ = 0;
  double snapshot_read_ms_ = 0, snapshot_decode_ms_ = 0;  // the last load's, for the log
  // Snapshots while running (SnapshotLoop): the snapshot thread watches for a due snapshot and
  // a quiet moment, has the writer encode the model, and writes the bytes.
  uint64_t snapshot_every_ = 0;
  std::chrono::milliseconds snapshot_quiet_{0};
  bool snapshot_in_child_ = true;
  std::atomic<uint64_t> last_snapshot_{0};  // taken (written or not), or loaded: when to look
  // The position of the latest snapshot this process loaded or wrote (0: none it could use): a
  // clean stop at that position has nothing to write, and need not read a gigabyte to know it.
  std::atomic<uint64_t> snapshot_on_disk_{0};
  std::atomic<int64_t> last_commit_us_{0};  // steady clock, set after each group commit
  std::atomic<uint64_t> snapshots_taken_{0};
  std::mutex snapshot_mu_;
  std::condition_variable snapshot_cv_;
  bool snapshot_stop_ = false;
  std::thread snapshot_thread_;
  mutable std::mutex settings_mu_;
  Settings settings_;
  std::shared_ptr<const TimeZone> zone_;
};

class TenantRegistry {
 public:
  TenantRegistry(std::string data_dir, TenantOptions options);
  ~TenantRegistry();

  Status OpenAll();  // every tenant found under the data folder
  Tenant* Find(std::string_view id) const;
  Result<Tenant*> FindOrCreate(std::string_view id);
  std::vector<Tenant*> All() const;
  void CloseAll();
  // What every tenant's stores share (null members when each has its own).
  const ledger::StorageMemory& memory() const { return options_.memory; }
  // Memory sweeps that flushed a tenant's memtables.
  uint64_t memory_flushes() const { return memory_flushes_.load(); }

 private:
  // The memory sweep (with a memtable budget). A store flushes by itself only once its own
  // memtables reach 64 MiB, which a small society may never do: in a process of many societies
  // those that went quiet would keep everything they wrote since their last flush. Every
  // memory_sweep, while all memtables together are over the budget, the quiet tenant whose
  // memtables hold the most entries is flushed, then the next, until the sum is under the budget
  // or no quiet tenant holds any.
  void MemoryLoop();

  std::string data_dir_;
  TenantOptions options_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Tenant>> tenants_;
  std::mutex memory_mu_;
  std::condition_variable memory_cv_;
  bool memory_stop_ = false;
  std::atomic<uint64_t> memory_flushes_{0};
  std::thread memory_thread_;
};

}  // namespace kaiin::http
