// The domain events as C++ value types, and the envelope that carries them.
//
// Every event type has one encoder and one decoder (codec.cc) and one JSON writer
// (event_json.cc), each a switch over the variant, so that adding an event type is one edit per
// place and the compiler points at the missing ones. Money events carry ids and amounts only,
// never personal data (STYLE.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

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

enum class MemberStatus : uint8_t {
  kApplying = 0,
  kActive,
  kApplicationWithdrawn,
  kOnLeave,
  kWithdrawn,
};
std::string_view MemberStatusName(MemberStatus status);  // "applying", "active", ...
std::optional<MemberStatus> ParseMemberStatus(std::string_view name);

enum class MemberKind : uint8_t { kIndividual = 0, kCorporate };
std::string_view MemberKindName(MemberKind kind);  // "individual", "corporate"
std::optional<MemberKind> ParseMemberKind(std::string_view name);

struct PersonName {
  std::string family, given, family_kana, given_kana, romaji;
  bool operator==(const PersonName&) const = default;
};

struct PostalAddress {
  std::string postal_code, prefecture, city, line1, line2, country;
  bool operator==(const PostalAddress&) const = default;
};

struct MemberTypeDefined {
  static constexpr std::string_view kType = "MemberTypeDefined";
  std::string code;
  std::string name;
  MemberKind kind = MemberKind::kIndividual;
  bool operator==(const MemberTypeDefined&) const = default;
};

struct FeeScheduleSet {
  static constexpr std::string_view kType = "FeeScheduleSet";
  int fiscal_year = 0;
  std::vector<std::pair<std::string, int64_t>> fees;  // member type -> yen, sorted by type
  bool operator==(const FeeScheduleSet&) const = default;
};

struct MemberApplied {
  static constexpr std::string_view kType = "MemberApplied";
  std::string member_id;
  std::string email;
  std::string member_type;
  Date applied_on = 0;
  PersonName name;
  std::optional<PostalAddress> address;
  std::optional<std::string> affiliation;
  bool operator==(const MemberApplied&) const = default;
};

struct MemberAdmitted {
  static constexpr std::string_view kType = "MemberAdmitted";
  std::string member_id;
  Date admitted_on = 0;
  bool replaces_application = false;
  bool operator==(const MemberAdmitted&) const = default;
};

struct MemberStatusChanged {
  static constexpr std::string_view kType = "MemberStatusChanged";
  std::string member_id;
  MemberStatus status = MemberStatus::kActive;
  Date effective_date = 0;
  std::string reason;
  bool operator==(const MemberStatusChanged&) const = default;
};

struct MemberNumberAssigned {
  static constexpr std::string_view kType = "MemberNumberAssigned";
  std::string member_id;
  std::string member_number;
  bool operator==(const MemberNumberAssigned&) const = default;
};

struct MemberTypeChanged {
  static constexpr std::string_view kType = "MemberTypeChanged";
  std::string member_id;
  std::string member_type;
  Date effective_date = 0;
  bool operator==(const MemberTypeChanged&) const = default;
};

// Fields left empty (nullopt) are unchanged.
struct MemberProfileUpdated {
  static constexpr std::string_view kType = "MemberProfileUpdated";
  std::string member_id;
  std::optional<PersonName> name;
  std::optional<PostalAddress> address;
  std::optional<std::string> affiliation;
  std::optional<std::string> payment_method;
  std::optional<bool> directory_visible;
  bool operator==(const MemberProfileUpdated&) const = default;
};

struct MemberEmailChanged {
  static constexpr std::string_view kType = "MemberEmailChanged";
  std::string member_id;
  std::string email;
  bool operator==(const MemberEmailChanged&) const = default;
};

using Event = std::variant<TenantConfigured, MemberTypeDefined, FeeScheduleSet, MemberApplied,
                           MemberAdmitted, MemberStatusChanged, MemberNumberAssigned,
                           MemberTypeChanged, MemberProfileUpdated, MemberEmailChanged>;

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
