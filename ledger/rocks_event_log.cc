// RocksEventLog storage format. One RocksDB per tenant (DIR/tenants/<tenant>/log):
//
//   events CF:      key = fixed64be(position)                        ; value = Envelope flatbuffer
//   streams CF:     key = stream-bytes '\0' fixed64be(version)       ; value = fixed64be(position)
//   idempotency CF: key = idempotency-key-bytes
//                   value = fingerprint[32] fixed64be(first) fixed64be(last) fixed64be(count)
//                           result-bytes
//   meta CF:        key = "head"  ; value = fixed64be(position) hash[32]   (absent: empty log)
//   snapshots CF:   the caller's write-model bytes of a position, in pieces (only the latest
//                   snapshot is kept):
//                   key = fixed64be(position) fixed32be(piece)  ; value = the piece's bytes
//                   key = fixed64be(position) ff ff ff ff       ; value = sha256[32] of the event
//                         at position, fixed64be(bytes in all), fixed32be(pieces)
//                   A snapshot stored whole by earlier builds (key = fixed64be(position), value
//                   = sha256[32] then the bytes) still reads.
//
// position starts at 1 and is gapless; version starts at 1 per stream and is gapless; stream
// names contain no '\0'. hash = SHA-256 of the envelope bytes exactly as stored; an envelope's
// prev_hash is the hash of the envelope before it (32 zero bytes for position 1), and the head
// record holds the hash of the last one. Every group of commands is one WriteBatch (events,
// stream index, idempotency records and the new head together) written with sync=true: a batch
// is either wholly durable or absent after a crash, so positions stay gapless.
#include "ledger/rocks_event_log.h"

#include <pthread.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "events/codec.h"

namespace kaiin::ledger {
namespace {

constexpr char kHeadKey[] = "head";
constexpr size_t kStreamNameBytesMax = 256;
constexpr size_t kIdempotencyKeyBytesMax = 256;

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 8);
}

uint64_t GetFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string PositionKey(uint64_t position) {
  std::string k;
  PutFixed64BE(&k, position);
  return k;
}

std::string StreamKey(std::string_view stream, uint64_t version) {
  std::string k(stream);
  k.push_back('\0');
  PutFixed64BE(&k, version);
  return k;
}

// A snapshot's piece keys; the last one (kSnapshotTrailer) holds what the pieces add up to.
constexpr uint32_t kSnapshotTrailer = 0xffffffff;
constexpr size_t kSnapshotTrailerBytes = 32 + 8 + 4;  // hash, bytes in all, pieces

void PutFixed32BE(std::string* dst, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) dst->push_back(static_cast<char>(v >> shift));
}

uint32_t GetFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string SnapshotKey(uint64_t position, uint32_t piece) {
  std::string k = PositionKey(position);
  PutFixed32BE(&k, piece);
  return k;
}

std::string_view HashView(const events::Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(std::string(what) + ": " + s.ToString());
  return Status::Unavailable("storage_unavailable", std::string(what) + ": " + s.ToString());
}

Status ValidateStream(std::string_view stream) {
  if (stream.empty() || stream.size() > kStreamNameBytesMax ||
      stream.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("validation_failed",
                                   "stream names are 1..256 bytes without NUL");
  }
  return Status::Ok();
}

size_t BatchBucket(size_t commands) {
  size_t b = 0;
  size_t limit = 1;
  while (b + 1 < LogStats::kBatchBuckets && commands > limit) {
    ++b;
    limit <<= 1;
  }
  return b;
}

// The families, their tables read through `block_cache` (null: RocksDB's 8 MiB cache each).
std::vector<rocksdb::ColumnFamilyDescriptor> Families(std::shared_ptr<rocksdb::Cache> block_cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.arena_block_size = 128 << 10;
  // LZ4 where this RocksDB build has it (Debian's does), Snappy otherwise (RocksDB's default):
  // cheaper to compress in the flushes that share the writer's cores, and to decompress for the
  // projector and a rebuild (docs/benchmarks.md, "LZ4 for every table"). A snapshot is stored
  // with it too: 857 MB in 258 MB at 21M events. Tables written before keep their compression.
  if (std::ranges::count(rocksdb::GetSupportedCompressions(), rocksdb::kLZ4Compression) > 0) {
    cf.compression = rocksdb::kLZ4Compression;
  }
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = block_cache;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Nearly every idempotency lookup is for a new key: a bloom filter answers those misses
  // without reading the SST files' blocks (older files without a filter still read fine).
  // Streams take the same filters: whether a stream exists is a point lookup of its version 1
  // (RocksEventLog::Context, in one MultiGet per command), and most are new (a payment's, an
  // invoice's). The memtable's own bloom filter answers a miss without walking its skiplist.
  // It is allocated whole with each memtable (ratio x write_buffer_size): 0.02 of 64 MiB is
  // 1.3 MiB, ~15 bits a key for a full memtable of stream keys; 0.05 cost every tenant 6.5 MiB
  // for two mostly empty filters.
  rocksdb::ColumnFamilyOptions keys = cf;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  keys.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  keys.memtable_whole_key_filtering = true;
  keys.memtable_prefix_bloom_size_ratio = 0.02;
  return {{rocksdb::kDefaultColumnFamilyName, cf}, {"events", cf},   {"streams", keys},
          {"idempotency", keys},                   {"meta", cf},     {"snapshots", cf}};
}

rocksdb::DBOptions DbOptions(const LogOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // Our writer thread is the only writer, so RocksDB's pipelined write only adds hand-offs
  // (measured: bench/append_bench.cc, docs/benchmarks.md).
  db_options.enable_pipelined_write = false;
  // One memtable budget for all the families (5): memory stays bounded per tenant instead of
  // growing to 64 MiB per family before the first flush (bench/load_10min.sh showed the climb).
  db_options.db_write_buffer_size = options.memtable_bytes_max;
  db_options.writable_file_max_buffer_size = 128 << 10;
  if (options.env != nullptr) db_options.env = options.env;
  if (options.info_log) db_options.info_log = options.info_log;
  return db_options;
}

// Whether the folder takes a write again: writes and syncs a 64 KiB file through `env` and
// removes it. A full disk answers with the error the next write would get.
rocksdb::Status ProbeSpace(rocksdb::Env* env, const std::string& dir) {
  const std::string name = dir + "/SPACE_PROBE";
  std::unique_ptr<rocksdb::WritableFile> file;
  rocksdb::Status s = env->NewWritableFile(name, &file, rocksdb::EnvOptions());
  if (s.ok()) s = file->Append(std::string(64 << 10, '\0'));
  if (s.ok()) s = file->Sync();
  if (file) file->Close();
  env->DeleteFile(name);
  return s;
}

}  // namespace

// Calls a command's callback and lets go of it at once: what it holds (an HTTP session, say)
// must not outlive the answer by the rest of the group's processing.
void Answer(DoneFn& done, Result<CommitResult> result) {
  DoneFn callback = std::move(done);
  callback(std::move(result));
}

// A group of commands decided, encoded and on its way to the disk: the batch that holds them
// and the callers to answer once it is durable.
struct RocksEventLog::Group {
  struct Pending {
    DoneFn done;
    CommitResult result;
  };
  rocksdb::WriteBatch batch;
  std::vector<Pending> pending;
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  events::Hash last_hash{};
};

// A cached stream version that is not known: the read that was to give it failed. The next
// lookup reads it again.
constexpr uint64_t kVersionUnread = ~uint64_t{0};

// The decide step's view: stream versions with this command's own appends on top.
//
// A stream the command appends to without naming a version it must be at (kAnyVersion), or
// requiring it new (kNoStream), and that is not cached, is taken as new at once and proven so
// when the decide step is done: one RocksDB MultiGet for all such streams of the command instead
// of a point read each (an invoice batch or a roster import opens thousands). Finish then adds
// the version found on the disk to what the command counted from 0, or refuses the command if a
// stream it required new exists. Anything that needs a version before that (StreamVersion, an
// append expecting a given version) reads the stream at once.
class RocksEventLog::Context final : public WriteContext {
 public:
  Context(RocksEventLog* log, TimestampMicros now, uint64_t next_position)
      : log_(log),
        now_(now),
        next_position_(next_position),
        first_entry_(static_cast<uint32_t>(log->stream_versions_.size())) {}

  Result<uint64_t> StreamVersion(std::string_view stream) override {
    Result<uint32_t> entry = EntryOf(stream, /*may_assume_new=*/false, /*keep_unproven=*/false);
    if (!entry.ok()) return entry.status();
    return log_->stream_versions_.version(*entry);
  }

  // The writer's stream versions take this command's appends at once (what StreamVersion then
  // answers); Rollback puts them back if the command fails.
  Status Append(StreamAppend append) override {
    if (Status s = ValidateStream(append.stream); !s.ok()) return s;
    const uint64_t expected = append.expected_version;
    // Counting on from what an unproven stream was counted at is right whatever the disk holds
    // when no version is expected.
    const bool any_or_new = expected == kAnyVersion || expected == kNoStream;
    Result<uint32_t> entry =
        EntryOf(append.stream, any_or_new, /*keep_unproven=*/expected == kAnyVersion);
    if (!entry.ok()) return entry.status();
    uint64_t& version = log_->stream_versions_.version(*entry);
    const uint64_t current = version;
    if (expected != kAnyVersion && expected != current) {
      return Conflict(append.stream, current, expected);
    }
    if (event_count_ + append.events.size() > log_->options_.command_events_max) {
      return Status::InvalidArgument("too_many_events", "a command may append at most " +
                                     std::to_string(log_->options_.command_events_max) +
                                     " events");
    }
    event_count_ += append.events.size();
    undo_.push_back({*entry, current});
    version = current + append.events.size();
    appends_.push_back(std::move(append));
    return Status::Ok();
  }

  void SetResult(std::string result) override { result_ = std::move(result); }
  Status Settle() override { return log_->Settle(); }
  TimestampMicros Now() const override { return now_; }
  uint64_t NextPosition() const override { return next_position_ + event_count_; }

  // After the decide step: proves the streams taken as new (see above) and, if the command
  // failed or a stream it required new exists, puts its streams back at the versions they had.
  // Returns what the command comes to: `decided`, or the conflict that comes first.
  Status Finish(Status decided) {
    Status proven = ProveUnproven();
    if (decided.ok() && proven.ok()) return decided;
    Rollback();
    for (uint32_t entry : unread_) log_->stream_versions_.version(entry) = kVersionUnread;
    return proven.ok() ? decided : proven;
  }

  std::vector<StreamAppend>& appends() { return appends_; }
  // The version of the stream before appends()[i].
  uint64_t VersionBefore(size_t i) const { return undo_[i].before; }
  std::string& result() { return result_; }
  uint64_t event_count() const { return event_count_; }

 private:
  struct Undo {
    uint32_t entry;  // in the writer's stream_versions_
    uint64_t before;
  };

  static Status Conflict(std::string_view stream, uint64_t current, uint64_t expected) {
    return Status::Aborted("version_conflict", "stream " + std::string(stream) +
                                                   " is at version " + std::to_string(current) +
                                                   ", expected " + std::to_string(expected));
  }

  bool IsUnproven(uint32_t entry) const {
    return entry != StreamVersions::kNone && entry >= first_entry_ &&
           entry - first_entry_ < unproven_.size() && unproven_[entry - first_entry_];
  }
  void MarkUnproven(uint32_t entry) {
    if (entry - first_entry_ >= unproven_.size()) unproven_.resize(entry - first_entry_ + 1, 0);
    unproven_[entry - first_entry_] = 1;
    ++unproven_count_;
  }

  // The stream's entry. One not cached is read from the disk or, with `may_assume_new`, taken
  // as new and left to Finish to prove; one taken as new earlier is read now unless
  // `keep_unproven`.
  Result<uint32_t> EntryOf(std::string_view stream, bool may_assume_new, bool keep_unproven) {
    StreamVersions& versions = log_->stream_versions_;
    uint32_t entry;
    if (may_assume_new) {
      bool inserted;
      entry = versions.FindOrInsert(stream, 0, &inserted);
      if (inserted) {
        MarkUnproven(entry);
        return entry;
      }
    } else {
      entry = versions.Find(stream);
    }
    const bool unproven = IsUnproven(entry);
    if (unproven ? keep_unproven
                 : entry != StreamVersions::kNone && versions.version(entry) != kVersionUnread) {
      return entry;
    }
    Result<uint64_t> on_disk = log_->ReadStreamVersion(stream);
    if (!on_disk.ok()) return on_disk.status();
    if (entry == StreamVersions::kNone) return versions.Insert(stream, *on_disk);
    if (!unproven) {  // its read failed before
      versions.version(entry) = *on_disk;
      return entry;
    }
    // Counted from 0 by this command so far: the disk's events come before.
    unproven_[entry - first_entry_] = 0;
    --unproven_count_;
    versions.version(entry) += *on_disk;
    for (Undo& u : undo_) {
      if (u.entry == entry) u.before += *on_disk;
    }
    return entry;
  }

  Status ProveUnproven() {
    if (unproven_count_ == 0) return Status::Ok();
    StreamVersions& versions = log_->stream_versions_;
    std::vector<uint32_t> entries;
    std::vector<std::string> keys;
    entries.reserve(unproven_count_);
    keys.reserve(unproven_count_);
    for (uint32_t i = 0; i < unproven_.size(); ++i) {
      if (!unproven_[i]) continue;
      entries.push_back(first_entry_ + i);
      keys.push_back(StreamKey(versions.name(first_entry_ + i), 1));
    }
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    if (keys.size() == 1) {  // a payment's one stream: a point read costs less to set up
      statuses[0] =
          log_->db_->Get(rocksdb::ReadOptions(), log_->streams_cf_, slices[0], &values[0]);
    } else {
      // A batch's streams usually come in order (an invoice batch's, a roster's): RocksDB then
      // need not sort them, comparing through each key's column family. Only when they are
      // (std::string orders bytes as the family's bytewise comparator does).
      log_->db_->MultiGet(rocksdb::ReadOptions(), log_->streams_cf_, keys.size(), slices.data(),
                          values.data(), statuses.data(), std::ranges::is_sorted(keys));
    }
    // What the disk holds before each entry's appends; one pass over the undo log moves them.
    std::vector<uint64_t> on_disk(unproven_.size(), 0);
    Status failed = Status::Ok();
    for (size_t i = 0; i < entries.size(); ++i) {
      unproven_[entries[i] - first_entry_] = 0;
      if (statuses[i].IsNotFound()) continue;  // new indeed
      Result<uint64_t> version =
          statuses[i].ok() ? log_->ReadStreamVersion(versions.name(entries[i]), /*exists=*/true)
                           : Result<uint64_t>(FromRocks(statuses[i], "read stream version"));
      if (!version.ok()) {
        unread_.push_back(entries[i]);
        if (failed.ok()) failed = version.status();
        continue;
      }
      on_disk[entries[i] - first_entry_] = *version;
      versions.version(entries[i]) += *version;
    }
    unproven_count_ = 0;
    Status conflict = Status::Ok();
    for (size_t i = 0; i < undo_.size(); ++i) {
      Undo& u = undo_[i];
      if (u.entry < first_entry_ || u.entry - first_entry_ >= on_disk.size()) continue;
      u.before += on_disk[u.entry - first_entry_];
      if (conflict.ok() && appends_[i].expected_version == kNoStream && u.before != 0) {
        conflict = Conflict(appends_[i].stream, u.before, kNoStream);
      }
    }
    return conflict.ok() ? failed : conflict;
  }

  // The command failed: its streams are back at the versions it found.
  void Rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      log_->stream_versions_.version(it->entry) = it->before;
    }
  }

  RocksEventLog* log_;
  TimestampMicros now_;
  uint64_t next_position_;
  const uint32_t first_entry_;     // stream_versions_ entries from here on are this command's
  std::vector<uint8_t> unproven_;  // by entry - first_entry_: taken as new, not yet proven
  size_t unproven_count_ = 0;
  std::vector<uint32_t> unread_;   // entries whose version could not be read
  std::vector<Undo> undo_;  // one for each of appends_
  std::vector<StreamAppend> appends_;
  std::string result_;
  uint64_t event_count_ = 0;
};

Result<std::unique_ptr<RocksEventLog>> RocksEventLog::Open(const std::string& path,
                                                           LogOptions options) {
  std::unique_ptr<RocksEventLog> log(new RocksEventLog());
  if (!options.clock) options.clock = NowMicros;
  log->options_ = std::move(options);
  log->path_ = path;

  std::error_code ec;
  std::filesystem::create_directories(path, ec);  // RocksDB creates only the last level
  if (ec) return Status::Unavailable("io_error", "cannot create " + path + ": " + ec.message());
  rocksdb::DBOptions db_options = DbOptions(log->options_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, Families(log->options_.memory.block_cache),
                                        &handles, &raw);
  if (!s.ok()) return FromRocks(s, "open event log");
  log->Adopt(raw, handles);
  if (Status st = log->Recover(); !st.ok()) return st;
  log->writer_ = std::thread([l = log.get()] {
    pthread_setname_np(pthread_self(), "kaiin-writer");  // as top -H and perf show it
    l->WriterLoop();
  });
  log->syncer_ = std::thread([l = log.get()] {
    pthread_setname_np(pthread_self(), "kaiin-syncer");
    l->SyncerLoop();
  });
  return log;
}

Result<std::unique_ptr<RocksEventLog>> RocksEventLog::OpenFollower(
    const std::string& path, const std::string& scratch_path) {
  std::unique_ptr<RocksEventLog> log(new RocksEventLog());
  log->follower_ = true;
  log->options_.clock = NowMicros;
  rocksdb::DBOptions db_options;
  db_options.max_open_files = -1;  // required by secondary instances
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenAsSecondary(db_options, path, scratch_path,
                                                   Families(nullptr), &handles, &raw);
  if (!s.ok()) return FromRocks(s, "open event log as follower");
  log->Adopt(raw, handles);
  if (Status st = log->Recover(); !st.ok()) return st;
  log->closed_ = true;  // no writer thread
  return log;
}

RocksEventLog::~RocksEventLog() {
  Close();
  CloseDb();
}

void RocksEventLog::CloseDb() {
  if (!db_) return;
  for (auto* h : {events_cf_, streams_cf_, idempotency_cf_, meta_cf_, snapshots_cf_}) {
    if (h) db_->DestroyColumnFamilyHandle(h);
  }
  events_cf_ = streams_cf_ = idempotency_cf_ = meta_cf_ = snapshots_cf_ = nullptr;
  db_->Close();
  db_.reset();
}

// After a failed write RocksDB refuses every further write until the database is opened again:
// DB::Resume() does not clear an error of the WAL (RocksDB 7.8; the full-disk tests show it). So
// the writer reopens the log, and the disk becomes the only truth: a batch whose write was
// reported failed but whose WAL record is whole is recovered as part of the log (its callers
// were told to retry, and their idempotency keys now answer them); otherwise it never happened.
// While the disk stays full (a probe write fails) the failed instance stays open for reads.
Status RocksEventLog::Reopen() {
  // Probe first: the failed instance still serves reads, so keep it while the disk is full.
  rocksdb::Env* env = options_.env != nullptr ? options_.env : rocksdb::Env::Default();
  if (rocksdb::Status probe = ProbeSpace(env, path_); !probe.ok()) {
    return FromRocks(probe, "write to the log folder");
  }
  std::unique_lock lock(db_mu_);
  CloseDb();
  stream_versions_.Clear();
  rocksdb::DBOptions db_options = DbOptions(options_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path_, Families(options_.memory.block_cache),
                                        &handles, &raw);
  if (!s.ok()) return FromRocks(s, "reopen event log");
  Adopt(raw, handles);
  if (Status st = Recover(); !st.ok()) {
    CloseDb();
    return st;
  }
  last_write_failed_ = false;
  return Status::Ok();
}

DbMemory RocksEventLog::Memory() const {
  std::shared_lock lock(db_mu_);
  return MemoryOf(db_.get());
}

Status RocksEventLog::FlushMemtables() {
  std::shared_lock lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the event log is being reopened");
  rocksdb::FlushOptions options;
  options.wait = true;
  return FromRocks(db_->Flush(options, {events_cf_, streams_cf_, idempotency_cf_, meta_cf_,
                                        snapshots_cf_}),
                   "flush the log's memtables");
}

Result<uint64_t> RocksEventLog::Backup(const std::string& dir, const std::string& scratch_dir) {
  {
    std::shared_lock db_lock(db_mu_);
    if (!db_ || follower_) {
      return Status::Unavailable("storage_unavailable", "the event log cannot be copied now");
    }
    {
      // After a failed write RocksDB refuses its own writes (and a flush) until the log is
      // reopened; the copy would fail the same way, later. (The checkpoint syncs no WAL: its
      // FlushWAL(false) does nothing without manual WAL flushes, so the hazard of a sync after a
      // failed append, under "Storage faults" in docs/architecture.md, does not arise.)
      std::lock_guard lock(mu_);
      if (sync_failed_) {
        return Status::Unavailable("storage_unavailable", "the log's last write failed");
      }
    }
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    if (s.ok()) s = checkpoint->CreateCheckpoint(dir);
    if (!s.ok()) return FromRocks(s, "copy the event log");
  }
  Result<std::unique_ptr<RocksEventLog>> copy = OpenFollower(dir, scratch_dir);
  if (!copy.ok()) return copy.status();
  return (*copy)->Head();
}

// Takes ownership of an opened database and its handles, in the order of Families().
void RocksEventLog::Adopt(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& h) {
  db_.reset(db);
  events_cf_ = h[1];
  streams_cf_ = h[2];
  idempotency_cf_ = h[3];
  meta_cf_ = h[4];
  snapshots_cf_ = h[5];
  db_->DestroyColumnFamilyHandle(h[0]);  // the default family is not used
}

// Loads the head record and checks it against the last stored event.
Status RocksEventLog::Recover() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_cf_, kHeadKey, &value);
  uint64_t head = 0;
  if (s.ok()) {
    if (value.size() != 8 + 32) return Status::Corruption("head record has the wrong size");
    head = GetFixed64BE(value.data());
    std::memcpy(head_hash_.data(), value.data() + 8, 32);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read head");
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_cf_));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "seek last event");
  const uint64_t last = it->Valid() ? GetFixed64BE(it->key().data()) : 0;
  if (last != head) {
    return Status::Corruption("head record says " + std::to_string(head) +
                              " but the last event is " + std::to_string(last));
  }
  head_.store(head, std::memory_order_release);
  decided_head_ = head;
  decided_hash_ = head_hash_;
  return Status::Ok();
}

void RocksEventLog::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();  // it waits for the last group and stops the syncer
  if (syncer_.joinable()) syncer_.join();
  if (db_ && !follower_ && !last_write_failed_ && !sync_failed_ && !flight_lost_) {
    db_->FlushWAL(/*sync=*/true);
  }
}

namespace {

// Hands out `bytes` in pieces of kSnapshotPieceBytes.
SnapshotSource PiecesOf(std::string_view bytes) {
  return [bytes](std::string* piece) mutable {
    const size_t n = std::min(bytes.size(), kSnapshotPieceBytes);
    piece->assign(bytes.data(), n);
    bytes.remove_prefix(n);
    return Status::Ok();
  };
}

}  // namespace

Status RocksEventLog::WriteSnapshot(std::string_view bytes) {
  return WriteSnapshot(PiecesOf(bytes));
}

Status RocksEventLog::WriteSnapshot(const SnapshotSource& source) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_) return Status::Internal("a snapshot is written only after Close");
  }
  std::shared_lock db_lock(db_mu_);
  if (!db_ || follower_ || last_write_failed_) {
    return Status::Unavailable("storage_unavailable", "the event log cannot take a snapshot");
  }
  const uint64_t head = Head();
  if (head == 0) return Status::Ok();  // nothing to spare a replay of
  return PutSnapshot(head, HashView(head_hash_), source);
}

Status RocksEventLog::WriteSnapshotAt(uint64_t position, std::string_view bytes) {
  return WriteSnapshotAt(position, PiecesOf(bytes));
}

Status RocksEventLog::WriteSnapshotAt(uint64_t position, const SnapshotSource& source) {
  std::shared_lock db_lock(db_mu_);
  if (!db_ || follower_) {
    return Status::Unavailable("storage_unavailable", "the event log cannot take a snapshot");
  }
  if (position == 0 || position > Head()) {
    return Status::InvalidArgument("validation_failed", "a snapshot is of a written position");
  }
  std::string envelope;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), events_cf_, PositionKey(position), &envelope);
  if (!s.ok()) return FromRocks(s, "read the snapshot's event");
  return PutSnapshot(position, HashView(events::Sha256(envelope)), source);
}

// The snapshot goes in as a table file ingested into its family, not through the memtable: a
// put of a gigabyte there held every group commit behind it (~0.5 s at 21M events), while an
// ingestion holds the writes only to record the file (and syncs it). In pieces of 4 MiB: the
// table writer copies each value into its block, and one value of a gigabyte (the first layout)
// cost the server that much again for the seconds of the write. The older snapshots go after
// it, in a small write flushed at once; a crash between the two leaves one more snapshot, never
// none.
Status RocksEventLog::PutSnapshot(uint64_t position, std::string_view event_hash,
                                  const SnapshotSource& source) {
  // One name: what a crash left halfway is replaced by the next snapshot, not kept beside it.
  const std::string file = path_ + "/snapshot-ingest.sst";
  rocksdb::Options cf_options = db_->GetOptions(snapshots_cf_);
  // The family's compression (LZ4, see Families): at 21M events a snapshot of 857 MB is stored
  // in 258 MB, written in about the same time (less to write, the snapshot thread's CPU to
  // compress), and read back at start-up ~0.1 s slower from the page cache and faster from the
  // disk (docs/benchmarks.md). Each piece is one block, compressed and read back whole.
  cf_options.env->DeleteFile(file);
  Status result = Status::Ok();
  rocksdb::Status s;
  {
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(cf_options), cf_options, snapshots_cf_);
    s = writer.Open(file);
    uint64_t total = 0;
    uint32_t pieces = 0;
    std::string piece;
    while (s.ok()) {
      piece.clear();
      if (result = source(&piece); !result.ok()) break;
      if (piece.empty()) break;
      if (pieces == kSnapshotTrailer - 1) {
        result = Status::InvalidArgument("validation_failed", "a snapshot has too many pieces");
        break;
      }
      s = writer.Put(SnapshotKey(position, pieces), piece);
      total += piece.size();
      ++pieces;
    }
    if (s.ok() && result.ok()) {
      std::string trailer(event_hash);
      PutFixed64BE(&trailer, total);
      PutFixed32BE(&trailer, pieces);
      s = writer.Put(SnapshotKey(position, kSnapshotTrailer), trailer);
      if (s.ok()) s = writer.Finish();
    }
  }
  if (s.ok() && result.ok()) {
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;
    s = db_->IngestExternalFile(snapshots_cf_, {file}, ingest);
  }
  cf_options.env->DeleteFile(file);  // left over only on failure (moved in otherwise)
  if (!result.ok()) return result;
  if (!s.ok()) return FromRocks(s, "write snapshot");
  // Everything before piece 0 of this one: the earlier snapshots, and one of this position
  // stored whole by an earlier build.
  const std::string older_end = SnapshotKey(position, 0);
  rocksdb::WriteBatch older;
  older.DeleteRange(snapshots_cf_, PositionKey(0), older_end);
  rocksdb::WriteOptions options;
  options.disableWAL = true;
  if (s = db_->Write(options, &older); !s.ok()) return FromRocks(s, "drop older snapshots");
  rocksdb::FlushOptions flush;  // waits; never forces a write stall to flush sooner
  if (s = db_->Flush(flush, snapshots_cf_); !s.ok()) return FromRocks(s, "flush snapshot");
  // The older snapshots' files go at once (those below L0; RocksDB leaves L0's to compaction).
  // Left to compaction under the range deletion, they were still read by the search for the
  // latest snapshot, which loads the block of each older one it passes to skip it: a gigabyte,
  // decompressed, at every start while they lay there (seen: +1.5 s at 21M events).
  // The snapshot is written whatever this gives: a failure leaves the files to compaction.
  const rocksdb::Slice end_slice(older_end);
  rocksdb::DeleteFilesInRange(db_.get(), snapshots_cf_, nullptr, &end_slice,
                              /*include_end=*/false)
      .PermitUncheckedError();
  return Status::Ok();
}

Result<bool> RocksEventLog::LatestSnapshot(uint64_t* position, std::string* bytes) {
  if (!bytes) return ReadLatestSnapshot(position, nullptr);
  return ReadLatestSnapshot(position, [bytes](std::string_view b) {
    bytes->assign(b);
    return Status::Ok();
  });
}

Result<bool> RocksEventLog::ReadLatestSnapshot(
    uint64_t* position, const std::function<Status(std::string_view bytes)>& read) {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the event log is being reopened");
  const uint64_t head = Head();
  rocksdb::ReadOptions options;
  options.fill_cache = false;  // a gigabyte read once would only push out what queries read
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, snapshots_cf_));
  it->SeekForPrev(SnapshotKey(head, kSnapshotTrailer));
  if (!it->status().ok()) return FromRocks(it->status(), "read snapshot");
  if (!it->Valid() || it->key().size() < 8) return false;
  const uint64_t at = GetFixed64BE(it->key().data());
  const bool whole = it->key().size() == 8;  // stored by an earlier build
  if (!whole && (it->key() != SnapshotKey(at, kSnapshotTrailer) ||
                 it->value().size() != kSnapshotTrailerBytes)) {
    return false;  // not a layout this build knows
  }
  if (whole && it->value().size() < 32) return false;
  std::string envelope;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_cf_, PositionKey(at), &envelope);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "read snapshot's event");
  if (HashView(events::Sha256(envelope)) != it->value().ToStringView().substr(0, 32)) {
    return false;  // taken from another log (a restored copy, say): not ours to trust
  }
  if (!read) {  // the position alone: the pieces are not read
    *position = at;
    return true;
  }
  if (whole) {
    *position = at;
    if (Status r = read(it->value().ToStringView().substr(32)); !r.ok()) return r;
    return true;
  }
  const uint64_t total = GetFixed64BE(it->value().data() + 32);
  const uint32_t pieces = GetFixed32BE(it->value().data() + 40);
  std::string bytes;
  bytes.reserve(total);
  uint32_t piece = 0;
  for (it->Seek(SnapshotKey(at, 0)); it->Valid() && piece < pieces; it->Next(), ++piece) {
    if (it->key() != SnapshotKey(at, piece) || bytes.size() + it->value().size() > total) break;
    bytes.append(it->value().data(), it->value().size());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read snapshot");
  if (piece != pieces || bytes.size() != total) {
    return Status::Corruption("snapshot at " + std::to_string(at) + " lacks pieces");
  }
  it.reset();
  *position = at;
  if (Status r = read(bytes); !r.ok()) return r;
  return true;
}

void RocksEventLog::Submit(CommandMeta meta, DecideFn decide, DoneFn done) {
  if (meta.idempotency_key.size() > kIdempotencyKeyBytesMax) {
    done(Status::InvalidArgument("validation_failed", "idempotency keys are at most 256 bytes"));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || follower_) {
      done(Status::Unavailable("shutting_down", "the event log does not accept commands"));
      return;
    }
    if (queue_.size() >= options_.queue_commands_max) {
      done(Status::Unavailable("overloaded", "the write queue is full"));
      return;
    }
    queue_.push_back(Job{std::move(meta), std::move(decide), std::move(done)});
  }
  cv_.notify_one();
}

size_t RocksEventLog::QueueLength() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void RocksEventLog::SetCommitListener(std::function<void(uint64_t)> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  commit_listener_ = std::move(listener);
}

void RocksEventLog::WriterLoop() {
  std::vector<Job> jobs;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and everything queued has been decided
      while (!queue_.empty() && jobs.size() < options_.group_commit_commands_max) {
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    ProcessGroup(jobs);
    jobs.clear();
  }
  Settle();  // the last group's callers are answered by the syncer
  {
    std::lock_guard<std::mutex> lock(mu_);
    syncer_stop_ = true;
  }
  syncer_cv_.notify_one();
}

// The syncer: writes each group the writer hands it (synced), makes it the durable head,
// answers the group's callers, and then lets the writer know (it may hand the next one). A
// failed write answers them Unavailable before the writer learns of it, so that their callbacks
// (which mark a tenant's write model stale) have run before anything is decided again.
void RocksEventLog::SyncerLoop() {
  for (;;) {
    std::unique_ptr<Group> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      syncer_cv_.wait(lock, [this] { return syncer_stop_ || to_write_ != nullptr; });
      if (!to_write_) return;
      group = std::move(to_write_);
    }
    const bool written = WriteGroup(*group);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!written) sync_failed_ = true;
      ++settled_;
    }
    cv_.notify_all();
  }
}

// Writes a group (synced) and answers its callers: with their results after the write made it
// the durable head, or Unavailable if it failed. Either thread, one group at a time.
bool RocksEventLog::WriteGroup(Group& group) {
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  rocksdb::Status s = db_->Write(write_options, &group.batch);
  if (!s.ok()) {
    stats_.write_failures.fetch_add(1, std::memory_order_relaxed);
    const Status failure = Status::Unavailable("storage_unavailable",
                                               "the event log could not write: " + s.ToString());
    for (Group::Pending& p : group.pending) Answer(p.done, failure);
    return false;
  }
  head_hash_ = group.last_hash;
  head_.store(group.last_position, std::memory_order_release);
  stats_.events_appended.fetch_add(group.last_position + 1 - group.first_position,
                                   std::memory_order_relaxed);
  const size_t commands = group.pending.size();
  stats_.batches.fetch_add(1, std::memory_order_relaxed);
  stats_.batch_commands[BatchBucket(commands)].fetch_add(1, std::memory_order_relaxed);
  stats_.batch_commands_sum.fetch_add(commands, std::memory_order_relaxed);
  stats_.commands_committed.fetch_add(commands, std::memory_order_relaxed);
  // Answered before the writer may hand the next group: the callers' next commands (each HTTP
  // connection sends one at a time) then join that group instead of waiting a turn.
  for (Group::Pending& p : group.pending) Answer(p.done, std::move(p.result));
  NotifyCommitted(group.last_position);
  return true;
}

Status RocksEventLog::Settle() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return settled_ == handed_; });
    TakeSyncFailure();
  }
  if (flight_lost_) {
    return Status::Unavailable("storage_unavailable",
                               "the event log could not write the commands before this one");
  }
  return Status::Ok();
}

void RocksEventLog::TakeSyncFailure() {
  if (!sync_failed_) return;
  sync_failed_ = false;
  flight_lost_ = true;
}

void RocksEventLog::ForgetFlight() {
  flight_lost_ = false;
  last_write_failed_ = true;
  stream_versions_.Clear();
  flying_keys_.clear();
  decided_head_ = head_.load(std::memory_order_acquire);
  decided_hash_ = head_hash_;
}

Result<uint64_t> RocksEventLog::ReadStreamVersion(std::string_view stream, bool exists) {
  // A stream exists if and only if its version 1 does (keys are never deleted): a point lookup,
  // answered by bloom filters for a new stream, spares the iterator.
  if (!exists) {
    std::string first;
    rocksdb::Status got =
        db_->Get(rocksdb::ReadOptions(), streams_cf_, StreamKey(stream, 1), &first);
    if (got.IsNotFound()) return uint64_t{0};
    if (!got.ok()) return FromRocks(got, "read stream version");
  }
  // The stream's last entry is the greatest key below stream '\0' 0xff..ff.
  std::string prefix(stream);
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_cf_));
  it->SeekForPrev(StreamKey(stream, ~uint64_t{0}));
  if (!it->status().ok()) return FromRocks(it->status(), "read stream version");
  uint64_t version = 0;
  if (it->Valid() && it->key().starts_with(prefix) && it->key().size() == prefix.size() + 8) {
    version = GetFixed64BE(it->key().data() + prefix.size());
  }
  return version;
}

namespace {

std::string EncodeKeyRecord(const events::Hash& fingerprint, const CommitResult& result) {
  std::string v(HashView(fingerprint));
  PutFixed64BE(&v, result.first_position);
  PutFixed64BE(&v, result.last_position);
  PutFixed64BE(&v, result.event_count);
  v.append(result.result);
  return v;
}

Status DecodeKeyRecord(std::string_view v, events::Hash* fingerprint, CommitResult* result) {
  if (v.size() < 32 + 24) return Status::Corruption("idempotency record too short");
  std::memcpy(fingerprint->data(), v.data(), 32);
  result->first_position = GetFixed64BE(v.data() + 32);
  result->last_position = GetFixed64BE(v.data() + 40);
  result->event_count = GetFixed64BE(v.data() + 48);
  result->result.assign(v.data() + 56, v.size() - 56);
  return Status::Ok();
}

}  // namespace

// A group being decided: its batch and callers, the idempotency keys it uses first, and where
// its next event goes.
struct RocksEventLog::Building {
  std::unique_ptr<Group> group = std::make_unique<Group>();
  std::unordered_map<std::string, KeyRecord> keys;  // keys first used in this group
  uint64_t first_position = 0;
  uint64_t next = 0;
  events::Hash prev{};
  TimestampMicros now = 0;
};

// One group: decide every job in order on top of what is decided already (the group in flight
// counted) and put all their events into one WriteBatch. While the group before it is being
// written, the commands queued meanwhile join this one (up to the group limit): the disk's
// time is what gathers a group. Once the one before is durable, the group goes to the syncer.
// If it failed instead, this one is answered Unavailable and dropped unwritten.
void RocksEventLog::ProcessGroup(std::vector<Job>& jobs) {
  // A failure already known (the syncer is idle then): start over from the disk.
  {
    std::lock_guard<std::mutex> lock(mu_);
    TakeSyncFailure();
  }
  if (flight_lost_) ForgetFlight();
  if (last_write_failed_) {
    const uint64_t before = head_.load(std::memory_order_relaxed);
    if (Status s = Reopen(); !s.ok()) {
      stats_.write_failures.fetch_add(1, std::memory_order_relaxed);
      const Status failure = Status::Unavailable("storage_unavailable", s.message());
      for (Job& job : jobs) Answer(job.done, failure);
      return;
    }
    if (head_.load(std::memory_order_relaxed) != before) NotifyCommitted(head_.load());
  }
  // The cache of stream versions is only a cache: drop it between groups (never inside one,
  // nor with a group in flight, where it holds versions not yet on the disk) when it has grown
  // past its bound.
  if (stream_versions_.size() > options_.stream_cache_max) {
    if (Settle().ok()) {
      stream_versions_.Clear();
    } else {
      ForgetFlight();  // this group then finds the database failed at the next start
      for (Job& job : jobs) {
        Answer(job.done, Status::Unavailable("storage_unavailable",
                                             "the event log could not write"));
      }
      return;
    }
  }
  if (!encoder_) encoder_ = std::make_unique<events::EnvelopeEncoder>();
  Building b;
  b.first_position = b.next = decided_head_ + 1;
  b.prev = decided_hash_;
  b.now = options_.clock();
  size_t taken = jobs.size();
  const auto decide_start = std::chrono::steady_clock::now();
  for (Job& job : jobs) Decide(job, b);
  const auto decide_time = std::chrono::steady_clock::now() - decide_start;

  // Only once the group before it is durable may this one go (it was decided on top of it);
  // until then, what is queued joins it.
  bool flight_ok = true;
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    if (settled_ == handed_) {
      TakeSyncFailure();
      flight_ok = !flight_lost_;
      break;
    }
    if (queue_.empty() || taken >= options_.group_commit_commands_max) {
      cv_.wait(lock);
      continue;
    }
    jobs.clear();
    while (!queue_.empty() && taken < options_.group_commit_commands_max) {
      jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
      ++taken;
    }
    lock.unlock();
    for (Job& job : jobs) Decide(job, b);
  }
  std::unique_ptr<Group> group = std::move(b.group);
  if (!flight_ok) {
    ForgetFlight();
    const Status failure = Status::Unavailable(
        "storage_unavailable", "the event log could not write the commands before these");
    for (Group::Pending& p : group->pending) Answer(p.done, failure);
    return;
  }
  flying_keys_.clear();
  rocksdb::WriteBatch& batch = group->batch;
  if (batch.Count() == 0) {  // nothing to write: only retries, answered now their group is in
    stats_.commands_committed.fetch_add(group->pending.size(), std::memory_order_relaxed);
    for (Group::Pending& p : group->pending) Answer(p.done, std::move(p.result));
    return;
  }
  std::string head;
  PutFixed64BE(&head, b.next - 1);
  head.append(HashView(b.prev));
  batch.Put(meta_cf_, kHeadKey, head);
  group->first_position = b.first_position;
  group->last_position = b.next - 1;
  group->last_hash = b.prev;
  decided_head_ = b.next - 1;
  decided_hash_ = b.prev;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // The writer writes the group itself (and spares the two thread wake-ups of a hand-off)
    // unless deciding took long enough that the next group's deciding will too (a few one-event
    // commands decide in microseconds). Whether anything is queued yet does not matter: what
    // arrives during the write (a caller answered by the group before sends its next command
    // then) is decided meanwhile instead of after it (measured in docs/benchmarks.md).
    if (options_.pipeline &&
        decide_time >= std::chrono::microseconds(options_.pipeline_decide_us_min)) {
      flying_keys_ = std::move(b.keys);
      to_write_ = std::move(group);
      ++handed_;
      stats_.groups_handed.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (!group) {
    syncer_cv_.notify_one();
    return;
  }
  if (!WriteGroup(*group)) ForgetFlight();
}

// Decides one job into the group being built: a retry of a known key is answered (now if its
// key is on the disk, with the group if it was first used by this group or the one in flight);
// a refused command is answered at once and writes nothing.
void RocksEventLog::Decide(Job& job, Building& b) {
  Group& group = *b.group;
  const CommandMeta& meta = job.meta;
  if (!meta.idempotency_key.empty()) {
    KeyRecord seen;
    bool found = false, deferred = false;
    if (auto it = b.keys.find(meta.idempotency_key); it != b.keys.end()) {
      seen = it->second;
      found = deferred = true;
    } else if (auto f = flying_keys_.find(meta.idempotency_key); f != flying_keys_.end()) {
      seen = f->second;
      found = deferred = true;
    } else {
      std::string stored;
      rocksdb::Status s =
          db_->Get(rocksdb::ReadOptions(), idempotency_cf_, meta.idempotency_key, &stored);
      if (!s.ok() && !s.IsNotFound()) {
        Answer(job.done, FromRocks(s, "read idempotency key"));
        return;
      }
      if (s.ok()) {
        if (Status st = DecodeKeyRecord(stored, &seen.fingerprint, &seen.result); !st.ok()) {
          Answer(job.done, st);
          return;
        }
        found = true;
      }
    }
    if (found) {
      if (seen.fingerprint != meta.fingerprint) {
        stats_.commands_rejected.fetch_add(1, std::memory_order_relaxed);
        Answer(job.done, Status::Aborted("idempotency_key_reused",
                                         "this Idempotency-Key was used for a different command"));
        return;
      }
      stats_.commands_replayed.fetch_add(1, std::memory_order_relaxed);
      seen.result.replayed = true;
      if (deferred) {
        group.pending.push_back({std::move(job.done), std::move(seen.result)});
      } else {
        Answer(job.done, std::move(seen.result));
      }
      return;
    }
  }

  Context ctx(this, b.now, b.next);
  // A decide that throws (a defect, or memory running out) fails its own command only: its
  // appends stay in its context and are dropped; the writer thread lives on.
  Status decided;
  try {
    decided = job.decide(ctx);
  } catch (const std::exception& e) {
    decided = Status::Internal(std::string("the command failed: ") + e.what());
  }
  decided = ctx.Finish(std::move(decided));
  if (!decided.ok()) {
    stats_.commands_rejected.fetch_add(1, std::memory_order_relaxed);
    Answer(job.done, std::move(decided));
    return;
  }
  CommitResult result;
  result.event_count = ctx.event_count();
  result.first_position = result.event_count > 0 ? b.next : 0;
  events::EnvelopeEncoder& encoder = *encoder_;
  for (size_t i = 0; i < ctx.appends().size(); ++i) {
    StreamAppend& append = ctx.appends()[i];
    uint64_t version = ctx.VersionBefore(i);
    for (EventDraft& draft : append.events) {
      events::EnvelopeMeta m;
      m.tenant = options_.tenant;
      m.position = b.next;
      m.stream = append.stream;
      m.version = ++version;
      m.recorded_at = b.now;
      m.effective_date = draft.effective_date;
      m.actor = meta.actor;
      m.command_id = meta.command_id;
      m.causation = draft.causation;
      m.prev_hash = b.prev;
      std::string_view bytes = encoder.Encode(m, draft.event);
      const std::string pos_key = PositionKey(b.next);
      group.batch.Put(events_cf_, pos_key, rocksdb::Slice(bytes.data(), bytes.size()));
      group.batch.Put(streams_cf_, StreamKey(append.stream, m.version), pos_key);
      b.prev = events::Sha256(bytes);
      ++b.next;
    }
  }
  result.last_position = b.next - 1;
  result.result = std::move(ctx.result());
  if (!meta.idempotency_key.empty()) {
    KeyRecord record{meta.fingerprint, result};
    group.batch.Put(idempotency_cf_, meta.idempotency_key,
                    EncodeKeyRecord(record.fingerprint, result));
    b.keys.emplace(meta.idempotency_key, std::move(record));
  }
  group.pending.push_back({std::move(job.done), std::move(result)});
}

void RocksEventLog::NotifyCommitted(uint64_t head) {
  std::function<void(uint64_t)> listener;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listener = commit_listener_;
  }
  if (listener) listener(head);
}

Status RocksEventLog::ReadAfter(uint64_t after, size_t max_events,
                               std::vector<events::RecordedEvent>* out) {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the event log is being reopened");
  const uint64_t head = Head();
  if (after >= head || max_events == 0) return Status::Ok();
  max_events = std::min(max_events, options_.read_batch_events_max);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_cf_));
  uint64_t expect = after + 1;
  for (it->Seek(PositionKey(expect)); it->Valid() && max_events > 0 && expect <= head;
       it->Next(), ++expect, --max_events) {
    const uint64_t position = GetFixed64BE(it->key().data());
    // Positions are gapless (asserted on both sides of storage): a gap here is corruption.
    if (it->key().size() != 8 || position != expect) {
      return Status::Corruption("event log has a gap before position " + std::to_string(expect));
    }
    out->push_back({position, it->value().ToString()});
  }
  return FromRocks(it->status(), "read events");
}

Status RocksEventLog::ReadStream(std::string_view stream, uint64_t from_version,
                                 size_t max_events, std::vector<events::RecordedEvent>* out) {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the event log is being reopened");
  if (Status s = ValidateStream(stream); !s.ok()) return s;
  max_events = std::min(max_events, options_.read_batch_events_max);
  std::string prefix(stream);
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_cf_));
  const uint64_t head = Head();
  for (it->Seek(StreamKey(stream, std::max<uint64_t>(from_version, 1)));
       it->Valid() && it->key().starts_with(prefix) && max_events > 0; it->Next()) {
    if (it->value().size() != 8) return Status::Corruption("stream index entry has a bad size");
    const uint64_t position = GetFixed64BE(it->value().data());
    if (position > head) break;
    std::string bytes;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), events_cf_, PositionKey(position), &bytes);
    if (s.IsNotFound()) {
      return Status::Corruption("stream index points at missing position " +
                                std::to_string(position));
    }
    if (!s.ok()) return FromRocks(s, "read event");
    out->push_back({position, std::move(bytes)});
    --max_events;
  }
  return FromRocks(it->status(), "read stream");
}

Status RocksEventLog::VerifyChain(ChainReport* report) {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return Status::Unavailable("storage_unavailable", "the event log is being reopened");
  auto problem = [report](std::string text) {
    if (report->problems.size() < 100) report->problems.push_back(std::move(text));
  };
  // Pass 1: the envelopes in position order.
  std::unordered_map<std::string, uint64_t> stream_last;  // stream -> last version seen
  events::Hash prev{};
  uint64_t expect = 1;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expect) {
    // Copied: a value inside a RocksDB block has no alignment, and FlatBuffers needs 4 bytes.
    const std::string bytes = it->value().ToString();
    const uint64_t position = it->key().size() == 8 ? GetFixed64BE(it->key().data()) : 0;
    if (position != expect) {
      problem("position gap: expected " + std::to_string(expect) + ", found " +
              std::to_string(position));
      expect = position;
    }
    events::Envelope env;
    if (Status s = events::DecodeEnvelope(bytes, &env); !s.ok()) {
      problem("position " + std::to_string(position) + ": " + s.message());
      prev = events::Sha256(bytes);
      continue;
    }
    if (env.meta.position != position) {
      problem("position " + std::to_string(position) + ": envelope says position " +
              std::to_string(env.meta.position));
    }
    if (env.meta.prev_hash != prev) {
      problem("position " + std::to_string(position) +
              ": prev_hash does not match the previous event (hash chain broken)");
    }
    uint64_t& last = stream_last[env.meta.stream];
    if (env.meta.version != last + 1) {
      problem("position " + std::to_string(position) + ": stream " + env.meta.stream +
              " version " + std::to_string(env.meta.version) + " follows " +
              std::to_string(last));
    }
    last = env.meta.version;
    // The stream index must point back at this position.
    std::string indexed;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), streams_cf_,
                                 StreamKey(env.meta.stream, env.meta.version), &indexed);
    if (!s.ok() || indexed.size() != 8 || GetFixed64BE(indexed.data()) != position) {
      problem("position " + std::to_string(position) + ": stream index entry missing or wrong");
    }
    prev = events::Sha256(bytes);
    ++report->events;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan events");
  report->streams = stream_last.size();
  // The head record closes the chain: it holds the hash of the last envelope.
  std::string head;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_cf_, kHeadKey, &head);
  const uint64_t last_position = expect - 1;
  if (s.IsNotFound()) {
    if (last_position != 0) problem("head record missing");
  } else if (!s.ok() || head.size() != 40) {
    problem("head record unreadable");
  } else {
    report->head = GetFixed64BE(head.data());
    if (report->head != last_position) {
      problem("head record says " + std::to_string(report->head) + ", last event is " +
              std::to_string(last_position));
    }
    if (std::memcmp(head.data() + 8, prev.data(), 32) != 0) {
      problem("head hash does not match the last event (hash chain broken)");
    }
  }
  // Pass 2: every stream index entry must be one of the envelopes seen above.
  std::unique_ptr<rocksdb::Iterator> sit(db_->NewIterator(rocksdb::ReadOptions(), streams_cf_));
  uint64_t index_entries = 0;
  for (sit->SeekToFirst(); sit->Valid(); sit->Next()) ++index_entries;
  if (!sit->status().ok()) return FromRocks(sit->status(), "scan stream index");
  if (index_entries != report->events) {
    problem("stream index has " + std::to_string(index_entries) + " entries for " +
            std::to_string(report->events) + " events");
  }
  return Status::Ok();
}

}  // namespace kaiin::ledger
