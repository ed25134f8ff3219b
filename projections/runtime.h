// ProjectionRuntime: follows a tenant's event log and keeps its projections up to date.
//
// One thread per tenant reads the log after the lowest checkpoint in batches, decodes each event
// once and applies it to every projection that has not seen it, writing rows and checkpoints in
// one batch (ProjectionStore::ApplyBatch). On restart it resumes from the checkpoints. Queries
// wait for a position with WaitFor/WhenReached (read-your-writes).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "events/event.h"
#include "events/log_reader.h"
#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

struct RuntimeOptions {
  size_t batch_events_max = 2000;       // events read and applied per batch
  size_t waiters_max = 100000;          // pending WhenReached callbacks; more answer false at once
  std::chrono::milliseconds idle_poll{200};  // re-check the log even without a notification
  // Projections at checkpoint 0 facing at least this many events are rebuilt in memory and
  // ingested as files (ProjectionStore::BulkApply), with the log read and decoded on threads of
  // their own; below it they take the usual path.
  uint64_t bulk_events_min = 50000;
  size_t bulk_memory_max = size_t{512} << 20;  // rows held in memory per round of a bulk rebuild
  size_t bulk_threads = 2;       // threads applying projections in a bulk rebuild
  size_t bulk_read_threads = 2;  // threads reading and decoding the log for it
  // Events read, decoded and applied at a time in a bulk rebuild: larger pages than the usual
  // batches cost less per event (kaiin-bench-rebuild: 10,000 against 2,000 ~4% less time).
  size_t bulk_page_events = 10000;
  // When fewer than gather_events are waiting and no reader waits for a position, the loop lets
  // up to gather_delay pass before applying them: one larger batch costs far less per event than
  // several small ones (fewer writes, and the aggregate rows several events touch are written
  // once). A reader that waits for a position (min_position) ends the wait at once.
  size_t gather_events = 256;
  std::chrono::microseconds gather_delay{0};
  // The nice value of the background thread (0: the process's own). Projections are work that
  // may wait: a positive value lets the threads answering requests run first when the CPU is
  // contended, and the projector catches up in the gaps (its lag shows in /metrics).
  int thread_nice = 0;
};

class ProjectionRuntime {
 public:
  using Clock = std::chrono::steady_clock;

  // The runtime uses but does not own `store` and `reader`; it owns the projections.
  ProjectionRuntime(ProjectionStore* store, events::EventReader* reader,
                    std::vector<std::unique_ptr<Projection>> projections,
                    RuntimeOptions options = {});
  ~ProjectionRuntime();

  // Loads the checkpoints. Call once before CatchUp or Start.
  Status Init();
  // Applies events until every projection has reached min(up_to, log head). Not to be called
  // while the background thread runs.
  Status CatchUp(uint64_t up_to = ~uint64_t{0});

  void Start();  // background thread
  void Stop();   // joins; answers pending waiters with false
  // The log's commit listener: there is something new up to `head`.
  void Notify(uint64_t head);

  // The position every projection has reached.
  uint64_t Position() const { return position_.load(std::memory_order_acquire); }
  // Blocks until Position() >= position or the timeout passes; returns whether it was reached.
  bool WaitFor(uint64_t position, std::chrono::milliseconds timeout);
  // Calls fn(true) once Position() >= position, or fn(false) at the deadline (or on Stop). fn
  // runs on the runtime's thread, or on the caller's when the answer is known at once.
  void WhenReached(uint64_t position, Clock::time_point deadline, std::function<void(bool)> fn);

  // Drops one projection's rows; the background thread rebuilds it from position 0. A rebuild
  // that goes in bulk (a log of bulk_events_min events or more) has the store refuse the
  // projection's reads until its rows are in (ProjectionStore::SetBuilding).
  Status Rebuild(std::string_view name);

  // The last error of the background thread (OK if none); it retries after idle_poll.
  Status LastError() const;
  const std::vector<Projection*>& projections() const { return raw_; }

 private:
  Status ApplyOnce(uint64_t up_to, bool* progressed);
  Status BulkRebuild(uint64_t up_to);
  void Loop();
  void Gather(std::unique_lock<std::mutex>& lock);
  void FireWaiters(bool stopping);
  uint64_t MinCheckpoint() const;

  ProjectionStore* store_;
  events::EventReader* reader_;
  std::vector<std::unique_ptr<Projection>> owned_;
  std::vector<Projection*> raw_;
  RuntimeOptions options_;

  std::mutex apply_mu_;  // one batch or drop at a time
  std::vector<uint64_t> checkpoints_;
  // The last batch's envelopes (at most batch_events_max), decoded into again by the next
  // (their strings keep their buffers). Under apply_mu_.
  std::vector<events::Envelope> decoded_;
  std::atomic<uint64_t> position_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable reached_cv_;
  uint64_t notified_head_ = 0;
  size_t blocked_ = 0;      // callers inside WaitFor
  bool gathering_ = false;  // the loop waits in Gather
  bool stop_ = false;
  Status last_error_;
  std::multimap<uint64_t, std::pair<Clock::time_point, std::function<void(bool)>>> waiters_;
  std::thread thread_;
};

}  // namespace kaiin::projections
