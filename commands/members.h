// Member commands (M1–M7) and configuration commands (member types, fee schedules). Pure: each
// Decide takes the write model and the tenant's today and returns events or a named rejection.
//
// Rejections (Status reason): validation_failed (400), not_found (404), field_not_editable (403),
// email_in_use, invalid_transition, status_date_conflict, member_number_taken,
// unknown_member_type, member_withdrawn, type_date_conflict (409).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "commands/decision.h"
#include "commands/model.h"

namespace kaiin::commands {

enum class Actor { kSecretariat, kMember };

struct DefineMemberType {
  std::string code;
  std::string name;
  events::MemberKind kind = events::MemberKind::kIndividual;
};

struct SetFeeSchedule {
  int fiscal_year = 0;
  std::map<std::string, int64_t> fees;  // member type -> yen
};

struct ApplyMember {
  std::string email;
  std::string member_type;
  Date applied_on = 0;
  events::PersonName name;
  std::optional<events::PostalAddress> address;
  std::optional<std::string> affiliation;
};

struct ChangeStatus {
  std::string member_id;
  events::MemberStatus status = events::MemberStatus::kActive;
  Date effective_date = 0;
  std::string reason;
};

struct BulkChangeStatus {
  std::vector<std::string> member_ids;
  events::MemberStatus status = events::MemberStatus::kActive;
  Date effective_date = 0;
  std::string reason;
};

struct ChangeMemberType {
  std::string member_id;
  std::string member_type;
  Date effective_date = 0;
};

struct AssignMemberNumbers {
  std::vector<std::pair<std::string, std::string>> assignments;  // member id, number
  bool automatic = false;
};

struct UpdateProfile {
  std::string member_id;
  Actor actor = Actor::kSecretariat;
  std::optional<events::PersonName> name;
  std::optional<events::PostalAddress> address;
  std::optional<std::string> affiliation;
  std::optional<std::string> email;
  std::optional<std::string> payment_method;
  std::optional<bool> directory_visible;
};

struct ImportedMember {
  ApplyMember application;
  std::optional<Date> admitted_on;
  std::string member_number;  // empty: none
};

struct ImportMembers {
  std::vector<ImportedMember> members;
};

inline constexpr size_t kBulkMembersMax = 10000;
inline constexpr size_t kImportMembersMax = 2000;

// `today` is the tenant's calendar date when the command is decided (passed in: no clock here).
Result<Decision> Decide(const TenantModel& m, const DefineMemberType& c, Date today);
Result<Decision> Decide(const TenantModel& m, const SetFeeSchedule& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ApplyMember& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ChangeStatus& c, Date today);
Result<Decision> Decide(const TenantModel& m, const BulkChangeStatus& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ChangeMemberType& c, Date today);
Result<Decision> Decide(const TenantModel& m, const AssignMemberNumbers& c, Date today);
Result<Decision> Decide(const TenantModel& m, const UpdateProfile& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ImportMembers& c, Date today);

// Shape checks used by the parsers too.
bool ValidEmail(std::string_view email);
bool ValidMemberNumber(std::string_view number);
bool ValidMemberTypeCode(std::string_view code);
bool ValidPaymentMethod(std::string_view method);  // P1's methods

}  // namespace kaiin::commands
