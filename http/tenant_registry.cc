#include "http/tenant_registry.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include <filesystem>

#include "commands/model_codec.h"
#include "events/codec.h"
#include "ledger/data_layout.h"
#include "ledger/rocks_logger.h"
#include "http/timezones.h"
#include "projections/registry.h"

namespace kaiin::http {

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
  auto log = ledger::RocksEventLog::Open(ledger::TenantLogPath(data_dir, id), log_options);
  if (!log.ok()) return log.status();
  t->log_ = std::move(log).value();

  auto all = projections::MakeAllProjections();
  std::vector<projections::Projection*> raw;
  for (auto& p : all) raw.push_back(p.get());
  projections::StoreOptions store_options;
  if (options.faults) store_options.env = options.faults->env();
  store_options.info_log = ledger::StderrRocksLogger(id + "/projections");
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
    spdlog::info("tenant {}: write model from the snapshot at {} and the {} events after it", id,
                 t->snapshot_position_, head - t->snapshot_position_);
  } else {
    spdlog::info("tenant {}: write model replayed from {} events", id, head);
  }
  t->snapshot_every_ = options.snapshot_every_events;
  // Runs on the writer thread after each group commit.
  t->log_->SetCommitListener([raw_t = t.get()](uint64_t head) {
    raw_t->runtime_->Notify(head);
    raw_t->MaybeSnapshot(head);
  });
  t->runtime_->Start();
  t->runtime_->Notify(t->log_->Head());
  return t;
}

Tenant::~Tenant() { Close(); }

void Tenant::Close() {
  if (log_) log_->Close();  // answers queued commands first
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
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
  uint64_t at = 0;
  if (Result<bool> found = log_->LatestSnapshot(&at, nullptr); found.ok() && *found && at == head) {
    return;
  }
  if (Status s = log_->WriteSnapshot(commands::EncodeModel(model_)); !s.ok()) {
    spdlog::warn("tenant {}: write-model snapshot not written: {}", id_, s.ToString());
  }
}

// After a group commit (writer thread): when snapshot_every_ events have been written since the
// last snapshot and the model holds exactly the events up to the head, encodes it here (the
// writer waits for that, so preferably when nothing is queued) and hands the bytes to a thread
// that writes them. One at a time: while a snapshot is being written, no other is taken.
void Tenant::MaybeSnapshot(uint64_t head) {
  if (snapshot_every_ == 0 || !model_loaded_ || model_stale_ || model_.position != head) return;
  if (head < last_snapshot_ + snapshot_every_ || snapshot_busy_.load()) return;
  // Encoding holds the writer (~0.5 s for a model of 100k members): wait for a moment when no
  // command is queued, unless twice the interval has passed.
  if (log_->QueueLength() > 0 && head < last_snapshot_ + 2 * snapshot_every_) return;
  const auto start = std::chrono::steady_clock::now();
  std::string bytes = commands::EncodeModel(model_);
  const double encode_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  last_snapshot_ = head;
  if (snapshot_thread_.joinable()) snapshot_thread_.join();  // done: it cleared snapshot_busy_
  snapshot_busy_ = true;
  snapshot_thread_ = std::thread([this, head, bytes = std::move(bytes), encode_ms] {
    pthread_setname_np(pthread_self(), "kaiin-snapshot");
    if (Status s = log_->WriteSnapshotAt(head, bytes); s.ok()) {
      spdlog::info("tenant {}: write-model snapshot at {} ({} bytes, encoded in {:.0f} ms)", id_,
                   head, bytes.size(), encode_ms);
    } else {
      spdlog::warn("tenant {}: write-model snapshot at {} not written: {}", id_, head,
                   s.ToString());
    }
    snapshots_taken_.fetch_add(1);
    snapshot_busy_ = false;
  });
}

// The latest snapshot of the write model (if there is one of this log, readable, of this
// build's format), then the events after it; else every event from the start.
Status Tenant::LoadWriteModel() {
  commands::TenantModel model;
  const uint64_t head = log_->Head();
  uint64_t from = 0;
  std::string bytes;
  Result<bool> found = log_->LatestSnapshot(&from, &bytes);
  if (!found.ok() || !*found || !commands::DecodeModel(bytes, &model).ok() ||
      model.position != from) {
    if (!found.ok()) spdlog::warn("tenant {}: snapshot unreadable: {}", id_, found.status().ToString());
    model = commands::TenantModel{};
    from = 0;
  }
  bytes = {};
  snapshot_position_ = from;
  last_snapshot_ = std::max(last_snapshot_, from);
  if (Status s = commands::Replay(*log_, from, head, &model); !s.ok()) return s;
  model_ = std::move(model);
  model_stale_ = false;
  model_loaded_ = true;
  PublishSettings(model_.tenant);
  return Status::Ok();
}

Status Tenant::EnsureWriteModel(uint64_t next_position) {
  if (model_stale_ || model_.position + 1 != next_position) {
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

TenantRegistry::TenantRegistry(std::string data_dir, TenantOptions options)
    : data_dir_(std::move(data_dir)), options_(options) {}

TenantRegistry::~TenantRegistry() { CloseAll(); }

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
  std::unique_lock lock(mu_);
  for (auto& [id, t] : tenants_) t->Close();
  tenants_.clear();
}

}  // namespace kaiin::http
