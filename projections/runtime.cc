#include "projections/runtime.h"

#include <algorithm>

#include "events/codec.h"

namespace kaiin::projections {

ProjectionRuntime::ProjectionRuntime(ProjectionStore* store, events::EventReader* reader,
                                     std::vector<std::unique_ptr<Projection>> projections,
                                     RuntimeOptions options)
    : store_(store), reader_(reader), owned_(std::move(projections)), options_(options) {
  for (auto& p : owned_) raw_.push_back(p.get());
}

ProjectionRuntime::~ProjectionRuntime() { Stop(); }

Status ProjectionRuntime::Init() {
  std::lock_guard<std::mutex> lock(apply_mu_);
  checkpoints_.clear();
  for (Projection* p : raw_) {
    Result<uint64_t> c = store_->Checkpoint(p->Name());
    if (!c.ok()) return c.status();
    checkpoints_.push_back(*c);
  }
  position_.store(MinCheckpoint(), std::memory_order_release);
  return Status::Ok();
}

uint64_t ProjectionRuntime::MinCheckpoint() const {
  if (checkpoints_.empty()) return reader_->Head();
  return *std::min_element(checkpoints_.begin(), checkpoints_.end());
}

Status ProjectionRuntime::ApplyOnce(uint64_t up_to, bool* progressed) {
  *progressed = false;
  std::lock_guard<std::mutex> lock(apply_mu_);
  const uint64_t from = MinCheckpoint();
  if (from >= up_to) return Status::Ok();
  std::vector<events::RecordedEvent> records;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(options_.batch_events_max, up_to - from));
  if (Status s = reader_->ReadAfter(from, want, &records); !s.ok()) return s;
  if (records.empty()) return Status::Ok();
  std::vector<events::Envelope> decoded(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (Status s = events::DecodeEnvelope(records[i].bytes, &decoded[i]); !s.ok()) {
      return Status::Corruption("position " + std::to_string(records[i].position) + ": " +
                                s.message());
    }
    if (decoded[i].meta.position != records[i].position) {
      return Status::Corruption("envelope position does not match its key");
    }
  }
  if (Status s = store_->ApplyBatch(raw_, checkpoints_, decoded); !s.ok()) return s;
  position_.store(MinCheckpoint(), std::memory_order_release);
  *progressed = true;
  return Status::Ok();
}

Status ProjectionRuntime::CatchUp(uint64_t up_to) {
  up_to = std::min(up_to, reader_->Head());
  for (;;) {
    bool progressed = false;
    if (Status s = ApplyOnce(up_to, &progressed); !s.ok()) return s;
    if (!progressed) break;
  }
  FireWaiters(false);
  return Status::Ok();
}

void ProjectionRuntime::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void ProjectionRuntime::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  FireWaiters(true);
}

void ProjectionRuntime::Notify(uint64_t head) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_head_ = std::max(notified_head_, head);
  }
  cv_.notify_one();
}

void ProjectionRuntime::Loop() {
  for (;;) {
    bool progressed = false;
    Status s = ApplyOnce(reader_->Head(), &progressed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_error_ = s;
    }
    FireWaiters(false);
    if (progressed && s.ok()) continue;  // more may be waiting: read again at once
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_) return;
    // Sleep until notified of new events, or until the nearest waiter deadline / idle poll.
    auto wake = Clock::now() + options_.idle_poll;
    for (const auto& [pos, w] : waiters_) wake = std::min(wake, w.first);
    if (!s.ok()) {  // a failing read or write: retry after the poll interval, not in a spin
      cv_.wait_until(lock, wake, [this] { return stop_; });
      if (stop_) return;
      continue;
    }
    cv_.wait_until(lock, wake, [this] {
      return stop_ || notified_head_ > position_.load(std::memory_order_acquire);
    });
    if (stop_) return;
  }
}

void ProjectionRuntime::FireWaiters(bool stopping) {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t position = position_.load(std::memory_order_acquire);
    const auto now = Clock::now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      const bool reached = it->first <= position;
      if (reached || stopping || it->second.first <= now) {
        ready.emplace_back(std::move(it->second.second), reached);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  reached_cv_.notify_all();
  for (auto& [fn, reached] : ready) fn(reached);
}

bool ProjectionRuntime::WaitFor(uint64_t position, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return reached_cv_.wait_for(lock, timeout, [&] {
    return position_.load(std::memory_order_acquire) >= position;
  });
}

void ProjectionRuntime::WhenReached(uint64_t position, Clock::time_point deadline,
                                    std::function<void(bool)> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (position_.load(std::memory_order_acquire) < position && !stop_ &&
        waiters_.size() < options_.waiters_max) {
      waiters_.emplace(position, std::make_pair(deadline, std::move(fn)));
      cv_.notify_one();  // the loop recomputes its wake-up time
      return;
    }
  }
  fn(position_.load(std::memory_order_acquire) >= position);
}

Status ProjectionRuntime::Rebuild(std::string_view name) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  for (size_t i = 0; i < raw_.size(); ++i) {
    if (raw_[i]->Name() != name) continue;
    if (Status s = store_->Drop(name); !s.ok()) return s;
    checkpoints_[i] = 0;
    position_.store(MinCheckpoint(), std::memory_order_release);
    Notify(reader_->Head());
    return Status::Ok();
  }
  return Status::NotFound("no projection named " + std::string(name));
}

Status ProjectionRuntime::LastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace kaiin::projections
