#include "http/tenant_registry.h"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <filesystem>
#include <unordered_set>

#include "commands/model_codec.h"
#include "events/codec.h"
#include "ledger/data_layout.h"
#include "ledger/rocks_logger.h"
#include "http/timezones.h"
#include "projections/registry.h"

namespace kaiin::http {

namespace {

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A child process encoding the write model, and the pipe its bytes come through.
struct EncodingChild {
  pid_t pid = -1;
  int fd = -1;  // the read end
};

// Forks a child that encodes `model` and writes the bytes into a pipe (ChildBytes reads them).
// Call on the writer, or once it has stopped: the child is a copy-on-write image of the process
// at this moment, with this thread alone, so the model it encodes is the one the writer holds
// now, while the writer goes on at once. The child
// touches nothing else: it closes every other descriptor (the stores, the sockets) first, never
// logs, runs at the lowest priority, and is killed if the thread that forked it ends. pid -1:
// the fork failed.
EncodingChild ForkEncoder(const commands::TenantModel& model) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {};
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return {};
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(2);  // the parent is already gone
    const int out = fds[1];
    if (out > 3) close_range(3, out - 1, 0);
    close_range(out + 1, ~0U, 0);
    // The server's own threads come first: the encoding takes what CPU they leave.
    setpriority(PRIO_PROCESS, 0, 19);
    auto write_all = [out](const char* p, size_t size) {
      while (size > 0) {
        const ssize_t n = write(out, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
      }
      return true;
    };
    // Each piece with its size before it, then a size of 0: the child holds one piece, not the
    // whole encoding.
    int status = 1;
    try {
      const bool sent = commands::EncodeModelInPieces(
          model, ledger::kSnapshotPieceBytes, [&write_all](std::string_view piece) {
            const uint64_t size = piece.size();
            return write_all(reinterpret_cast<const char*>(&size), sizeof(size)) &&
                   write_all(piece.data(), piece.size());
          });
      const uint64_t end = 0;
      if (sent && write_all(reinterpret_cast<const char*>(&end), sizeof(end))) status = 0;
    } catch (...) {
    }
    _exit(status);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

// The child's bytes as a snapshot source (ledger::SnapshotSource): its pieces, read from the
// pipe as the log writes them, so that the server never holds the whole encoding. At the end (a
// size of 0, answered with an empty piece) the pipe must be at its end and the child must have
// exited 0; otherwise the source fails and the log abandons the snapshot. The child is reaped at
// the end, or when this is destroyed (a child still writing gets EPIPE and fails).
class ChildBytes {
 public:
  explicit ChildBytes(EncodingChild child) : child_(child) {}
  ~ChildBytes() { Reap(); }
  ChildBytes(const ChildBytes&) = delete;
  ChildBytes& operator=(const ChildBytes&) = delete;

  Status Next(std::string* piece) {
    // A piece runs past ledger::kSnapshotPieceBytes by at most one entry of the model (a
    // batch's list of a million invoices is some tens of MB); a size beyond this is not the
    // child's.
    constexpr uint64_t kPieceBytesMax = uint64_t{1} << 30;
    const Status failed = Status::Internal("the encoding process failed");
    piece->clear();
    if (child_.pid < 0) return failed;
    uint64_t size = 0;
    if (ReadSome(reinterpret_cast<char*>(&size), sizeof(size)) != sizeof(size) ||
        size > kPieceBytesMax) {
      Reap();
      return failed;
    }
    if (size == 0) {  // the end: after at least one piece (an encoding is never empty)
      char extra;
      const bool ended = ReadSome(&extra, 1) == 0;
      return Reap() && ended && size_ > 0 ? Status::Ok() : failed;
    }
    piece->resize(size);
    if (ReadSome(piece->data(), size) != size) {
      Reap();
      return failed;
    }
    size_ += size;
    return Status::Ok();
  }

  // This as the log's source of the snapshot's bytes (used while this lives).
  ledger::SnapshotSource AsSource() {
    return [this](std::string* piece) { return Next(piece); };
  }

  uint64_t size() const { return size_; }

 private:
  // Reads up to `size` bytes into p; how many came before the end of the pipe.
  size_t ReadSome(char* p, size_t size) {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = read(child_.fd, p + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  // Closes the pipe and waits for the child (once); whether it exited 0.
  bool Reap() {
    if (child_.pid < 0) return exited_ok_;
    close(child_.fd);
    int status = 0;
    while (waitpid(child_.pid, &status, 0) < 0 && errno == EINTR) {
    }
    child_ = {};
    exited_ok_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return exited_ok_;
  }

  EncodingChild child_;
  bool exited_ok_ = false;
  uint64_t size_ = 0;  // of the pieces read so far
};

}  // namespace

Result<std::unique_ptr<Tenant>> Tenant::Open(const std::string& data_dir, const std::string& id,
                                             const TenantOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(ledger::TenantDir(data_dir, id), ec);
  if (ec) return Status::Unavailable("io_error", "cannot create the tenant folder");
  std::unique_ptr<Tenant> t(new Tenant());
  t->id_ = id;
  ledger::LogOptions log_options;
  log_options.tenant = id;
  log_options.sync = options.sync;
  log_options.group_commit_commands_max = options.group_commit_commands_max;
  log_options.command_events_max = options.command_events_max;
  if (options.faults) log_options.env = options.faults->env();
  log_options.info_log = ledger::StderrRocksLogger(id + "/log");
  log_options.memory = options.memory;
  auto log = ledger::RocksEventLog::Open(ledger::TenantLogPath(data_dir, id), log_options);
  if (!log.ok()) return log.status();
  t->log_ = std::move(log).value();

  auto all = projections::MakeAllProjections();
  std::vector<projections::Projection*> raw;
  for (auto& p : all) raw.push_back(p.get());
  projections::StoreOptions store_options;
  if (options.faults) store_options.env = options.faults->env();
  store_options.info_log = ledger::StderrRocksLogger(id + "/projections");
  store_options.block_cache = options.memory.block_cache;
  auto store =
      projections::ProjectionStore::Open(ledger::TenantProjectionsPath(data_dir, id), raw, store_options);
  if (!store.ok()) return store.status();
  t->store_ = std::move(store).value();
  projections::RuntimeOptions runtime_options;
  runtime_options.batch_events_max = options.projection_batch_events_max;
  runtime_options.bulk_events_min = options.projection_bulk_events_min;
  runtime_options.gather_delay = options.projection_gather_delay;
  runtime_options.thread_nice = options.projector_nice;
  t->runtime_ = std::make_unique<projections::ProjectionRuntime>(
      t->store_.get(), t->log_.get(), std::move(all), runtime_options);
  if (Status s = t->runtime_->Init(); !s.ok()) return s;
  if (Status s = t->LoadWriteModel(); !s.ok()) return s;
  const uint64_t head = t->log_->Head();
  if (t->snapshot_position_ > 0) {
    spdlog::info("tenant {}: write model from the snapshot at {} (read in {:.0f} ms, decoded in "
                 "{:.0f} ms) and the {} events after it",
                 id, t->snapshot_position_, t->snapshot_read_ms_, t->snapshot_decode_ms_,
                 head - t->snapshot_position_);
  } else {
    spdlog::info("tenant {}: write model replayed from {} events", id, head);
  }
  // A projection starting from nothing (a new store, or its schema changed with the code) is
  // built from the whole log in the background; meanwhile queries that read it answer 503
  // projection_rebuilding when it is built in bulk (ProjectionStore::SetBuilding), and queries
  // with min_position wait for it.
  std::string from_nothing;
  for (const projections::Projection* p : raw) {
    Result<uint64_t> at = t->store_->Checkpoint(p->Name());
    if (head > 0 && at.ok() && *at == 0) {
      from_nothing += (from_nothing.empty() ? "" : ", ") + std::string(p->Name());
    }
  }
  if (!from_nothing.empty()) {
    spdlog::info("tenant {}: projections built from the log's {} events: {}", id, head,
                 from_nothing);
  }
  // Runs on the writer thread after each group commit.
  t->log_->SetCommitListener([raw_t = t.get()](uint64_t head) {
    raw_t->runtime_->Notify(head);
    raw_t->last_commit_us_.store(SteadyMicros());
  });
  t->runtime_->Start();
  t->runtime_->Notify(t->log_->Head());
  t->snapshot_every_ = options.snapshot_every_events;
  t->snapshot_quiet_ = options.snapshot_quiet;
  t->snapshot_in_child_ = options.snapshot_in_child;
  if (t->snapshot_every_ > 0) {
    t->snapshot_thread_ = std::thread([raw_t = t.get()] { raw_t->SnapshotLoop(); });
  }
  return t;
}

Tenant::~Tenant() { Close(); }

void Tenant::Close() {
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    snapshot_stop_ = true;
  }
  snapshot_cv_.notify_all();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  if (log_) log_->Close();  // answers queued commands first
  SaveWriteModel();
  if (runtime_) runtime_->Stop();
  if (store_) {
    if (Status s = store_->Flush(); !s.ok()) {
      spdlog::warn("tenant {}: projection flush failed: {}", id_, s.ToString());
    }
  }
}

// At a clean stop, the write model goes into the log as a snapshot of the head, unless a failed
// command left it ahead of the disk, it was never loaded, or the latest snapshot is already of
// the head. The writer has stopped: nothing else touches the model. A snapshot that cannot be
// written costs only a longer replay at the next start.
void Tenant::SaveWriteModel() {
  // Only a model that was loaded (a tenant whose opening failed has none), is not stale, and
  // holds exactly the events up to the head (none written past it, none missing).
  if (!log_ || !model_loaded_ || model_stale_) return;
  model_loaded_ = false;  // once
  const uint64_t head = log_->Head();
  if (model_.position != head) return;
  if (snapshot_on_disk_.load() == head) return;
  // Encoded by a child as the periodic snapshots are (the model has stopped changing, but the
  // process need not hold the whole encoding), here when none could be forked.
  EncodingChild child;
  if (snapshot_in_child_) child = ForkEncoder(model_);
  ChildBytes from_child(child);
  Status s;
  if (child.pid >= 0) {
    s = log_->WriteSnapshot(from_child.AsSource());
  } else {
    s = log_->WriteSnapshot(commands::EncodeModel(model_));
  }
  if (s.ok()) {
    snapshot_on_disk_.store(head);
  } else {
    spdlog::warn("tenant {}: write-model snapshot not written: {}", id_, s.ToString());
  }
}

// The snapshot thread. Every quarter of snapshot_quiet (5..250 ms) it looks whether
// snapshot_every_ events have been written since the last snapshot and no group has been
// committed for snapshot_quiet; if so it submits a job to the writer that encodes the model,
// provided it holds exactly the events up to the head and no command is queued behind the job
// (the job appends nothing; the log counts it as a command). Then it writes the bytes here.
void Tenant::SnapshotLoop() {
  pthread_setname_np(pthread_self(), "kaiin-snapshot");
  const auto poll = std::clamp<std::chrono::milliseconds>(
      snapshot_quiet_ / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
  const int64_t quiet_us =
      std::chrono::duration_cast<std::chrono::microseconds>(snapshot_quiet_).count();
  // After the writer declined (a stale model, a failing disk), the next try waits for a commit:
  // an idle server is not asked four times a second.
  int64_t declined_after = -1;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(snapshot_mu_);
      snapshot_cv_.wait_for(lock, poll, [this] { return snapshot_stop_; });
      if (snapshot_stop_) return;
    }
    if (log_->Head() < last_snapshot_.load() + snapshot_every_) continue;
    const int64_t last_commit = last_commit_us_.load();
    if (SteadyMicros() - last_commit < quiet_us || last_commit == declined_after) continue;
    std::string bytes;  // encoded here when no child could be forked
    uint64_t at = 0;
    double held_ms = 0;  // the writer's time on the snapshot
    EncodingChild child;
    ledger::CommandMeta meta;
    meta.actor = "kaiin:snapshot";
    const auto start = std::chrono::steady_clock::now();
    Result<ledger::CommitResult> done = log_->SubmitAndWait(meta, [&](ledger::WriteContext& ctx) {
      if (!model_loaded_ || model_stale_ || model_.position + 1 != ctx.NextPosition() ||
          model_.position != log_->Head() || log_->QueueLength() > 0) {
        return Status::Ok();  // not now: a later look may find a better moment
      }
      const auto held = std::chrono::steady_clock::now();
      if (snapshot_in_child_) child = ForkEncoder(model_);
      if (child.pid < 0) bytes = commands::EncodeModel(model_);
      held_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - held)
                    .count();
      at = model_.position;
      return Status::Ok();
    });
    ChildBytes from_child(child);  // reaps the child whatever happens below
    if (!done.ok() || at == 0) {
      declined_after = last_commit;
      continue;
    }
    last_snapshot_.store(at);
    Status s = child.pid >= 0 ? log_->WriteSnapshotAt(at, from_child.AsSource())
                              : log_->WriteSnapshotAt(at, bytes);
    const double total_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (s.ok()) {
      snapshot_on_disk_.store(at);
      spdlog::info("tenant {}: write-model snapshot at {} ({} bytes, encoded and written in "
                   "{:.0f} ms{}, the writer held {:.0f} ms)",
                   id_, at, child.pid >= 0 ? from_child.size() : bytes.size(), total_ms,
                   child.pid >= 0 ? " by a child process" : "", held_ms);
    } else {
      spdlog::warn("tenant {}: write-model snapshot at {} not written: {}", id_, at, s.ToString());
    }
    snapshots_taken_.fetch_add(1);
  }
}

// The latest snapshot of the write model (if there is one of this log, readable, of this
// build's format), then the events after it; else every event from the start.
Status Tenant::LoadWriteModel() {
  commands::TenantModel model;
  const uint64_t head = log_->Head();
  uint64_t from = 0;
  bool decoded = false;  // decoded where the log holds the bytes (no copy of them)
  using Ms = std::chrono::duration<double, std::milli>;
  const auto start = std::chrono::steady_clock::now();
  Result<bool> found = log_->ReadLatestSnapshot(&from, [&](std::string_view bytes) {
    const auto read = std::chrono::steady_clock::now();
    snapshot_read_ms_ = Ms(read - start).count();
    decoded = commands::DecodeModel(bytes, &model).ok();
    snapshot_decode_ms_ = Ms(std::chrono::steady_clock::now() - read).count();
    return Status::Ok();
  });
  if (!found.ok() || !*found || !decoded || model.position != from) {
    if (!found.ok()) spdlog::warn("tenant {}: snapshot unreadable: {}", id_, found.status().ToString());
    model = commands::TenantModel{};
    from = 0;
  }
  snapshot_position_ = from;
  snapshot_on_disk_.store(from);
  if (from > last_snapshot_.load()) last_snapshot_.store(from);
  if (Status s = commands::Replay(*log_, from, head, &model); !s.ok()) return s;
  model_ = std::move(model);
  model_stale_ = false;
  model_loaded_ = true;
  PublishSettings(model_.tenant);
  return Status::Ok();
}

Status Tenant::EnsureWriteModel(ledger::WriteContext& ctx) {
  const uint64_t next_position = ctx.NextPosition();
  if (model_stale_ || model_.position + 1 != next_position) {
    // The disk must hold what was decided before this group (or its write must have failed,
    // which fails this command too) before the model is read back from it.
    if (Status s = ctx.Settle(); !s.ok()) return s;
    if (Status s = LoadWriteModel(); !s.ok()) return s;
  }
  if (model_.position + 1 != next_position) {  // earlier commands of this group went around it
    model_stale_ = true;
    return Status::Unavailable("write_model_behind", "the write model is being reloaded");
  }
  return Status::Ok();
}

Tenant::Settings Tenant::settings() const {
  std::lock_guard<std::mutex> lock(settings_mu_);
  return settings_;
}

void Tenant::PublishSettings(const commands::TenantState& state) {
  std::shared_ptr<const TimeZone> zone;
  if (state.exists()) {
    auto loaded = LoadTimeZone(state.settings.timezone);
    if (loaded.ok()) zone = *loaded;
  }
  std::lock_guard<std::mutex> lock(settings_mu_);
  settings_.configured = state.exists();
  settings_.value = state.settings;
  zone_ = zone;
}

Date Tenant::DateAt(TimestampMicros utc) const {
  std::shared_ptr<const TimeZone> zone;
  {
    std::lock_guard<std::mutex> lock(settings_mu_);
    zone = zone_;
  }
  return zone ? zone->LocalDate(utc) : TimeZone::Fixed(0).LocalDate(utc);
}

bool Tenant::QuietFor(std::chrono::microseconds quiet) const {
  return SteadyMicros() - last_commit_us_.load() >= quiet.count();
}

Status Tenant::FlushMemtables() {
  if (Status s = log_->FlushMemtables(); !s.ok()) return s;
  return store_->Flush();
}

TenantRegistry::TenantRegistry(std::string data_dir, TenantOptions options)
    : data_dir_(std::move(data_dir)), options_(options) {
  if (options_.memory.memtable_budget > 0) {
    memory_thread_ = std::thread([this] { MemoryLoop(); });
  }
}

TenantRegistry::~TenantRegistry() { CloseAll(); }

void TenantRegistry::MemoryLoop() {
  pthread_setname_np(pthread_self(), "kaiin-memory");
  std::unordered_set<Tenant*> flushed;  // at most once a sweep (a projector catching up refills)
  std::unordered_set<Tenant*> failing;  // warned once (a full disk), until a flush succeeds
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(memory_mu_);
      memory_cv_.wait_for(lock, options_.memory_sweep, [this] { return memory_stop_; });
      if (memory_stop_) return;
    }
    flushed.clear();
    for (;;) {
      // One look at every store: the memtables' sum, and the quiet tenant holding the most.
      std::shared_lock lock(mu_);  // CloseAll stops this thread before it takes mu_
      uint64_t sum = 0;
      Tenant* fullest = nullptr;
      uint64_t most = 0;
      for (const auto& [id, t] : tenants_) {
        const ledger::DbMemory log = t->log().Memory();
        const projections::StoreMemory store = t->store().Memory();
        sum += log.memtables + store.memtables;
        if (flushed.contains(t.get()) || !t->QuietFor(options_.memory_quiet)) continue;
        const uint64_t entries = log.memtable_entries + store.memtable_entries;
        if (entries > most) {
          most = entries;
          fullest = t.get();
        }
      }
      if (sum <= options_.memory.memtable_budget || fullest == nullptr) break;
      flushed.insert(fullest);
      if (Status s = fullest->FlushMemtables(); !s.ok()) {
        if (failing.insert(fullest).second) {
          spdlog::warn("tenant {}: memtables not flushed for the memory budget: {}",
                       fullest->id(), s.ToString());
        }
        continue;
      }
      failing.erase(fullest);
      memory_flushes_.fetch_add(1);
    }
  }
}

Status TenantRegistry::OpenAll() {
  for (const std::string& id : ledger::ListTenants(data_dir_)) {
    if (!commands::ValidateTenantId(id).ok()) continue;  // not ours
    auto t = Tenant::Open(data_dir_, id, options_);
    if (!t.ok()) return t.status();
    std::unique_lock lock(mu_);
    tenants_[id] = std::move(t).value();
  }
  return Status::Ok();
}

Tenant* TenantRegistry::Find(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = tenants_.find(std::string(id));
  return it == tenants_.end() ? nullptr : it->second.get();
}

Result<Tenant*> TenantRegistry::FindOrCreate(std::string_view id) {
  if (Tenant* t = Find(id)) return t;
  std::unique_lock lock(mu_);
  auto it = tenants_.find(std::string(id));
  if (it != tenants_.end()) return it->second.get();
  auto t = Tenant::Open(data_dir_, std::string(id), options_);
  if (!t.ok()) return t.status();
  Tenant* raw = t->get();
  tenants_[std::string(id)] = std::move(t).value();
  return raw;
}

std::vector<Tenant*> TenantRegistry::All() const {
  std::shared_lock lock(mu_);
  std::vector<Tenant*> all;
  for (const auto& [id, t] : tenants_) all.push_back(t.get());
  return all;
}

void TenantRegistry::CloseAll() {
  {
    std::lock_guard<std::mutex> lock(memory_mu_);
    memory_stop_ = true;
  }
  memory_cv_.notify_all();
  if (memory_thread_.joinable()) memory_thread_.join();
  std::unique_lock lock(mu_);
  for (auto& [id, t] : tenants_) t->Close();
  tenants_.clear();
}

}  // namespace kaiin::http
