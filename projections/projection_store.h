// ProjectionStore: a tenant's read models in their own RocksDB (DIR/tenants/<tenant>/projections),
// separate from the event log so that projection writes never ride on the log's synced WAL.
// Format: see projection_store.cc. Thread-safe for reads; one applier at a time.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "events/event.h"
#include "events/status.h"
#include "projections/projection.h"

namespace rocksdb {
class Cache;
class DB;
class Env;
class Iterator;
class Logger;
class ColumnFamilyHandle;
class Snapshot;
struct ReadOptions;
}  // namespace rocksdb

namespace kaiin::projections {

struct StoreOptions {
  rocksdb::Env* env = nullptr;                // RocksDB's default; tests inject faults
  std::shared_ptr<rocksdb::Logger> info_log;  // RocksDB's diagnostics; null: a LOG file
  // Shared by the process's databases (ledger/storage_memory.h); null: an 8 MiB block cache
  // per family.
  std::shared_ptr<rocksdb::Cache> block_cache;
};

// What the store holds in memory now: memtables, and table readers outside the block cache.
struct StoreMemory {
  uint64_t memtables = 0;
  uint64_t table_readers = 0;
  uint64_t memtable_entries = 0;  // entries in the memtables (mutable and immutable)
};

class ProjectionStore {
 public:
  // Opens (creating if missing) the store with a column family for each projection; drops the
  // rows of any projection whose stored schema version differs from its SchemaVersion().
  static Result<std::unique_ptr<ProjectionStore>> Open(
      const std::string& path, std::span<Projection* const> projections,
      const StoreOptions& options = {});
  // Read-only view of a store another process may be writing (RocksDB secondary instance).
  static Result<std::unique_ptr<ProjectionStore>> OpenFollower(const std::string& path,
                                                               const std::string& scratch_path);
  ~ProjectionStore();

  // One state of the whole store, held across many reads (a streamed export): the reads given
  // it see every projection's rows and checkpoint as they were when it was taken, whatever is
  // applied meanwhile (ApplyBatch writes rows and checkpoints in one batch, so the projections
  // it shows agree with their checkpoints). Cheap to take; while it lives RocksDB keeps the row
  // versions it shows, so hold it for one request. The store may outlive it or not: closing or
  // reopening the store (after a failed write) ends it, and reads through it then answer
  // storage_unavailable.
  class View {
   public:
    ~View();
    View(const View&) = delete;
    View& operator=(const View&) = delete;

   private:
    friend class ProjectionStore;
    struct Held;  // the RocksDB snapshot, shared with the store so either can release it
    explicit View(std::shared_ptr<Held> held) : held_(std::move(held)) {}
    std::shared_ptr<Held> held_;
  };
  Result<std::unique_ptr<View>> NewView() const;

  // The position the projection has applied up to (0: nothing); in `at`'s state if given.
  Result<uint64_t> Checkpoint(std::string_view projection, const View* at = nullptr) const;
  StoreMemory Memory() const;
  // The schema version its rows were written with (0: none recorded).
  Result<uint32_t> StoredSchemaVersion(std::string_view projection) const;

  // Applies `events` (ascending positions) to each projection in `projections` for the events
  // after its checkpoint in `checkpoints` (same order), and writes all rows and the new
  // checkpoints in one WriteBatch. On success updates `checkpoints`.
  Status ApplyBatch(std::span<Projection* const> projections, std::span<uint64_t> checkpoints,
                    std::span<const events::Envelope> events);

  // The rebuild path. Applies the events that `next` yields (batches in ascending positions,
  // continuing each projection's checkpoint; an empty batch ends them) with the rows kept in
  // memory across batches, then writes each projection's rows as one sorted file and ingests
  // them with the new checkpoints in one atomic step: no memtable, no WAL, each row written
  // once. When the rows held pass `memory_max` bytes it ingests what it has and goes on (later
  // rounds read the store for rows they do not hold). On success updates `checkpoints`; on
  // failure nothing of the unfinished round is visible. Projections are applied, and their
  // files written, on up to `threads` threads (one projection on one thread at a time).
  // `next` is given the batch just applied (empty at first) and replaces it with the next one;
  // it may reuse its envelopes, whose strings keep their buffers (ProjectionRuntime's reader does).
  using NextBatch = std::function<Status(std::vector<events::Envelope>* batch)>;
  Status BulkApply(std::span<Projection* const> projections, std::span<uint64_t> checkpoints,
                   const NextBatch& next, size_t memory_max, size_t threads);

  // Removes every row and the checkpoint of a projection (for a rebuild from 0).
  Status Drop(std::string_view projection);

  // A projection whose rows are being built from nothing in bulk (ProjectionRuntime marks it for
  // the rebuild's length): its rows are missing, or some of them are (a rebuild larger than its
  // memory ingests in rounds), so Get, Scan and NewOrderedReader on it answer Unavailable
  // projection_rebuilding rather than an empty or partial read model. Reads through a View are
  // not refused (they show the state it was taken in); take ReadyToRead before taking one.
  void SetBuilding(std::string_view projection, bool on);
  // OK, or the projection_rebuilding refusal.
  Status ReadyToRead(std::string_view projection) const;

  // Point read. Returns false when absent. Reads the store as it is now, or in `at`'s state.
  Result<bool> Get(std::string_view projection, std::string_view key, std::string* value,
                   const View* at = nullptr) const;
  // Visits rows with key >= start that begin with `prefix`, in key order, until fn returns false.
  Status Scan(std::string_view projection, std::string_view prefix, std::string_view start,
              const std::function<bool(std::string_view key, std::string_view value)>& fn,
              const View* at = nullptr) const;

  // Point reads in ascending key order through one iterator: a page of rows whose keys lie close
  // together (the members of an arrears page) costs a Seek and a few Next steps instead of a
  // full lookup each. Reads see one consistent state of the store. Holds the store's read lock
  // while it lives; keep it to one request. Other reads of the store meanwhile take the read
  // lock again, as Scan's callbacks do: glibc's rwlock (std::shared_mutex here) lets a reader
  // in even while the applier waits to reopen, so this cannot deadlock.
  class OrderedReader {
   public:
    ~OrderedReader();
    // Keys must not decrease from call to call (a smaller key costs a Seek, still correct).
    Result<bool> Get(std::string_view key, std::string* value);
    // The row with the largest key <= `key` among those that begin with `prefix`: sets *found
    // and *value and returns true, or false when there is none.
    Result<bool> Floor(std::string_view prefix, std::string_view key, std::string* found,
                       std::string* value);
    // Visits rows as ProjectionStore::Scan does, in the same state as this reader's Gets: a
    // question answered by several scans adds up one state of the store.
    Status Scan(std::string_view prefix, std::string_view start,
                const std::function<bool(std::string_view key, std::string_view value)>& fn);

   private:
    friend class ProjectionStore;
    OrderedReader(std::shared_lock<std::shared_mutex> lock, rocksdb::Iterator* it);
    std::shared_lock<std::shared_mutex> lock_;
    std::unique_ptr<rocksdb::Iterator> it_;
    std::string last_;      // the key of the previous Get
    bool started_ = false;  // a Seek has positioned the iterator
  };
  Result<std::unique_ptr<OrderedReader>> NewOrderedReader(std::string_view projection) const;

  std::vector<std::string> ProjectionNames() const;  // column families other than checkpoints
  Status Flush();

 private:
  ProjectionStore() = default;
  Status OpenDb(const std::vector<std::string>& names);
  void Adopt(rocksdb::DB* db, const std::vector<std::string>& names);
  void CloseDb();
  Status Reopen();
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) const;
  Status ReadCheckpoint(std::string_view projection, uint64_t* position, uint32_t* schema,
                        const View* at = nullptr) const;
  // The read options for `at` (none: the store as it is now). Under db_mu_.
  Status ReadOptionsAt(const View* at, rocksdb::ReadOptions* options) const;
  // The same for a projection's rows: read now, they are refused while it is being built
  // (ReadyToRead); through a view, never (it shows the state it was taken in).
  Status RowReadOptions(std::string_view projection, const View* at,
                        rocksdb::ReadOptions* options) const;
  Status WriteCheckpoint(std::string_view name, uint64_t position, uint32_t schema);
  bool FamilyEmpty(rocksdb::ColumnFamilyHandle* cf) const;

  std::string path_;
  StoreOptions options_;
  // db_ and the handles are replaced only by the applier (Reopen, after a failed write), under
  // an exclusive lock; readers hold a shared lock.
  mutable std::shared_mutex db_mu_;
  std::unique_ptr<rocksdb::DB> db_;
  // A write failed; reopen before the next. Set by the applier; read by Flush on any thread.
  std::atomic<bool> write_failed_{false};
  rocksdb::ColumnFamilyHandle* checkpoints_cf_ = nullptr;
  std::unordered_map<std::string, rocksdb::ColumnFamilyHandle*> families_;
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles_;
  // The views taken and perhaps still held: CloseDb releases their snapshots before the
  // database goes. Pruned as views are taken.
  mutable std::mutex views_mu_;
  mutable std::vector<std::shared_ptr<View::Held>> views_;
  // The projections being built (SetBuilding); building_count_ spares reads the lock while none is.
  mutable std::mutex building_mu_;
  std::set<std::string, std::less<>> building_;
  std::atomic<size_t> building_count_{0};
};

}  // namespace kaiin::projections
