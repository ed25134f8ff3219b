// The book of record: a tenant's append-only event log.
//
// Writes go through Submit(): a command's decide step runs on the log's single writer thread
// (so the domain needs no locks), appends events to streams with an expected-version check, and
// is answered only after the group-commit batch that holds its events is durable. The writer
// decides a group while the group before it is being written: a decide step sees the effects
// of commands not yet durable, and if their write fails, its own command fails too (nothing of
// it is written). Reads are thread-safe and see durable events only.
//
// The interface keeps the storage engine out of sight so that the book of record can move to
// another engine (DESIGN.md §4, scale-out) without touching callers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "events/date.h"
#include "events/event.h"
#include "events/hash.h"
#include "events/log_reader.h"
#include "events/status.h"

namespace kaiin::ledger {

// expected_version values: kAnyVersion skips the check; kNoStream (0) requires a new stream;
// N requires the stream's last version to be N.
inline constexpr uint64_t kAnyVersion = ~uint64_t{0};
inline constexpr uint64_t kNoStream = 0;

struct EventDraft {
  events::Event event;
  Date effective_date = 0;
  uint64_t causation = 0;  // position of the event this one compensates; 0 = none
};

struct StreamAppend {
  std::string stream;
  uint64_t expected_version = kAnyVersion;
  std::vector<EventDraft> events;
};

struct CommandMeta {
  std::string actor;
  std::string command_id;
  // Empty: no idempotency. Otherwise the same key with the same fingerprint answers the first
  // result again without writing; with another fingerprint, Aborted(idempotency_key_reused).
  std::string idempotency_key;
  events::Hash fingerprint{};  // a hash of the command's content
};

struct CommitResult {
  uint64_t first_position = 0;  // 0 when the command wrote no event
  uint64_t last_position = 0;   // the log's head once the command was durable
  uint64_t event_count = 0;
  bool replayed = false;  // an idempotent retry: the first answer, nothing written now
  std::string result;     // what decide stored with SetResult (kept with the idempotency key)
};

// What a command's decide step can see and do. Lives only during decide, on the writer thread.
class WriteContext {
 public:
  virtual ~WriteContext() = default;
  // The stream's current version (0: no such stream), counting this command's own appends.
  virtual Result<uint64_t> StreamVersion(std::string_view stream) = 0;
  // Queues events for the stream after checking expected_version (Aborted version_conflict).
  // Nothing is written if decide returns an error. A log may check that a stream required new
  // (kNoStream) is new only once decide has returned, for all such streams of the command in one
  // read: the command then fails with version_conflict all the same, and nothing is written.
  virtual Status Append(StreamAppend append) = 0;
  // The answer to keep with the idempotency key, returned verbatim on a retry.
  virtual void SetResult(std::string result) = 0;
  // Waits until the commands of earlier groups are durable (the earlier commands of this group
  // are not): for a decide step that must reload state from the disk. Unavailable if their
  // write failed; the command then fails with it.
  virtual Status Settle() = 0;
  // The clock reading for this group of commands (recorded_at of its events).
  virtual TimestampMicros Now() const = 0;
  // The position the next event this command appends will get, if the group commits (a
  // compensating event names the position of the event it compensates).
  virtual uint64_t NextPosition() const = 0;
};

using DecideFn = std::function<Status(WriteContext&)>;
using DoneFn = std::function<void(Result<CommitResult>)>;

class EventLog : public events::EventReader {
 public:
  // Queues a command. `done` runs exactly once: with the commit result after the events are
  // durable, or with decide's error (nothing written), or Unavailable when the queue is full or
  // the write failed. It runs on the writer thread when the command is refused and on the log's
  // syncing thread after a write, where it may run while later commands are being decided: it
  // must not block, nor touch what decide steps own.
  virtual void Submit(CommandMeta meta, DecideFn decide, DoneFn done) = 0;

  // Appends the durable events of `stream` with version >= from_version, at most max_events.
  virtual Status ReadStream(std::string_view stream, uint64_t from_version, size_t max_events,
                            std::vector<events::RecordedEvent>* out) = 0;

  // Called with the new head after every durable batch, on the thread that wrote it (one at a
  // time, in order).
  virtual void SetCommitListener(std::function<void(uint64_t head)> listener) = 0;

  // Blocking conveniences over Submit (tests, tools, benchmarks).
  Result<CommitResult> SubmitAndWait(CommandMeta meta, DecideFn decide);
  Result<CommitResult> Append(CommandMeta meta, StreamAppend append);
};

}  // namespace kaiin::ledger
