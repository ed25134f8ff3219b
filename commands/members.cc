#include "commands/members.h"

#include <algorithm>
#include <set>

#include "commands/rejections.h"

namespace kaiin::commands {
namespace {

using events::MemberStatus;

constexpr size_t kEmailBytesMax = 254;
constexpr size_t kNameBytesMax = 200;
constexpr size_t kAddressFieldBytesMax = 200;
constexpr size_t kAffiliationBytesMax = 500;
constexpr size_t kReasonBytesMax = 1000;
constexpr int64_t kFeeYenMax = 100'000'000;

Status MemberNotFound(std::string_view id) {
  return Status::NotFound("no member " + std::string(id));
}

void CheckName(const events::PersonName& n, const std::string& field,
               std::vector<FieldError>* errors) {
  if (n.family.empty()) errors->push_back({field + ".family", "is required"});
  for (const auto& [part, value] :
       {std::pair{"family", &n.family}, {"given", &n.given}, {"family_kana", &n.family_kana},
        {"given_kana", &n.given_kana}, {"romaji", &n.romaji}}) {
    if (value->size() > kNameBytesMax) {
      errors->push_back({field + "." + part, "must be at most 200 bytes"});
    }
  }
}

void CheckAddress(const events::PostalAddress& a, const std::string& field,
                  std::vector<FieldError>* errors) {
  for (const auto& [part, value] :
       {std::pair{"postal_code", &a.postal_code}, {"prefecture", &a.prefecture}, {"city", &a.city},
        {"line1", &a.line1}, {"line2", &a.line2}, {"country", &a.country}}) {
    if (value->size() > kAddressFieldBytesMax) {
      errors->push_back({field + "." + part, "must be at most 200 bytes"});
    }
  }
}

void CheckApplication(const ApplyMember& c, Date today, const std::string& prefix,
                      std::vector<FieldError>* errors) {
  if (!ValidEmail(c.email)) errors->push_back({prefix + "email", "must be an e-mail address"});
  if (!ValidMemberTypeCode(c.member_type)) {
    errors->push_back({prefix + "member_type", "must be a member type code"});
  }
  if (c.applied_on > today) errors->push_back({prefix + "applied_on", "must not be after today"});
  CheckName(c.name, prefix + "name", errors);
  if (c.address) CheckAddress(*c.address, prefix + "address", errors);
  if (c.affiliation && c.affiliation->size() > kAffiliationBytesMax) {
    errors->push_back({prefix + "affiliation", "must be at most 500 bytes"});
  }
}

// M7 then M2: the transition from the latest entry, then its date. Sets *replaces for the
// same-day admission, which only a single (non-bulk) change may use.
Status CheckStatusChange(const MemberRecord& r, MemberStatus to, Date date, bool allow_same_day,
                         bool* replaces) {
  const events::StatusEntry& latest = r.LatestStatus();
  *replaces = false;
  if (!events::TransitionAllowed(latest.status, to)) {
    return Status::FailedPrecondition(
        "invalid_transition", "member " + r.id + " cannot go from " +
                                  std::string(events::MemberStatusName(latest.status)) + " to " +
                                  std::string(events::MemberStatusName(to)));
  }
  if (date > latest.date) return Status::Ok();
  if (allow_same_day && to == MemberStatus::kActive && latest.status == MemberStatus::kApplying &&
      date == latest.date && r.statuses.size() == 1) {
    *replaces = true;  // the FAQ's same-day admission: replaces the applying entry
    return Status::Ok();
  }
  return Status::FailedPrecondition("status_date_conflict",
                                    "member " + r.id + ": the date must be after " +
                                        FormatDate(latest.date) + ", the latest status entry");
}

Emitted StatusEvent(const MemberRecord& r, MemberStatus to, Date date, bool replaces,
                    const std::string& reason) {
  if (to == MemberStatus::kActive && r.LatestStatus().status == MemberStatus::kApplying) {
    return {MemberStream(r.id), events::MemberAdmitted{r.id, date, replaces}, date};
  }
  return {MemberStream(r.id), events::MemberStatusChanged{r.id, to, date, reason}, date};
}

std::string PadNumber(uint64_t v, size_t width) {
  std::string s = std::to_string(v);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s;
}

}  // namespace

bool ValidEmail(std::string_view e) {
  if (e.empty() || e.size() > kEmailBytesMax) return false;
  const size_t at = e.find('@');
  if (at == 0 || at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view domain = e.substr(at + 1);
  const size_t dot = domain.find('.');
  if (dot == 0 || dot == std::string_view::npos || domain.back() == '.') return false;
  for (unsigned char c : e) {
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';') {
      return false;
    }
  }
  return true;
}

bool ValidMemberNumber(std::string_view n) {
  if (n.empty() || n.size() > 32) return false;
  for (char c : n) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool ValidMemberTypeCode(std::string_view code) {
  if (code.empty() || code.size() > 32) return false;
  for (char c : code) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool ValidPaymentMethod(std::string_view m) { return events::ParsePaymentMethod(m).has_value(); }

Result<Decision> Decide(const TenantModel& m, const DefineMemberType& c, Date today) {
  std::vector<FieldError> errors;
  if (!ValidMemberTypeCode(c.code)) errors.push_back({"code", "1..32 of a-z, 0-9 and _"});
  if (c.name.empty() || c.name.size() > kNameBytesMax) errors.push_back({"name", "1..200 bytes"});
  if (!errors.empty()) return Invalid(std::move(errors));
  events::MemberTypeDefined e{c.code, c.name, c.kind};
  if (auto it = m.member_types.find(c.code); it != m.member_types.end() && it->second == e) {
    return Decision{};
  }
  return Decision{{"membertype-" + c.code, std::move(e), today}};
}

Result<Decision> Decide(const TenantModel& m, const SetFeeSchedule& c, Date today) {
  std::vector<FieldError> errors;
  if (c.fiscal_year < 1900 || c.fiscal_year > 9999) {
    errors.push_back({"fiscal_year", "must be 1900..9999"});
  }
  if (c.fees.empty()) errors.push_back({"fees", "must name at least one member type"});
  for (const auto& [type, amount] : c.fees) {
    if (amount < 0 || amount > kFeeYenMax) {
      errors.push_back({"fees." + type, "must be 0..100000000 yen"});
    }
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  for (const auto& [type, amount] : c.fees) {
    if (!m.member_types.contains(type)) {
      return Status::FailedPrecondition("unknown_member_type", "no member type " + type);
    }
  }
  if (auto it = m.fee_schedules.find(c.fiscal_year);
      it != m.fee_schedules.end() && it->second == c.fees) {
    return Decision{};
  }
  events::FeeScheduleSet e;
  e.fiscal_year = c.fiscal_year;
  e.fees.assign(c.fees.begin(), c.fees.end());  // std::map: sorted by type
  return Decision{{"fees-" + std::to_string(c.fiscal_year), std::move(e), today}};
}

Result<Decision> Decide(const TenantModel& m, const ApplyMember& c, Date today) {
  std::vector<FieldError> errors;
  CheckApplication(c, today, "", &errors);
  if (!errors.empty()) return Invalid(std::move(errors));
  if (!m.member_types.contains(c.member_type)) {
    return Status::FailedPrecondition("unknown_member_type", "no member type " + c.member_type);
  }
  if (m.email_owner.contains(NormalizeEmail(c.email))) {  // M1: whatever the owner's status
    return Status::FailedPrecondition("email_in_use", "this e-mail address is already in use");
  }
  const std::string id = MemberIdFor(m.member_seq + 1);
  events::MemberApplied e{id, c.email, c.member_type, c.applied_on, c.name, c.address,
                          c.affiliation};
  return Decision{{MemberStream(id), std::move(e), c.applied_on}};
}

Result<Decision> Decide(const TenantModel& m, const ChangeStatus& c, Date) {
  if (c.reason.size() > kReasonBytesMax) return Invalid({{"reason", "at most 1000 bytes"}});
  const MemberRecord* r = m.FindMember(c.member_id);
  if (!r) return MemberNotFound(c.member_id);
  bool replaces = false;
  if (Status s = CheckStatusChange(*r, c.status, c.effective_date, true, &replaces); !s.ok()) {
    return s;
  }
  return Decision{StatusEvent(*r, c.status, c.effective_date, replaces, c.reason)};
}

Result<Decision> Decide(const TenantModel& m, const BulkChangeStatus& c, Date) {
  std::vector<FieldError> errors;
  if (c.member_ids.empty() || c.member_ids.size() > kBulkMembersMax) {
    errors.push_back({"member_ids", "1..10000 member ids"});
  }
  if (c.reason.size() > kReasonBytesMax) errors.push_back({"reason", "at most 1000 bytes"});
  std::set<std::string_view> seen;
  for (size_t i = 0; i < c.member_ids.size(); ++i) {
    if (!seen.insert(c.member_ids[i]).second) {
      errors.push_back({"member_ids[" + std::to_string(i) + "]", "appears twice"});
    }
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  // M3: all or nothing. Every target is checked so the answer lists every refusal.
  Decision d;
  Status first;
  for (size_t i = 0; i < c.member_ids.size(); ++i) {
    const std::string field = "member_ids[" + std::to_string(i) + "]";
    const MemberRecord* r = m.FindMember(c.member_ids[i]);
    Status s = r ? Status::Ok() : MemberNotFound(c.member_ids[i]);
    bool replaces = false;
    if (s.ok()) s = CheckStatusChange(*r, c.status, c.effective_date, false, &replaces);
    if (!s.ok()) {
      errors.push_back({field, s.reason() + ": " + s.message()});
      if (first.ok()) first = s;
      continue;
    }
    d.push_back(StatusEvent(*r, c.status, c.effective_date, false, c.reason));
  }
  if (!first.ok()) {
    Status s = first.code() == StatusCode::kNotFound
                   ? Status::NotFound("some members do not exist; nothing was changed")
                   : Status::FailedPrecondition(first.reason(),
                                                "some members cannot take this change; nothing "
                                                "was changed");
    return std::move(s).WithFieldErrors(std::move(errors));
  }
  return d;
}

Result<Decision> Decide(const TenantModel& m, const ChangeMemberType& c, Date today) {
  if (!ValidMemberTypeCode(c.member_type)) {
    return Invalid({{"member_type", "must be a member type code"}});
  }
  const MemberRecord* r = m.FindMember(c.member_id);
  if (!r) return MemberNotFound(c.member_id);
  if (!m.member_types.contains(c.member_type)) {
    return Status::FailedPrecondition("unknown_member_type", "no member type " + c.member_type);
  }
  const events::StatusEntry& latest = r->LatestStatus();
  if (latest.status == MemberStatus::kWithdrawn ||
      latest.status == MemberStatus::kApplicationWithdrawn) {
    // A withdrawal still to come refuses it too: the member's last entry is the leaving.
    return Status::FailedPrecondition("member_withdrawn",
                                      "member " + r->id +
                                          (latest.date > today ? " is to leave on " : " left on ") +
                                          FormatDate(latest.date));
  }
  const events::TypeEntry& latest_type = r->types.back();
  if (latest_type.member_type == c.member_type) return Decision{};
  if (c.effective_date <= latest_type.date) {
    return Status::FailedPrecondition("type_date_conflict",
                                      "the date must be after " + FormatDate(latest_type.date) +
                                          ", the latest member type entry");
  }
  return Decision{{MemberStream(r->id),
                   events::MemberTypeChanged{r->id, c.member_type, c.effective_date},
                   c.effective_date}};
}

Result<Decision> Decide(const TenantModel& m, const AssignMemberNumbers& c, Date today) {
  if (c.automatic == !c.assignments.empty()) {
    return Invalid({{"assignments", "give either assignments or auto: true"}});
  }
  Decision d;
  if (c.automatic) {
    // M5: active members without a number, in admission order.
    std::vector<const MemberRecord*> due;
    for (const auto& [id, r] : m.members) {
      if (r.member_number.empty() && r.admission_seq > 0 &&
          events::StatusOn(r.statuses, today).status == MemberStatus::kActive) {
        due.push_back(&r);
      }
    }
    std::sort(due.begin(), due.end(), [](const MemberRecord* a, const MemberRecord* b) {
      return std::pair(a->admitted_on, a->admission_seq) <
             std::pair(b->admitted_on, b->admission_seq);
    });
    uint64_t next = m.numeric_number_max + 1;
    const size_t width = m.numeric_number_width;
    for (const MemberRecord* r : due) {
      std::string number = PadNumber(next++, width);
      while (m.number_owner.contains(number)) number = PadNumber(next++, width);
      d.push_back({MemberStream(r->id), events::MemberNumberAssigned{r->id, number}, today});
    }
    return d;
  }
  std::vector<FieldError> errors;
  std::set<std::string_view> numbers, ids;
  for (size_t i = 0; i < c.assignments.size(); ++i) {
    const auto& [id, number] = c.assignments[i];
    const std::string field = "assignments[" + std::to_string(i) + "]";
    if (!ValidMemberNumber(number)) errors.push_back({field + ".member_number", "1..32 of A-Z a-z 0-9 - _"});
    if (!numbers.insert(number).second) errors.push_back({field + ".member_number", "appears twice"});
    if (!ids.insert(id).second) errors.push_back({field + ".member_id", "appears twice"});
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  for (const auto& [id, number] : c.assignments) {
    const MemberRecord* r = m.FindMember(id);
    if (!r) return MemberNotFound(id);
    auto owner = m.number_owner.find(number);
    if (owner != m.number_owner.end()) {
      if (owner->second == id && r->member_number == number) continue;  // already so
      return Status::FailedPrecondition("member_number_taken",
                                        "member number " + number + " was already assigned");
    }
    d.push_back({MemberStream(id), events::MemberNumberAssigned{id, number}, today});
  }
  return d;
}

Result<Decision> Decide(const TenantModel& m, const UpdateProfile& c, Date today) {
  const MemberRecord* r = m.FindMember(c.member_id);
  if (!r) return MemberNotFound(c.member_id);
  if (c.actor == Actor::kMember && c.name) {  // M6: a member never changes their name
    return Status::PermissionDenied("members cannot change their name", "field_not_editable")
        .WithFieldErrors({{"name", "is not editable by the member"}});
  }
  std::vector<FieldError> errors;
  if (c.name) CheckName(*c.name, "name", &errors);
  if (c.address) CheckAddress(*c.address, "address", &errors);
  if (c.affiliation && c.affiliation->size() > kAffiliationBytesMax) {
    errors.push_back({"affiliation", "must be at most 500 bytes"});
  }
  if (c.email && !ValidEmail(*c.email)) errors.push_back({"email", "must be an e-mail address"});
  if (c.payment_method && !c.payment_method->empty() && !ValidPaymentMethod(*c.payment_method)) {
    errors.push_back({"payment_method", "must be one of the payment methods"});
  }
  if (!errors.empty()) return Invalid(std::move(errors));

  events::MemberProfileUpdated update;
  update.member_id = r->id;
  const MemberProfile profile = r->Profile();
  if (c.name && *c.name != profile.name) update.name = c.name;
  if (c.address && c.address != profile.address) update.address = c.address;
  if (c.affiliation && *c.affiliation != profile.affiliation) update.affiliation = c.affiliation;
  if (c.payment_method && *c.payment_method != profile.payment_method) {
    update.payment_method = c.payment_method;
  }
  if (c.directory_visible && *c.directory_visible != r->directory_visible) {
    update.directory_visible = c.directory_visible;
  }
  Decision d;
  const bool changed = update.name || update.address || update.affiliation ||
                       update.payment_method || update.directory_visible;
  if (changed) d.push_back({MemberStream(r->id), std::move(update), today});
  if (c.email && *c.email != r->email) {
    auto owner = m.email_owner.find(NormalizeEmail(*c.email));
    if (owner != m.email_owner.end() && owner->second != r->id) {  // M1
      return Status::FailedPrecondition("email_in_use", "this e-mail address is already in use");
    }
    d.push_back({MemberStream(r->id), events::MemberEmailChanged{r->id, *c.email}, today});
  }
  return d;
}

Result<Decision> Decide(const TenantModel& m, const ImportMembers& c, Date today) {
  std::vector<FieldError> errors;
  if (c.members.empty() || c.members.size() > kImportMembersMax) {
    return Invalid({{"members", "1..2000 members per request"}});
  }
  std::set<std::string> emails, numbers;
  for (size_t i = 0; i < c.members.size(); ++i) {
    const ImportedMember& im = c.members[i];
    const std::string prefix = "members[" + std::to_string(i) + "].";
    CheckApplication(im.application, today, prefix, &errors);
    if (im.admitted_on && *im.admitted_on < im.application.applied_on) {
      errors.push_back({prefix + "admitted_on", "must not be before applied_on"});
    }
    if (!im.member_number.empty() && !ValidMemberNumber(im.member_number)) {
      errors.push_back({prefix + "member_number", "1..32 of A-Z a-z 0-9 - _"});
    }
    if (!emails.insert(NormalizeEmail(im.application.email)).second) {
      errors.push_back({prefix + "email", "appears twice in this import"});
    }
    if (!im.member_number.empty() && !numbers.insert(im.member_number).second) {
      errors.push_back({prefix + "member_number", "appears twice in this import"});
    }
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  Status first;
  auto refuse = [&](const std::string& field, Status s) {
    errors.push_back({field, s.message()});
    if (first.ok()) first = std::move(s);
  };
  for (size_t i = 0; i < c.members.size(); ++i) {
    const ImportedMember& im = c.members[i];
    const std::string prefix = "members[" + std::to_string(i) + "].";
    if (!m.member_types.contains(im.application.member_type)) {
      refuse(prefix + "member_type", Status::FailedPrecondition(
                                         "unknown_member_type",
                                         "no member type " + im.application.member_type));
    }
    if (m.email_owner.contains(NormalizeEmail(im.application.email))) {
      refuse(prefix + "email", Status::FailedPrecondition("email_in_use",
                                                          "this e-mail address is already in use"));
    }
    if (!im.member_number.empty() && m.number_owner.contains(im.member_number)) {
      refuse(prefix + "member_number",
             Status::FailedPrecondition("member_number_taken",
                                        "member number " + im.member_number + " was already assigned"));
    }
  }
  if (!first.ok()) {
    return Status::FailedPrecondition(first.reason(), "nothing was imported")
        .WithFieldErrors(std::move(errors));
  }
  Decision d;
  uint64_t seq = m.member_seq;
  for (const ImportedMember& im : c.members) {
    const ApplyMember& a = im.application;
    const std::string id = MemberIdFor(++seq);
    const std::string stream = MemberStream(id);
    d.push_back({stream,
                 events::MemberApplied{id, a.email, a.member_type, a.applied_on, a.name, a.address,
                                       a.affiliation},
                 a.applied_on});
    if (im.admitted_on) {
      d.push_back({stream,
                   events::MemberAdmitted{id, *im.admitted_on, *im.admitted_on == a.applied_on},
                   *im.admitted_on});
    }
    if (!im.member_number.empty()) {
      d.push_back({stream, events::MemberNumberAssigned{id, im.member_number}, today});
    }
  }
  return d;
}

}  // namespace kaiin::commands
