// The read side of the event log, as the projections and the auditor's tools see it.
//
// Defined here (not in ledger/) so that projections/ depends on events/ only; ledger/ implements
// it and the composition (http/, replay/) hands the implementation to the projection runtime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "events/event.h"
#include "events/status.h"

namespace kaiin::events {

class EventReader {
 public:
  virtual ~EventReader() = default;
  // Appends to *out the durable events with position > after, in order, at most max_events.
  // A reader may cap one read below max_events (the ledger's log does): only an empty answer
  // means the reader has reached the head. Thread-safe.
  virtual Status ReadAfter(uint64_t after, size_t max_events, std::vector<RecordedEvent>* out) = 0;
  // The position of the last durable event (0 for an empty log). Thread-safe.
  virtual uint64_t Head() const = 0;
};

}  // namespace kaiin::events
