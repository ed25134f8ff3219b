// The tenant's write model: everything a command is decided against, built by Evolve from the
// events in log order. Lives on the tenant's writer thread only (no locks).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/tenant.h"
#include "events/event.h"
#include "events/member_history.h"

namespace kaiin::commands {

struct MemberRecord {
  std::string id;
  std::string email;
  Date applied_on = 0;
  std::vector<events::StatusEntry> statuses;  // dates strictly increase (M2)
  std::vector<events::TypeEntry> types;       // dates strictly increase
  std::string member_number;                  // empty: none yet
  uint64_t admission_seq = 0;                 // order of admission; 0: never admitted
  Date admitted_on = 0;
  events::PersonName name;
  std::optional<events::PostalAddress> address;
  std::string affiliation;
  std::string payment_method;
  bool directory_visible = false;

  const events::StatusEntry& LatestStatus() const { return statuses.back(); }
};

struct TenantModel {
  TenantState tenant;
  std::map<std::string, events::MemberTypeDefined> member_types;
  std::map<int, std::map<std::string, int64_t>> fee_schedules;  // fiscal year -> type -> yen
  std::unordered_map<std::string, MemberRecord> members;
  std::unordered_map<std::string, std::string> email_owner;   // normalized e-mail -> member id
  std::unordered_map<std::string, std::string> number_owner;  // every number ever -> member id
  uint64_t member_seq = 0;
  uint64_t admission_seq = 0;
  uint64_t numeric_number_max = 0;   // the highest all-digit member number ever assigned
  size_t numeric_number_width = 0;   // its width (leading zeros kept)

  const MemberRecord* FindMember(std::string_view id) const;
};

// Applies one event. Never fails and never validates (the event is a fact).
void Evolve(TenantModel& model, const events::Event& event);

std::string MemberStream(std::string_view member_id);
std::string MemberIdFor(uint64_t seq);           // "m000000001"
std::string NormalizeEmail(std::string_view email);  // ASCII lower case (M1)

}  // namespace kaiin::commands
