// A member's dated history (status, member type), shared by the write model and the projections
// so that "as of a date" means the same thing on both sides (M4).
#pragma once

#include <span>
#include <string>

#include "events/event.h"

namespace kaiin::events {

struct StatusEntry {
  MemberStatus status = MemberStatus::kApplying;
  Date date = 0;
  bool operator==(const StatusEntry&) const = default;
};

struct TypeEntry {
  std::string member_type;
  Date date = 0;
  bool operator==(const TypeEntry&) const = default;
};

// The entry in force on `date`: the last one dated on or before it, else the first (a history is
// never empty). REQUIRES: !history.empty(), dates strictly increasing.
inline const StatusEntry& StatusOn(std::span<const StatusEntry> history, Date date) {
  const StatusEntry* in_force = &history.front();
  for (const StatusEntry& e : history) {
    if (e.date > date) break;
    in_force = &e;
  }
  return *in_force;
}

inline const TypeEntry& TypeOn(std::span<const TypeEntry> history, Date date) {
  const TypeEntry* in_force = &history.front();
  for (const TypeEntry& e : history) {
    if (e.date > date) break;
    in_force = &e;
  }
  return *in_force;
}

// M7: may a member whose latest entry is `from` get an entry `to`?
inline bool TransitionAllowed(MemberStatus from, MemberStatus to) {
  using S = MemberStatus;
  switch (from) {
    case S::kApplying: return to == S::kActive || to == S::kApplicationWithdrawn;
    case S::kActive: return to == S::kOnLeave || to == S::kWithdrawn;
    case S::kOnLeave: return to == S::kActive || to == S::kWithdrawn;
    case S::kWithdrawn: return false;
    case S::kApplicationWithdrawn: return false;
  }
  return false;
}

}  // namespace kaiin::events
