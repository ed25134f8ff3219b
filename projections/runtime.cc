#include "projections/runtime.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "events/codec.h"

namespace kaiin::projections {

namespace {

// Decodes one page of the log, checking that each envelope sits at its key's position.
Status DecodePage(const std::vector<events::RecordedEvent>& records,
                  std::vector<events::Envelope>* decoded) {
  decoded->resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (Status s = events::DecodeEnvelope(records[i].bytes, &(*decoded)[i]); !s.ok()) {
      return Status::Corruption("position " + std::to_string(records[i].position) + ": " +
                                s.message());
    }
    if ((*decoded)[i].meta.position != records[i].position) {
      return Status::Corruption("envelope position does not match its key");
    }
  }
  return Status::Ok();
}

// Reads and decodes the log from `after` to `up_to` on `threads` threads of its own, a few pages
// ahead of the consumer, which takes the pages in order with Next (an empty page at the end).
// Page k holds the positions after + k * page_events + 1 ..., and thread k % threads reads it.
class PageReader {
 public:
  PageReader(events::EventReader* reader, uint64_t after, uint64_t up_to, size_t page_events,
             size_t threads)
      : reader_(reader),
        after_(after),
        up_to_(up_to),
        page_events_(std::max<size_t>(page_events, 1)) {
    pages_total_ = (up_to_ - after_ + page_events_ - 1) / page_events_;
    threads = std::max<size_t>(threads, 1);
    for (size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this, i, threads] { Run(i, threads); });
    }
  }
  ~PageReader() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // Replaces *page (the page the caller is done with, or empty) with the next page; the old one
  // goes back to the readers, who decode into its envelopes and so keep their strings' buffers.
  Status Next(std::vector<events::Envelope>* page) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!page->empty() && spare_.size() < kPagesAhead) spare_.push_back(std::move(*page));
    page->clear();
    if (next_ >= pages_total_) return Status::Ok();
    cv_.wait(lock, [this] { return ready_.count(next_) > 0; });
    auto it = ready_.find(next_);
    Page taken = std::move(it->second);
    ready_.erase(it);
    ++next_;
    cv_.notify_all();
    if (!taken.status.ok()) {
      pages_total_ = next_;  // nothing after a failed page
      return taken.status;
    }
    if (taken.events.size() < page_events_) pages_total_ = next_;  // the log ended early
    *page = std::move(taken.events);
    return Status::Ok();
  }

 private:
  static constexpr size_t kPagesAhead = 4;
  struct Page {
    Status status = Status::Ok();
    std::vector<events::Envelope> events;
  };

  void Run(size_t first, size_t step) {
    std::vector<events::RecordedEvent> records;
    for (uint64_t k = first;; k += step) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || k < next_ + kPagesAhead; });
        if (stop_ || k >= pages_total_) return;
      }
      const uint64_t from = after_ + k * page_events_;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(page_events_, up_to_ - from));
      Page page;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!spare_.empty()) {
          page.events = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      records.clear();
      // A reader may answer fewer events than asked (it caps one read) before its head: read
      // on until the page is full or the log ends, as Next takes a short page for the end.
      for (uint64_t at = from; page.status.ok() && records.size() < want;) {
        const size_t had = records.size();
        page.status = reader_->ReadAfter(at, want - had, &records);
        if (records.size() == had) break;  // the head
        at = records.back().position;
      }
      if (page.status.ok()) page.status = DecodePage(records, &page.events);
      std::lock_guard<std::mutex> lock(mu_);
      ready_.emplace(k, std::move(page));
      cv_.notify_all();
    }
  }

  events::EventReader* const reader_;
  const uint64_t after_, up_to_;
  const size_t page_events_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t pages_total_ = 0;  // lowered when a page fails or comes back short
  uint64_t next_ = 0;         // the page Next returns next
  std::map<uint64_t, Page> ready_;
  std::vector<std::vector<events::Envelope>> spare_;  // pages given back by Next, to decode into
  bool stop_ = false;
  std::vector<std::thread> threads_;  // last: started once the members above exist
};

}  // namespace

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
  const uint64_t head = reader_->Head();
  for (Projection* p : raw_) {
    Result<uint64_t> c = store_->Checkpoint(p->Name());
    if (!c.ok()) return c.status();
    // Rows of events this log does not hold: the store outlived its log (a backup restored in
    // the log's place, the projections left as they were). A log is only ever replaced by a
    // prefix of itself, so the rows are rebuilt from 0, as for a new projection.
    if (*c > head) {
      if (Status s = store_->Drop(p->Name()); !s.ok()) return s;
      c = uint64_t{0};
    }
    checkpoints_.push_back(*c);
    // A projection new to this store (or of an older schema) facing a long log is built in
    // bulk by the background thread: refuse its reads from now, not from when that begins.
    if (*c == 0 && head >= options_.bulk_events_min) store_->SetBuilding(p->Name(), true);
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
  if (Status s = DecodePage(records, &decoded_); !s.ok()) return s;
  if (Status s = store_->ApplyBatch(raw_, checkpoints_, decoded_); !s.ok()) return s;
  position_.store(MinCheckpoint(), std::memory_order_release);
  *progressed = true;
  return Status::Ok();
}

Status ProjectionRuntime::BulkRebuild(uint64_t up_to) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  std::vector<Projection*> chosen;
  std::vector<uint64_t> from_zero;
  for (size_t i = 0; i < raw_.size(); ++i) {
    if (checkpoints_[i] == 0) chosen.push_back(raw_[i]);
  }
  // Their reads are refused while they are built (ProjectionStore::SetBuilding); a projection
  // that takes the incremental path instead (a short log) is read as it grows, as always.
  const bool bulk = up_to > 0 && up_to >= options_.bulk_events_min;
  for (Projection* p : chosen) store_->SetBuilding(p->Name(), bulk);
  if (!bulk || chosen.empty()) return Status::Ok();
  from_zero.assign(chosen.size(), 0);
  PageReader pages(reader_, 0, up_to, options_.bulk_page_events, options_.bulk_read_threads);
  Status s = store_->BulkApply(
      chosen, from_zero, [&pages](std::vector<events::Envelope>* page) { return pages.Next(page); },
      options_.bulk_memory_max, options_.bulk_threads);
  // What was ingested counts even when a later round failed.
  for (size_t i = 0, j = 0; i < raw_.size(); ++i) {
    if (checkpoints_[i] == 0) checkpoints_[i] = from_zero[j++];
  }
  // Built, or failed: a failed one still at 0 is marked again when the loop retries; one that
  // got part of the way goes on incrementally from where its last round ended. Unmarked before
  // the position moves: a query let through by the new position must find its rows readable.
  for (Projection* p : chosen) store_->SetBuilding(p->Name(), false);
  position_.store(MinCheckpoint(), std::memory_order_release);
  return s;
}

Status ProjectionRuntime::CatchUp(uint64_t up_to) {
  up_to = std::min(up_to, reader_->Head());
  if (Status s = BulkRebuild(up_to); !s.ok()) return s;
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
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kaiin-project");  // as top -H and perf show it
    // Linux: a thread's own nice value (the threads it starts inherit it). Best effort: a
    // refusal leaves the thread at the process's priority.
    if (options_.thread_nice != 0) setpriority(PRIO_PROCESS, gettid(), options_.thread_nice);
    Loop();
  });
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
    // A gathering loop wakes only once enough has come (a wake-up per commit costs more than
    // the gathering saves).
    if (gathering_ && notified_head_ < position_.load() + options_.gather_events) return;
  }
  cv_.notify_one();
}

// At the top of each round of the loop, with mu_ held: waits up to gather_delay for more events
// when few are known to be waiting and no reader waits for a position.
void ProjectionRuntime::Gather(std::unique_lock<std::mutex>& lock) {
  if (options_.gather_delay.count() <= 0) return;
  auto enough = [this] {
    const uint64_t position = position_.load(std::memory_order_acquire);
    return stop_ || !waiters_.empty() || blocked_ > 0 ||
           notified_head_ <= position ||  // nothing known to apply: no reason to wait
           notified_head_ >= position + options_.gather_events;
  };
  if (enough()) return;
  gathering_ = true;
  cv_.wait_until(lock, Clock::now() + options_.gather_delay, enough);
  gathering_ = false;
}

void ProjectionRuntime::Loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_) return;
      Gather(lock);
    }
    bool progressed = false;
    Status s = BulkRebuild(reader_->Head());
    if (s.ok()) s = ApplyOnce(reader_->Head(), &progressed);
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
  ++blocked_;
  cv_.notify_one();  // the loop stops gathering
  const bool reached = reached_cv_.wait_for(lock, timeout, [&] {
    return position_.load(std::memory_order_acquire) >= position;
  });
  --blocked_;
  return reached;
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
    // Marked before its rows go, so that no read sees them gone (BulkRebuild clears it).
    const bool bulk = reader_->Head() >= options_.bulk_events_min;
    if (bulk) store_->SetBuilding(name, true);
    if (Status s = store_->Drop(name); !s.ok()) {
      if (bulk) store_->SetBuilding(name, false);
      return s;
    }
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
