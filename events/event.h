// The domain events as C++ value types, and the envelope that carries them.
//
// Every event type has one encoder and one decoder (codec.cc) and one JSON writer
// (event_json.cc), each a switch over the variant, so that adding an event type is one edit per
// place and the compiler points at the missing ones. Money events carry ids and amounts only,
// never personal data (STYLE.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "events/date.h"
#include "events/hash.h"

namespace kaiin::events {

struct TenantConfigured {
  static constexpr std::string_view kType = "TenantConfigured";
  std::string name;
  int fiscal_year_start_month = 4;
  std::string timezone;
  bool operator==(const TenantConfigured&) const = default;
};

using Event = std::variant<TenantConfigured>;

// The event type's name as it appears in the API and in projections ("TenantConfigured").
std::string_view EventTypeName(const Event& event);

struct EnvelopeMeta {
  std::string tenant;
  uint64_t position = 0;
  std::string stream;
  uint64_t version = 0;
  TimestampMicros recorded_at = 0;
  Date effective_date = 0;
  std::string actor;
  std::string command_id;
  uint64_t causation = 0;
  Hash prev_hash{};
};

struct Envelope {
  EnvelopeMeta meta;
  Event event;
};

// An envelope as stored: its position and the exact bytes that were hashed.
struct RecordedEvent {
  uint64_t position = 0;
  std::string bytes;
};

}  // namespace kaiin::events
