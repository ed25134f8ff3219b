// ProjectionStore storage format. One RocksDB per tenant (DIR/tenants/<tenant>/projections):
//
//   checkpoints CF:  key = projection name ; value = fixed64be(position) fixed32be(schema version)
//   <name> CF:       one per projection; keys and values are the projection's own (see each
//                    projection's .cc)
//
// A batch of events is applied into one WriteBatch (with an overlay, so a projection reads its own
// earlier writes within the batch), and its rows and its checkpoint land in one atomic write.
// Writes are not synced: after a crash a projection may be behind, never torn, and it catches up
// from its checkpoint because the event log is the book of record.
#include "projections/projection_store.h"

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cassert>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "projections/row_table.h"

namespace kaiin::projections {
namespace {

constexpr char kCheckpoints[] = "checkpoints";

void PutFixed64BE(std::string* dst, uint64_t v) {
  for (int i = 7; i >= 0; --i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutFixed32BE(std::string* dst, uint32_t v) {
  for (int i = 3; i >= 0; --i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetBE(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(std::string(what) + ": " + s.ToString());
  return Status::Unavailable("storage_unavailable", std::string(what) + ": " + s.ToString());
}

// A row as the store holds it (rows the overlays below do not have).
Result<bool> ReadRow(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                     std::string* value) {
  rocksdb::Status s =
      db->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "read projection row");
  return true;
}

// A projection's rows during one batch: writes go to an overlay (RowTable) holding each key's
// latest value, so a read of a row written earlier in the batch is one hash lookup and a row
// rewritten many times in a batch (a counter, a member's row) reaches RocksDB once. (A
// WriteBatchWithIndex keeps a skiplist of every write; profiling showed it and the repeated
// memtable inserts to dominate rebuilds.) Flush writes the final values into the batch.
class BatchRows final : public Rows {
 public:
  BatchRows(rocksdb::DB* db, rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf)
      : db_(db), batch_(batch), cf_(cf) {}

  void Flush() {
    // In key order, so the batch (and so the store) is the same whatever the hash order.
    overlay_.ForEachInKeyOrder([this](std::string_view key, const std::string_view* value) {
      const rocksdb::Slice k(key.data(), key.size());
      if (value) {
        batch_->Put(cf_, k, rocksdb::Slice(value->data(), value->size()));
      } else {
        batch_->Delete(cf_, k);
      }
    });
    overlay_ = RowTable();
  }
  Result<bool> Get(std::string_view key, std::string* value) override {
    if (RowTable::Held held; overlay_.Find(key, &held)) {
      if (held.state != RowTable::State::kValue) return false;
      *value = *held.value;
      return true;
    }
    return ReadRow(db_, cf_, key, value);
  }
  void Put(std::string_view key, std::string_view value) override { overlay_.Put(key, value); }
  void Insert(std::string_view key, std::string_view value) override {
    overlay_.Insert(key, value);
  }
  void Delete(std::string_view key) override { overlay_.Delete(key, RowTable::State::kDeleted); }

 private:
  rocksdb::DB* db_;
  rocksdb::WriteBatch* batch_;
  rocksdb::ColumnFamilyHandle* cf_;
  RowTable overlay_;
};

// A projection's rows during a bulk rebuild: every row it writes stays in memory until the
// round ends, when WriteFile sorts them into one table file. Rows it does not hold are read from
// the store, unless the store held none of its rows when the round began (the usual rebuild
// from 0), and then a deleted row is simply forgotten.
class BulkRows final : public Rows {
 public:
  BulkRows(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, bool base_empty)
      : db_(db), cf_(cf), base_empty_(base_empty) {}

  size_t bytes() const { return overlay_.bytes(); }

  Result<bool> Get(std::string_view key, std::string* value) override {
    if (RowTable::Held held; overlay_.Find(key, &held)) {
      if (held.state != RowTable::State::kValue) return false;
      *value = *held.value;
      return true;
    }
    if (base_empty_) return false;
    return ReadRow(db_, cf_, key, value);
  }
  void Put(std::string_view key, std::string_view value) override { overlay_.Put(key, value); }
  void Insert(std::string_view key, std::string_view value) override {
    overlay_.Insert(key, value);
  }
  void Delete(std::string_view key) override {
    overlay_.Delete(key, base_empty_ ? RowTable::State::kForgotten : RowTable::State::kDeleted);
  }

  // Writes the rows in key order to a table file at `path`; *written is false (and no file
  // exists) when there is nothing to write.
  Status WriteFile(const rocksdb::Options& options, const std::string& path, bool* written) {
    *written = false;
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options);
    rocksdb::Status s;
    bool opened = false;
    overlay_.ForEachInKeyOrder([&](std::string_view key, const std::string_view* value) {
      if (!s.ok()) return;
      if (!opened) {
        s = writer.Open(path);
        opened = true;
        if (!s.ok()) return;
      }
      const rocksdb::Slice k(key.data(), key.size());
      s = value ? writer.Put(k, rocksdb::Slice(value->data(), value->size())) : writer.Delete(k);
    });
    if (!opened) return Status::Ok();  // nothing to write
    if (s.ok()) s = writer.Finish();
    if (!s.ok()) {
      options.env->DeleteFile(path);  // whatever part of it exists
      return FromRocks(s, "write projection file");
    }
    *written = true;
    return Status::Ok();
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  bool base_empty_;
  RowTable overlay_;
};

// Runs fn(0) ... fn(n - 1) on `threads` threads (the caller's one of them), each index once,
// and returns when all are done. For the rebuild: projections share nothing but the events they
// read, so each may be applied on its own thread.
class Workers {
 public:
  explicit Workers(size_t threads) {
    for (size_t i = 1; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~Workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void Run(size_t n, const std::function<void(size_t)>& fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      n_ = n;
      next_ = 0;
      busy_ = threads_.size();
      ++generation_;
    }
    cv_.notify_all();
    Take();
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return busy_ == 0; });
    fn_ = nullptr;
  }

 private:
  void Take() {
    for (;;) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (next_ >= n_) return;
        i = next_++;
      }
      (*fn_)(i);
    }
  }
  void Loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      Take();
      std::lock_guard<std::mutex> lock(mu_);
      if (--busy_ == 0) done_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t n_ = 0, next_ = 0, busy_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// A projection's family; its tables read through `block_cache` (null: RocksDB's 8 MiB cache).
rocksdb::ColumnFamilyOptions FamilyOptions(std::shared_ptr<rocksdb::Cache> block_cache = nullptr) {
  rocksdb::ColumnFamilyOptions options;
  options.arena_block_size = 128 << 10;
  // LZ4 where this RocksDB build has it (Debian's does), Snappy otherwise (RocksDB's default):
  // less CPU for the projector's flushes and a bulk rebuild's table files (all nine rebuilt ~9%
  // faster), faster to read back (docs/benchmarks.md, "LZ4 for every table").
  if (std::ranges::count(rocksdb::GetSupportedCompressions(), rocksdb::kLZ4Compression) > 0) {
    options.compression = rocksdb::kLZ4Compression;
  }
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(block_cache);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// Visits the rows from `start` (or `prefix`, whichever is later) that begin with `prefix`.
Status ScanFrom(rocksdb::Iterator* it, std::string_view prefix, std::string_view start,
                const std::function<bool(std::string_view, std::string_view)>& fn) {
  const std::string_view from = start > prefix ? start : prefix;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (!k.starts_with(prefix)) break;
    if (!fn(k, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "scan projection");
}

}  // namespace

Result<std::unique_ptr<ProjectionStore>> ProjectionStore::Open(
    const std::string& path, std::span<Projection* const> projections,
    const StoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);  // RocksDB creates only the last level
  if (ec) return Status::Unavailable("io_error", "cannot create " + path + ": " + ec.message());
  std::unique_ptr<ProjectionStore> store(new ProjectionStore());
  store->path_ = path;
  store->options_ = options;
  std::vector<std::string> names;
  rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);  // none yet: fine
  auto add = [&names](const std::string& n) {
    for (const auto& x : names) {
      if (x == n) return;
    }
    names.push_back(n);
  };
  add(rocksdb::kDefaultColumnFamilyName);
  add(kCheckpoints);
  for (Projection* p : projections) add(std::string(p->Name()));
  if (Status st = store->OpenDb(names); !st.ok()) return st;
  // A projection whose code changed its output is rebuilt from 0.
  for (Projection* p : projections) {
    std::string v;
    rocksdb::Status s = store->db_->Get(rocksdb::ReadOptions(), store->checkpoints_cf_, std::string(p->Name()),
                        &v);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read checkpoint");
    const bool current = s.ok() && v.size() == 12 && GetBE(v.data() + 8, 4) == p->SchemaVersion();
    if (current) continue;
    if (s.ok()) {
      if (Status st = store->Drop(p->Name()); !st.ok()) return st;
    }
    if (Status st = store->WriteCheckpoint(p->Name(), 0, p->SchemaVersion()); !st.ok()) return st;
  }
  return store;
}

Result<std::unique_ptr<ProjectionStore>> ProjectionStore::OpenFollower(
    const std::string& path, const std::string& scratch_path) {
  rocksdb::DBOptions options;
  options.max_open_files = -1;  // required by secondary instances
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, path, &names);
  if (!s.ok()) return FromRocks(s, "list projection families");
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, FamilyOptions());
  std::unique_ptr<ProjectionStore> store(new ProjectionStore());
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenAsSecondary(options, path, scratch_path, descriptors, &store->all_handles_,
                                   &raw);
  if (!s.ok()) return FromRocks(s, "open projection store as follower");
  store->Adopt(raw, names);
  // A store whose creation was cut short (kill -9 at its first start) may lack families: they
  // read as empty, with checkpoint 0, until the server creates them.
  return store;
}

// Takes ownership of an opened database; all_handles_ are in the order of `names`.
void ProjectionStore::Adopt(rocksdb::DB* db, const std::vector<std::string>& names) {
  db_.reset(db);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == kCheckpoints) {
      checkpoints_cf_ = all_handles_[i];
    } else if (names[i] != rocksdb::kDefaultColumnFamilyName) {
      families_[names[i]] = all_handles_[i];
    }
  }
}

Status ProjectionStore::OpenDb(const std::vector<std::string>& names) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // One memtable budget for all the projections' families, as for the log (bounded memory).
  options.db_write_buffer_size = 64 << 20;
  options.writable_file_max_buffer_size = 128 << 10;
  if (options_.env != nullptr) options.env = options_.env;
  if (options_.info_log) options.info_log = options_.info_log;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, FamilyOptions(options_.block_cache));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path_, descriptors, &all_handles_, &raw);
  if (!s.ok()) return FromRocks(s, "open projection store");
  Adopt(raw, names);
  return Status::Ok();
}

ProjectionStore::~ProjectionStore() { CloseDb(); }

StoreMemory ProjectionStore::Memory() const {
  StoreMemory m;
  std::shared_lock lock(db_mu_);
  if (!db_) return m;
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kSizeAllMemTables, &m.memtables);
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem,
                                &m.table_readers);
  uint64_t active = 0, immutable = 0;
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kNumEntriesActiveMemTable, &active);
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kNumEntriesImmMemTables, &immutable);
  m.memtable_entries = active + immutable;
  return m;
}

struct ProjectionStore::View::Held {
  std::mutex mu;  // the view's release and the store's CloseDb
  rocksdb::DB* db = nullptr;
  const rocksdb::Snapshot* snapshot = nullptr;  // null: released (the view's end, or the store's)

  void Release() {
    std::lock_guard lock(mu);
    if (snapshot != nullptr) db->ReleaseSnapshot(snapshot);
    snapshot = nullptr;
  }
};

ProjectionStore::View::~View() {
  held_->Release();
}

Result<std::unique_ptr<ProjectionStore::View>> ProjectionStore::NewView() const {
  std::shared_lock lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the projection store is reopening");
  auto held = std::make_shared<View::Held>();
  held->db = db_.get();
  held->snapshot = db_->GetSnapshot();
  std::lock_guard views_lock(views_mu_);
  std::erase_if(views_, [](const std::shared_ptr<View::Held>& h) { return h.use_count() == 1; });
  views_.push_back(held);
  return std::unique_ptr<View>(new View(std::move(held)));
}

Status ProjectionStore::ReadOptionsAt(const View* at, rocksdb::ReadOptions* options) const {
  if (at == nullptr) return Status::Ok();
  std::lock_guard lock(at->held_->mu);
  if (at->held_->snapshot == nullptr) {
    return Status::Unavailable("storage_unavailable",
                               "the projection store was reopened during this read");
  }
  options->snapshot = at->held_->snapshot;
  return Status::Ok();
}

Status ProjectionStore::RowReadOptions(std::string_view projection, const View* at,
                                       rocksdb::ReadOptions* options) const {
  if (at == nullptr) return ReadyToRead(projection);
  return ReadOptionsAt(at, options);
}

void ProjectionStore::CloseDb() {
  if (!db_) return;
  {
    std::lock_guard lock(views_mu_);
    for (const auto& held : views_) held->Release();
    views_.clear();
  }
  for (auto* h : all_handles_) db_->DestroyColumnFamilyHandle(h);
  all_handles_.clear();
  families_.clear();
  checkpoints_cf_ = nullptr;
  db_->Close();
  db_.reset();
}

// After a failed write RocksDB refuses writes until the database is opened again (Resume()
// does not clear an error of the WAL in RocksDB 7.8). The rows and checkpoints of the failed
// batch were never applied, so the reopened store is where the last good batch left it. While
// a probe write still fails (the disk is full), the old instance stays open for queries.
Status ProjectionStore::Reopen() {
  rocksdb::Env* env = options_.env != nullptr ? options_.env : rocksdb::Env::Default();
  const std::string probe = path_ + "/SPACE_PROBE";
  {
    std::unique_ptr<rocksdb::WritableFile> file;
    rocksdb::Status s = env->NewWritableFile(probe, &file, rocksdb::EnvOptions());
    if (s.ok()) s = file->Append(std::string(64 << 10, '\0'));
    if (s.ok()) s = file->Sync();
    if (file) file->Close();
    env->DeleteFile(probe);
    if (!s.ok()) return FromRocks(s, "write to the projection folder");
  }
  std::unique_lock lock(db_mu_);
  std::vector<std::string> names;
  for (const auto& [n, h] : families_) names.push_back(n);
  names.push_back(rocksdb::kDefaultColumnFamilyName);
  names.push_back(kCheckpoints);
  CloseDb();
  if (Status s = OpenDb(names); !s.ok()) return s;
  write_failed_ = false;
  return Status::Ok();
}

rocksdb::ColumnFamilyHandle* ProjectionStore::Family(std::string_view name) const {
  auto it = families_.find(std::string(name));
  return it == families_.end() ? nullptr : it->second;
}

std::vector<std::string> ProjectionStore::ProjectionNames() const {
  std::shared_lock lock(db_mu_);
  std::vector<std::string> names;
  for (const auto& [n, h] : families_) names.push_back(n);
  std::sort(names.begin(), names.end());
  return names;
}

// The checkpoint record: position (8 bytes) and schema version (4), both 0 when absent.
Status ProjectionStore::ReadCheckpoint(std::string_view projection, uint64_t* position,
                                       uint32_t* schema, const View* at) const {
  *position = 0;
  *schema = 0;
  std::shared_lock lock(db_mu_);
  if (!checkpoints_cf_) return Status::Ok();
  rocksdb::ReadOptions options;
  if (Status s = ReadOptionsAt(at, &options); !s.ok()) return s;
  std::string v;
  rocksdb::Status s = db_->Get(options, checkpoints_cf_, std::string(projection), &v);
  if (s.IsNotFound()) return Status::Ok();
  if (!s.ok()) return FromRocks(s, "read checkpoint");
  if (v.size() != 12) return Status::Corruption("checkpoint has the wrong size");
  *position = GetBE(v.data(), 8);
  *schema = static_cast<uint32_t>(GetBE(v.data() + 8, 4));
  return Status::Ok();
}

Result<uint64_t> ProjectionStore::Checkpoint(std::string_view projection, const View* at) const {
  uint64_t position;
  uint32_t schema;
  if (Status s = ReadCheckpoint(projection, &position, &schema, at); !s.ok()) return s;
  return position;
}

Result<uint32_t> ProjectionStore::StoredSchemaVersion(std::string_view projection) const {
  uint64_t position;
  uint32_t schema;
  if (Status s = ReadCheckpoint(projection, &position, &schema); !s.ok()) return s;
  return schema;
}

Status ProjectionStore::WriteCheckpoint(std::string_view name, uint64_t position,
                                        uint32_t schema) {
  std::string v;
  PutFixed64BE(&v, position);
  PutFixed32BE(&v, schema);
  return FromRocks(db_->Put(rocksdb::WriteOptions(), checkpoints_cf_, std::string(name), v),
                   "write checkpoint");
}

Status ProjectionStore::ApplyBatch(std::span<Projection* const> projections,
                                   std::span<uint64_t> checkpoints,
                                   std::span<const events::Envelope> events) {
  if (write_failed_) {
    if (Status s = Reopen(); !s.ok()) return s;
  }
  rocksdb::WriteBatch batch;
  std::vector<uint64_t> advanced(checkpoints.begin(), checkpoints.end());
  for (size_t i = 0; i < projections.size(); ++i) {
    rocksdb::ColumnFamilyHandle* cf = Family(projections[i]->Name());
    if (!cf) return Status::Internal("projection has no column family");
    BatchRows rows(db_.get(), &batch, cf);
    for (const events::Envelope& e : events) {
      if (e.meta.position <= advanced[i]) continue;
      // Events arrive in order with no gap (asserted on both sides of storage).
      assert(e.meta.position == advanced[i] + 1);
      if (Status s = projections[i]->Apply(e, rows); !s.ok()) return s;
      advanced[i] = e.meta.position;
    }
    rows.Flush();
    if (advanced[i] != checkpoints[i]) {
      std::string v;
      PutFixed64BE(&v, advanced[i]);
      PutFixed32BE(&v, projections[i]->SchemaVersion());
      batch.Put(checkpoints_cf_, std::string(projections[i]->Name()), v);
    }
  }
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
  write_failed_ = !s.ok();
  if (!s.ok()) return FromRocks(s, "write projection batch");
  std::copy(advanced.begin(), advanced.end(), checkpoints.begin());
  return Status::Ok();
}

bool ProjectionStore::FamilyEmpty(rocksdb::ColumnFamilyHandle* cf) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
  it->SeekToFirst();
  return !it->Valid() && it->status().ok();
}

Status ProjectionStore::BulkApply(std::span<Projection* const> projections,
                                  std::span<uint64_t> checkpoints, const NextBatch& next,
                                  size_t memory_max, size_t threads) {
  if (write_failed_) {
    if (Status s = Reopen(); !s.ok()) return s;
  }
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  for (Projection* p : projections) {
    rocksdb::ColumnFamilyHandle* cf = Family(p->Name());
    if (!cf) return Status::Internal("projection has no column family");
    families.push_back(cf);
  }
  std::vector<uint64_t> advanced(checkpoints.begin(), checkpoints.end());
  std::vector<events::Envelope> batch;
  Workers workers(std::min<size_t>(threads, projections.size()));
  bool more = true;
  while (more) {
    // One round: apply until the log ends or the rows held pass memory_max, then ingest.
    std::vector<std::unique_ptr<BulkRows>> rows;
    for (rocksdb::ColumnFamilyHandle* cf : families) {
      rows.push_back(std::make_unique<BulkRows>(db_.get(), cf, FamilyEmpty(cf)));
    }
    size_t held = 0;
    while (held <= memory_max) {
      if (Status s = next(&batch); !s.ok()) return s;
      if (batch.empty()) {
        more = false;
        break;
      }
      std::vector<Status> failed(projections.size(), Status::Ok());
      workers.Run(projections.size(), [&](size_t i) {
        for (const events::Envelope& e : batch) {
          if (e.meta.position <= advanced[i]) continue;
          assert(e.meta.position == advanced[i] + 1);
          if (Status s = projections[i]->Apply(e, *rows[i]); !s.ok()) {
            failed[i] = s;
            return;
          }
          advanced[i] = e.meta.position;
        }
      });
      held = 0;
      for (size_t i = 0; i < projections.size(); ++i) {
        if (!failed[i].ok()) return failed[i];
        held += rows[i]->bytes();
      }
    }
    if (std::equal(advanced.begin(), advanced.end(), checkpoints.begin())) break;

    // The files of the round, then one atomic ingestion of them all with the checkpoints.
    rocksdb::Options options(rocksdb::DBOptions(), FamilyOptions());
    if (options_.env != nullptr) options.env = options_.env;
    std::vector<rocksdb::IngestExternalFileArg> args;
    auto ingest_arg = [&args](rocksdb::ColumnFamilyHandle* cf, const std::string& file) {
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = cf;
      arg.external_files.push_back(file);
      arg.options.move_files = true;
      args.push_back(std::move(arg));
    };
    std::vector<std::string> files(projections.size());
    std::vector<Status> written(projections.size(), Status::Ok());
    workers.Run(projections.size(), [&](size_t i) {
      const std::string file = path_ + "/bulk-" + std::string(projections[i]->Name()) + ".sst";
      options.env->DeleteFile(file);
      bool any = false;
      written[i] = rows[i]->WriteFile(options, file, &any);
      if (any) files[i] = file;
      rows[i].reset();  // its memory goes back before the next projection's file
    });
    Status written_status = Status::Ok();
    for (size_t i = 0; i < projections.size(); ++i) {
      if (!written[i].ok()) written_status = written[i];
      if (!files[i].empty()) ingest_arg(families[i], files[i]);
    }
    std::vector<std::pair<std::string, std::string>> marks;
    for (size_t i = 0; i < projections.size(); ++i) {
      std::string v;
      PutFixed64BE(&v, advanced[i]);
      PutFixed32BE(&v, projections[i]->SchemaVersion());
      marks.emplace_back(std::string(projections[i]->Name()), std::move(v));
    }
    std::sort(marks.begin(), marks.end());
    const std::string marks_file = path_ + "/bulk-checkpoints.sst";
    if (written_status.ok()) {
      options.env->DeleteFile(marks_file);
      rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options);
      rocksdb::Status s = writer.Open(marks_file);
      for (size_t i = 0; s.ok() && i < marks.size(); ++i) {
        s = writer.Put(marks[i].first, marks[i].second);
      }
      if (s.ok()) s = writer.Finish();
      written_status = FromRocks(s, "write checkpoint file");
      files.push_back(marks_file);
      ingest_arg(checkpoints_cf_, marks_file);
    }
    rocksdb::Status s;
    if (written_status.ok()) s = db_->IngestExternalFiles(args);
    for (const auto& f : files) {
      if (!f.empty()) options.env->DeleteFile(f);  // left over only on failure
    }
    if (!written_status.ok()) return written_status;
    if (!s.ok()) {
      write_failed_ = true;
      return FromRocks(s, "ingest projection files");
    }
    std::copy(advanced.begin(), advanced.end(), checkpoints.begin());
  }
  return Status::Ok();
}

Status ProjectionStore::Drop(std::string_view projection) {
  rocksdb::ColumnFamilyHandle* cf = Family(projection);
  if (!cf) return Status::NotFound("no projection named " + std::string(projection));
  // One atomic batch: the rows go with the checkpoint, so a crash cannot leave old rows under a
  // checkpoint of 0.
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
  it->SeekToFirst();
  if (it->Valid()) {
    const std::string first = it->key().ToString();
    it->SeekToLast();
    std::string end = it->key().ToString();
    end.push_back('\0');  // the smallest key after the last one
    batch.DeleteRange(cf, first, end);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan projection");
  std::string v;
  PutFixed64BE(&v, 0);
  std::string schema;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), checkpoints_cf_, std::string(projection),
                               &schema);
  PutFixed32BE(&v, s.ok() && schema.size() == 12 ? static_cast<uint32_t>(GetBE(schema.data() + 8, 4))
                                                 : 0);
  batch.Put(checkpoints_cf_, std::string(projection), v);
  s = db_->Write(rocksdb::WriteOptions(), &batch);
  write_failed_ = !s.ok();
  return FromRocks(s, "drop projection");
}

void ProjectionStore::SetBuilding(std::string_view projection, bool on) {
  std::lock_guard lock(building_mu_);
  if (on) {
    building_.emplace(projection);
  } else if (auto it = building_.find(projection); it != building_.end()) {
    building_.erase(it);
  }
  building_count_.store(building_.size(), std::memory_order_release);
}

Status ProjectionStore::ReadyToRead(std::string_view projection) const {
  if (building_count_.load(std::memory_order_acquire) == 0) return Status::Ok();
  std::lock_guard lock(building_mu_);
  if (!building_.contains(projection)) return Status::Ok();
  return Status::Unavailable("projection_rebuilding",
                             "the " + std::string(projection) +
                                 " read model is being rebuilt from the log; ask again shortly");
}

Result<bool> ProjectionStore::Get(std::string_view projection, std::string_view key,
                                  std::string* value, const View* at) const {
  std::shared_lock lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the projection store is reopening");
  rocksdb::ColumnFamilyHandle* cf = Family(projection);
  if (!cf) return Status::NotFound("no projection named " + std::string(projection));
  rocksdb::ReadOptions options;
  if (Status s = RowReadOptions(projection, at, &options); !s.ok()) return s;
  rocksdb::Status s = db_->Get(options, cf, rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "read projection");
  return true;
}

Status ProjectionStore::Scan(std::string_view projection, std::string_view prefix,
                             std::string_view start,
                             const std::function<bool(std::string_view, std::string_view)>& fn,
                             const View* at) const {
  std::shared_lock lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the projection store is reopening");
  rocksdb::ColumnFamilyHandle* cf = Family(projection);
  if (!cf) return Status::NotFound("no projection named " + std::string(projection));
  rocksdb::ReadOptions options;
  if (Status s = RowReadOptions(projection, at, &options); !s.ok()) return s;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf));
  return ScanFrom(it.get(), prefix, start, fn);
}

ProjectionStore::OrderedReader::OrderedReader(std::shared_lock<std::shared_mutex> lock,
                                              rocksdb::Iterator* it)
    : lock_(std::move(lock)), it_(it) {}

ProjectionStore::OrderedReader::~OrderedReader() = default;

Result<bool> ProjectionStore::OrderedReader::Get(std::string_view key, std::string* value) {
  // Rows of one page usually follow each other: step forward a few times before seeking.
  constexpr int kStepsBeforeSeek = 8;
  const rocksdb::Slice target(key.data(), key.size());
  bool positioned = started_ && key >= last_;
  for (int step = 0; positioned && it_->Valid(); ++step) {
    const int c = it_->key().compare(target);
    if (c >= 0) break;
    if (step == kStepsBeforeSeek) {
      positioned = false;
      break;
    }
    it_->Next();
  }
  if (!positioned) {
    it_->Seek(target);
    started_ = true;
  }
  last_.assign(key);
  if (!it_->Valid()) {
    if (!it_->status().ok()) return FromRocks(it_->status(), "read projection");
    return false;
  }
  if (it_->key() != target) return false;
  value->assign(it_->value().data(), it_->value().size());
  return true;
}

Result<bool> ProjectionStore::OrderedReader::Floor(std::string_view prefix, std::string_view key,
                                                   std::string* found, std::string* value) {
  started_ = false;  // the next Get seeks
  it_->SeekForPrev(rocksdb::Slice(key.data(), key.size()));
  if (!it_->Valid()) {
    if (!it_->status().ok()) return FromRocks(it_->status(), "read projection");
    return false;
  }
  const std::string_view k(it_->key().data(), it_->key().size());
  if (!k.starts_with(prefix)) return false;
  found->assign(k);
  value->assign(it_->value().data(), it_->value().size());
  return true;
}

Status ProjectionStore::OrderedReader::Scan(
    std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  started_ = false;  // the next Get seeks
  return ScanFrom(it_.get(), prefix, start, fn);
}

Result<std::unique_ptr<ProjectionStore::OrderedReader>> ProjectionStore::NewOrderedReader(
    std::string_view projection) const {
  if (Status s = ReadyToRead(projection); !s.ok()) return s;
  std::shared_lock lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the projection store is reopening");
  rocksdb::ColumnFamilyHandle* cf = Family(projection);
  if (!cf) return Status::NotFound("no projection named " + std::string(projection));
  rocksdb::Iterator* it = db_->NewIterator(rocksdb::ReadOptions(), cf);
  return std::unique_ptr<OrderedReader>(new OrderedReader(std::move(lock), it));
}

Status ProjectionStore::Flush() {
  std::shared_lock lock(db_mu_);
  if (write_failed_) return Status::Unavailable("storage_unavailable", "a write failed");
  rocksdb::FlushOptions options;
  options.wait = true;
  return FromRocks(db_->Flush(options, all_handles_), "flush projections");
}

}  // namespace kaiin::projections
