// RocksEventLog: the EventLog on one RocksDB per tenant. Two threads carry the commands: the
// writer decides and encodes a group of them into one WriteBatch while the syncer writes the
// group before it (synced) and answers its callers. See rocks_event_log.cc for the storage
// format and the pipeline.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "events/codec.h"
#include "ledger/event_log.h"
#include "ledger/storage_memory.h"
#include "ledger/stream_versions.h"

namespace rocksdb {
class DB;
class Env;
class Logger;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace kaiin::ledger {

struct LogOptions {
  std::string tenant;
  size_t group_commit_commands_max = 4096;  // commands in one WriteBatch
  size_t queue_commands_max = 65536;        // waiting commands; more are refused (Unavailable)
  size_t command_events_max = 10000;        // events one command may append
  size_t read_batch_events_max = 10000;     // events one read may return
  bool sync = true;                         // fsync every batch; false only in throwaway tests
  // The syncer writes a group while the writer decides the next; false: the writer writes every
  // group itself before deciding the next (benchmarks compare the two).
  bool pipeline = true;
  // ... only for a group whose deciding took at least this long (a hand-off costs two thread
  // wake-ups; overlapping a few microseconds of deciding does not pay for them).
  int64_t pipeline_decide_us_min = 100;
  std::function<TimestampMicros()> clock;   // defaults to the system clock
  size_t memtable_bytes_max = 64 << 20;     // all families' memtables together
  StorageMemory memory;                     // the block cache shared by the process, if set
  size_t stream_cache_max = 100000;         // cached stream versions; dropped at a group's start
  rocksdb::Env* env = nullptr;              // RocksDB's default; tests inject faults (storage_faults.h)
  std::shared_ptr<rocksdb::Logger> info_log;  // RocksDB's diagnostics; null: a LOG file (rocks_logger.h)
};

// A snapshot's bytes handed out a piece at a time: sets *piece to the next one (empty at the
// end). A failure abandons the snapshot; nothing of it is stored.
using SnapshotSource = std::function<Status(std::string* piece)>;
// The size of the pieces the log cuts whole bytes into: a good size for a source's too (each
// piece is one value of the snapshots family).
inline constexpr size_t kSnapshotPieceBytes = size_t{4} << 20;

// Counters for /metrics. Written by the writer thread, read by anyone.
struct LogStats {
  static constexpr size_t kBatchBuckets = 13;  // commands per batch: <=1, <=2, <=4 ... <=2048, more
  std::atomic<uint64_t> events_appended{0};
  std::atomic<uint64_t> commands_committed{0};
  std::atomic<uint64_t> commands_rejected{0};
  std::atomic<uint64_t> commands_replayed{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> write_failures{0};
  std::array<std::atomic<uint64_t>, kBatchBuckets> batch_commands{};
  std::atomic<uint64_t> batch_commands_sum{0};
  std::atomic<uint64_t> groups_handed{0};  // the syncer wrote while the writer went on deciding
};

// What VerifyChain found. ok() when problems is empty.
struct ChainReport {
  uint64_t events = 0;
  uint64_t head = 0;
  uint64_t streams = 0;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

class RocksEventLog final : public EventLog {
 public:
  // Opens (creating if missing) the log at `path` and starts its writer thread.
  static Result<std::unique_ptr<RocksEventLog>> Open(const std::string& path, LogOptions options);
  // Opens a read-only follower of a log that another process may be writing (RocksDB secondary
  // instance; `scratch_path` holds its own info log). Submit answers Unavailable.
  static Result<std::unique_ptr<RocksEventLog>> OpenFollower(const std::string& path,
                                                            const std::string& scratch_path);
  ~RocksEventLog() override;

  // Stops accepting commands, answers the queued ones (they are written), joins the writer and
  // closes the database. Idempotent.
  void Close();

  void Submit(CommandMeta meta, DecideFn decide, DoneFn done) override;
  Status ReadStream(std::string_view stream, uint64_t from_version, size_t max_events,
                    std::vector<events::RecordedEvent>* out) override;
  Status ReadAfter(uint64_t after, size_t max_events,
                   std::vector<events::RecordedEvent>* out) override;
  uint64_t Head() const override { return head_.load(std::memory_order_acquire); }
  void SetCommitListener(std::function<void(uint64_t)> listener) override;

  // Reads every event and checks: each verifies and decodes; positions are gapless from 1;
  // each prev_hash is the SHA-256 of the previous envelope's bytes; the head record matches the
  // last event; the stream index agrees with the envelopes (versions gapless from 1 per stream).
  Status VerifyChain(ChainReport* report);

  // Write-model snapshots (the snapshots family): bytes the caller keeps for the head, stored
  // with the hash of the event at that position, so that a snapshot is only ever read back with
  // the log it was taken from. Only after Close (no command can be running); replaces the
  // earlier snapshots. Unavailable after a failed write.
  Status WriteSnapshot(std::string_view bytes);
  Status WriteSnapshot(const SnapshotSource& source);
  // The same for a position at or below the head while the log runs (any thread): the caller
  // vouches that the bytes hold exactly the events up to `position`. Both go in as a table file
  // ingested into the family (PutSnapshot), so that a large snapshot does not hold up the group
  // commits queued behind it, and in pieces, so that neither the log nor RocksDB's table writer
  // holds the whole of it: from `source`, the bytes need not be in memory at all. Replaces the
  // earlier snapshots.
  Status WriteSnapshotAt(uint64_t position, std::string_view bytes);
  Status WriteSnapshotAt(uint64_t position, const SnapshotSource& source);
  // The latest snapshot at or below the head whose event hash matches the log: sets *position
  // and *bytes (unless null: then its pieces are not read) and returns true; false when there is
  // none.
  Result<bool> LatestSnapshot(uint64_t* position, std::string* bytes);
  // The same, handing `read` the bytes (valid only during the call) without a copy for the
  // caller: a snapshot of a large tenant is a gigabyte, and a copy of it is a second one to fault
  // in. (The pieces are put together in one buffer; a snapshot stored whole is handed where
  // RocksDB holds it.) Returns read's failure, if any. An empty `read`: the position alone.
  Result<bool> ReadLatestSnapshot(uint64_t* position,
                                  const std::function<Status(std::string_view bytes)>& read);

  size_t command_events_max() const { return options_.command_events_max; }
  const LogStats& stats() const { return stats_; }
  // What the log's database holds in memory now (for /metrics).
  DbMemory Memory() const;
  // Writes every family's memtable to a table file and waits for it (memory back to the
  // shared budget; the data was durable in the WAL already).
  Status FlushMemtables();
  // A copy of the log as it stands, taken while it runs (any thread): RocksDB's checkpoint of
  // every family into `dir` (which must not exist yet; table files hard-linked when on the same
  // file system, copied otherwise), after the memtables are flushed. A group commit is one
  // write, so the copy holds whole groups: a prefix of the log, chain and stream index whole.
  // Returns the head the copy holds, read back from it (its own follower, with its info log in
  // `scratch_dir`). The copy is a log folder like this one: kaiin-replay reads it, kaiind opens
  // it. Unavailable while the last write has failed.
  Result<uint64_t> Backup(const std::string& dir, const std::string& scratch_dir);
  size_t QueueLength() const;

 private:
  class Context;
  struct Group;
  struct Building;
  // What an idempotency key answers: the first command's fingerprint and result.
  struct KeyRecord {
    events::Hash fingerprint{};
    CommitResult result;
  };
  struct Job {
    CommandMeta meta;
    DecideFn decide;
    DoneFn done;
  };

  RocksEventLog() = default;
  void Adopt(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles);
  void CloseDb();
  Status Recover();
  Status Reopen();
  void WriterLoop();
  void SyncerLoop();
  void ProcessGroup(std::vector<Job>& jobs);
  void Decide(Job& job, Building& building);
  bool WriteGroup(Group& group);
  // Writer thread: waits until the group handed to the syncer (if any) is written. Unavailable
  // if its write failed, and then for every later call until ForgetFlight.
  Status Settle();
  // Under mu_, with nothing in flight: a failure the syncer reported becomes the writer's
  // (flight_lost_).
  void TakeSyncFailure();
  // Writer thread, nothing in flight: what was decided on top of a failed write is forgotten;
  // the next group starts from the durable head (after reopening the database).
  void ForgetFlight();
  void NotifyCommitted(uint64_t head);
  // The stream's last version on the disk (0: no such stream). `exists`: its version 1 is known
  // to be there (the point read that would prove it is spared).
  Result<uint64_t> ReadStreamVersion(std::string_view stream, bool exists = false);
  // Stores a snapshot of `position` in pieces from `source`, with `event_hash` (layout in
  // rocks_event_log.cc), and drops the earlier ones. The caller holds db_mu_ (shared).
  Status PutSnapshot(uint64_t position, std::string_view event_hash, const SnapshotSource& source);

  LogOptions options_;
  std::string path_;
  bool follower_ = false;
  // db_ is replaced only by the writer thread (Reopen), under an exclusive lock; other threads
  // read through it under a shared lock. A null db_ (a reopen that failed) reads as Unavailable.
  mutable std::shared_mutex db_mu_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* events_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* idempotency_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots_cf_ = nullptr;

  std::atomic<uint64_t> head_{0};  // durable: set after each write (by the thread that wrote)
  events::Hash head_hash_{};       // the hash at head_; set with it, read by the writer only
                                   // once nothing is in flight
  // Writer thread only:
  uint64_t decided_head_ = 0;     // the last position given out (head_ plus the group in flight)
  events::Hash decided_hash_{};   // the hash at decided_head_
  std::unique_ptr<events::EnvelopeEncoder> encoder_;  // reused across groups
  // Stream versions as decided (the group in flight counted): a cache of the disk plus what is
  // on its way there. Dropped only with nothing in flight.
  StreamVersions stream_versions_;
  // Idempotency keys first used by the group in flight (not yet readable from the disk).
  std::unordered_map<std::string, KeyRecord> flying_keys_;
  uint64_t handed_ = 0;       // groups handed to the syncer
  bool flight_lost_ = false;  // a handed group's write failed; not yet forgotten
  bool last_write_failed_ = false;

  mutable std::mutex mu_;
  std::condition_variable cv_;        // the writer waits here: commands, a group written
  std::condition_variable syncer_cv_; // the syncer waits here: a group to write
  std::deque<Job> queue_;
  bool stopping_ = false;
  bool closed_ = false;
  std::unique_ptr<Group> to_write_;  // handed by the writer, taken by the syncer
  uint64_t settled_ = 0;             // groups whose write finished (ok or not)
  bool sync_failed_ = false;         // the last settled group's write failed
  bool syncer_stop_ = false;
  std::function<void(uint64_t)> commit_listener_;
  std::thread writer_;
  std::thread syncer_;
  LogStats stats_;
};

}  // namespace kaiin::ledger
