// Members and configuration endpoints (API.md: Configuration, Members). Commands go through
// Api::RunCommand; queries read the member_view and config projections.
#include <algorithm>
#include <charconv>

#include "commands/accounts.h"
#include "commands/members.h"
#include "events/hash.h"
#include "events/codec.h"
#include "events/event_json.h"
#include "events/json_writer.h"
#include "http/api.h"
#include "http/api_util.h"
#include "http/json_input.h"
#include "http/problem.h"
#include "projections/config.h"
#include "projections/member_view.h"

namespace kaiin::http {
namespace {

using commands::Decision;
using commands::TenantModel;

constexpr size_t kQueryBytesMax = 200;
constexpr size_t kNameFieldBytesMax = 200;
constexpr size_t kHistoryPageMax = 1000;

std::optional<events::PersonName> ReadName(JsonObjectReader& body, bool required) {
  auto o = body.Object("name", required);
  if (!o) return std::nullopt;
  events::PersonName n;
  n.family = o->String("family", true, kNameFieldBytesMax).value_or("");
  n.given = o->String("given", false, kNameFieldBytesMax).value_or("");
  n.family_kana = o->String("family_kana", false, kNameFieldBytesMax).value_or("");
  n.given_kana = o->String("given_kana", false, kNameFieldBytesMax).value_or("");
  n.romaji = o->String("romaji", false, kNameFieldBytesMax).value_or("");
  o->Finish();
  return n;
}

std::optional<events::PostalAddress> ReadAddress(JsonObjectReader& body) {
  auto o = body.Object("address", false);
  if (!o) return std::nullopt;
  events::PostalAddress a;
  a.postal_code = o->String("postal_code", false, 200).value_or("");
  a.prefecture = o->String("prefecture", false, 200).value_or("");
  a.city = o->String("city", false, 200).value_or("");
  a.line1 = o->String("line1", false, 200).value_or("");
  a.line2 = o->String("line2", false, 200).value_or("");
  a.country = o->String("country", false, 200).value_or("");
  o->Finish();
  return a;
}

std::optional<events::MemberStatus> ReadStatus(JsonObjectReader& body, std::vector<FieldError>* e) {
  auto text = body.String("status", true, 64);
  if (!text) return std::nullopt;
  auto status = events::ParseMemberStatus(*text);
  if (!status) e->push_back({"status", "must be one of applying, active, application_withdrawn, "
                                       "on_leave, withdrawn"});
  return status;
}



uint64_t VersionOf(ledger::WriteContext& ctx, const std::string& member_id) {
  Result<uint64_t> v = ctx.StreamVersion(commands::MemberStream(member_id));
  return v.ok() ? *v : 0;
}

void WriteMemberView(const projections::MemberRow& row, Date today, JsonWriter& w) {
  w.BeginObject();
  w.Field("member_id", row.member_id);
  if (row.member_number.empty()) {
    w.Key("member_number").Null();
  } else {
    w.Field("member_number", row.member_number);
  }
  w.Field("email", row.email);
  w.Key("name");
  events::WritePersonName(row.name, &w);
  w.Field("member_type", events::TypeOn(row.types, today).member_type);
  w.Field("status", events::MemberStatusName(events::StatusOn(row.statuses, today).status));
  w.Key("status_history").BeginArray();
  for (size_t i = 0; i < row.statuses.size(); ++i) {
    const auto& s = row.statuses[i];
    if (s.date > today && i > 0) break;
    w.BeginObject().Field("status", events::MemberStatusName(s.status));
    w.Field("effective_date", FormatDate(s.date)).EndObject();
  }
  w.EndArray();
  w.Key("member_type_history").BeginArray();
  for (size_t i = 0; i < row.types.size(); ++i) {
    const auto& t = row.types[i];
    if (t.date > today && i > 0) break;
    w.BeginObject().Field("member_type", t.member_type);
    w.Field("effective_date", FormatDate(t.date)).EndObject();
  }
  w.EndArray();
  // M4: changes dated after today are scheduled; they take effect on their date by themselves.
  w.Key("scheduled_changes").BeginArray();
  for (size_t i = 1; i < row.statuses.size(); ++i) {
    const auto& s = row.statuses[i];
    if (s.date <= today) continue;
    w.BeginObject().Field("kind", "status").Field("status", events::MemberStatusName(s.status));
    w.Field("effective_date", FormatDate(s.date)).EndObject();
  }
  for (size_t i = 1; i < row.types.size(); ++i) {
    const auto& t = row.types[i];
    if (t.date <= today) continue;
    w.BeginObject().Field("kind", "member_type").Field("member_type", t.member_type);
    w.Field("effective_date", FormatDate(t.date)).EndObject();
  }
  w.EndArray();
  w.Field("applied_on", FormatDate(row.applied_on));
  if (row.admitted) {
    w.Field("admitted_on", FormatDate(row.admitted_on));
  } else {
    w.Key("admitted_on").Null();
  }
  w.Key("address");
  if (row.address) {
    events::WritePostalAddress(*row.address, &w);
  } else {
    w.Null();
  }
  w.Field("affiliation", row.affiliation);
  if (row.payment_method.empty()) {
    w.Key("payment_method").Null();
  } else {
    w.Field("payment_method", row.payment_method);
  }
  w.Field("directory_visible", row.directory_visible);
  w.Key("balance").BeginObject().Field("outstanding", row.outstanding);
  w.Field("credit", row.credit).EndObject();
  w.Field("version", row.version);
  w.EndObject();
}

}  // namespace

void Api::AddMemberRoutes() {
  const std::string t = "/v1/tenants/{tenant}";
  Route("PUT", t + "/member-types/{code}", &Api::PutMemberType);
  Route("GET", t + "/member-types", &Api::GetMemberTypes);
  Route("PUT", t + "/fee-schedules/{fiscal_year}", &Api::PutFeeSchedule);
  Route("GET", t + "/fee-schedules/{fiscal_year}", &Api::GetFeeSchedule);
  Route("POST", t + "/members", &Api::PostMember);
  Route("GET", t + "/members", &Api::ListMembers);
  Route("GET", t + "/members/{id}", &Api::GetMember);
  Route("PATCH", t + "/members/{id}", &Api::PatchMember);
  Route("POST", t + "/members/{id}/status-changes", &Api::PostStatusChange);
  Route("POST", t + "/bulk-status-changes", &Api::PostBulkStatusChange);
  Route("POST", t + "/members/{id}/member-type-changes", &Api::PostMemberTypeChange);
  Route("POST", t + "/member-numbers", &Api::PostMemberNumbers);
  Route("GET", t + "/members/{id}/history", &Api::GetMemberHistory);
  Route("GET", t + "/directory", &Api::ListDirectory);
  Route("POST", t + "/member-imports", &Api::PostMemberImport);
  AddBillingRoutes();
}

void Api::PutMemberType(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::DefineMemberType cmd;
  cmd.code = p.at("code");
  cmd.name = (*body)->String("name", true, 200).value_or("");
  std::vector<FieldError> errors;
  if (auto kind = (*body)->String("kind", false, 32)) {
    auto parsed = events::ParseMemberKind(*kind);
    if (!parsed) errors.push_back({"kind", "must be individual or corporate"});
    cmd.kind = parsed.value_or(events::MemberKind::kIndividual);
  }
  if (Status s = FinishBody(**body, std::move(errors)); !s.ok()) return respond(Problem(s));
  auto created = std::make_shared<bool>(false);
  RunCommand(
      t, r,
      [cmd, created](const TenantModel& m, Date today) {
        *created = !m.member_types.contains(cmd.code);
        return commands::Decide(m, cmd, today);
      },
      [cmd, created](const Decision&, const TenantModel&, ledger::WriteContext&) {
        return std::pair(*created ? 201 : 200, JsonObject([&](JsonWriter& w) {
                           w.Field("code", cmd.code).Field("name", cmd.name);
                           w.Field("kind", events::MemberKindName(cmd.kind));
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::GetMemberTypes(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  Query(t, r, std::move(respond), [t]() -> Response {
    auto types = projections::ReadMemberTypes(t->store());
    if (!types.ok()) return Problem(types.status());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& type : *types) {
      w.BeginObject().Field("code", type.code).Field("name", type.name);
      w.Field("kind", events::MemberKindName(type.kind)).EndObject();
    }
    w.EndArray().Key("next_cursor").Null().EndObject();
    return JsonResponse(200, w.Take());
  });
}

namespace {

std::optional<int> ParseFiscalYear(const std::string& text) {
  int fy = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fy);
  if (ec != std::errc() || end != text.data() + text.size() || fy < 1900 || fy > 9999) {
    return std::nullopt;
  }
  return fy;
}

Status BadFiscalYear() {
  return Status::InvalidArgument("validation_failed", "invalid fiscal year",
                                 {{"fiscal_year", "must be a year 1900..9999"}});
}

}  // namespace

void Api::PutFeeSchedule(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto fy = ParseFiscalYear(p.at("fiscal_year"));
  if (!fy) return respond(Problem(BadFiscalYear()));
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  auto fees = (*body)->IntMap("fees", true, 0, 100'000'000);
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  commands::SetFeeSchedule cmd;
  cmd.fiscal_year = *fy;
  for (const auto& [type, amount] : *fees) cmd.fees[type] = amount;
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision&, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("fiscal_year", cmd.fiscal_year);
                           w.Key("fees").BeginObject();
                           for (const auto& [type, amount] : cmd.fees) w.Field(type, amount);
                           w.EndObject();
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::GetFeeSchedule(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  auto fy = ParseFiscalYear(p.at("fiscal_year"));
  if (!fy) return respond(Problem(BadFiscalYear()));
  Query(t, r, std::move(respond), [t, fy = *fy]() -> Response {
    auto fees = projections::ReadFeeSchedule(t->store(), fy);
    if (!fees.ok()) return Problem(fees.status());
    if (!fees->has_value()) {
      return Problem(Status::NotFound("no fee schedule for fiscal year " + std::to_string(fy)));
    }
    return JsonResponse(200, JsonObject([&](JsonWriter& w) {
                          w.Field("fiscal_year", fy);
                          w.Key("fees").BeginObject();
                          for (const auto& [type, amount] : **fees) w.Field(type, amount);
                          w.EndObject();
                        }));
  });
}

void Api::PostMember(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::ApplyMember cmd;
  cmd.email = (*body)->String("email", true, 254).value_or("");
  cmd.member_type = (*body)->String("member_type", true, 32).value_or("");
  cmd.applied_on = (*body)->DateField("applied_on", true).value_or(0);
  cmd.name = ReadName(**body, true).value_or(events::PersonName{});
  cmd.address = ReadAddress(**body);
  cmd.affiliation = (*body)->String("affiliation", false, 500);
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        const auto& applied = std::get<events::MemberApplied>(d.front().event);
        return std::pair(201, JsonObject([&](JsonWriter& w) {
                           w.Field("member_id", applied.member_id).Field("status", "applying");
                           w.Field("version", uint64_t{1});
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::GetMember(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kSelf, respond);
  if (!t) return;
  Query(t, r, std::move(respond), [t, id = p.at("id")]() -> Response {
    projections::MemberRow row;
    Result<bool> found = projections::ReadMember(t->store(), id, &row);
    if (!found.ok()) return Problem(found.status());
    if (!*found) return Problem(Status::NotFound("no member " + id));
    JsonWriter w;
    WriteMemberView(row, t->Today(), w);
    Response res = JsonResponse(200, w.Take());
    res.headers.emplace_back("ETag", "\"" + std::to_string(row.version) + "\"");
    return res;
  });
}

namespace {

// What the member list and the directory read alike from the query string: q, cursor, limit.
void ReadMemberListQuery(const Request& r, projections::MemberQuery* q,
                         std::vector<FieldError>* errors, Status* error) {
  q->q = std::string(r.Query("q").value_or(""));
  if (q->q.size() > kQueryBytesMax) errors->push_back({"q", "at most 200 bytes"});
  q->after = std::string(r.Query("cursor").value_or(""));
  if (q->after.size() > 64) errors->push_back({"cursor", "not a cursor"});
  q->limit = QueryUint(r, "limit", 1000, error).value_or(100);
  if (q->limit == 0) errors->push_back({"limit", "must be 1..1000"});
}

// A page of the member list or the directory, read now: {"items": [...], "next_cursor"}, each
// item written by write(row, today, w).
template <typename WriteItem>
Response MemberPageResponse(Tenant& t, projections::MemberQuery q, WriteItem&& write) {
  q.today = t.Today();
  auto page = projections::ListMembers(t.store(), q);
  if (!page.ok()) return Problem(page.status());
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const auto& row : page->items) write(row, q.today, w);
  w.EndArray();
  if (page->next_after.empty()) {
    w.Key("next_cursor").Null();
  } else {
    w.Field("next_cursor", page->next_after);
  }
  w.EndObject();
  return JsonResponse(200, w.Take());
}

}  // namespace

void Api::ListMembers(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  projections::MemberQuery q;
  std::vector<FieldError> errors;
  Status error;
  ReadMemberListQuery(r, &q, &errors, &error);
  if (!error.ok()) return respond(Problem(error));
  if (auto status = r.Query("status")) {
    q.status = events::ParseMemberStatus(*status);
    if (!q.status) errors.push_back({"status", "not a member status"});
  }
  q.member_type = std::string(r.Query("member_type").value_or(""));
  if (!q.member_type.empty() && !commands::ValidMemberTypeCode(q.member_type)) {
    errors.push_back({"member_type", "not a member type code"});
  }
  if (!errors.empty()) {
    return respond(Problem(Status::InvalidArgument("validation_failed", "invalid query",
                                                   std::move(errors))));
  }
  Query(t, r, std::move(respond), [t, q] { return MemberPageResponse(*t, q, WriteMemberView); });
}

// The members' directory (会員検索): members who chose to be listed, found by name, kana or
// romaji and by affiliation, for any member of the society and its staff. An entry shows what
// a member makes public by being listed — name and affiliation, what the seeds' directory shows
// to all — and nothing else (no e-mail, address, member number, member type, status or balance).
void Api::ListDirectory(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kAnyone, respond);
  if (!t) return;
  projections::MemberQuery q;
  q.directory = true;
  std::vector<FieldError> errors;
  Status error;
  ReadMemberListQuery(r, &q, &errors, &error);
  if (!error.ok()) return respond(Problem(error));
  q.affiliation = std::string(r.Query("affiliation").value_or(""));
  if (q.affiliation.size() > kQueryBytesMax) errors.push_back({"affiliation", "at most 200 bytes"});
  if (!errors.empty()) {
    return respond(Problem(Status::InvalidArgument("validation_failed", "invalid query",
                                                   std::move(errors))));
  }
  Query(t, r, std::move(respond), [t, q] {
    return MemberPageResponse(
        *t, q, [](const projections::MemberRow& row, Date, JsonWriter& w) {
          w.BeginObject().Field("member_id", row.member_id).Key("name");
          events::WritePersonName(row.name, &w);
          w.Field("affiliation", row.affiliation).EndObject();
        });
  });
}

void Api::PatchMember(const Request& r, const Params& p, Responder respond) {
  Principal who;
  Tenant* t = BeginTenant(r, p, Access::kSelfWrite, respond, &who);
  if (!t) return;
  const std::string id = p.at("id");
  std::optional<Expected> expected;
  if (!ReadIfMatch(r, commands::MemberStream(id), &expected, respond)) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::UpdateProfile cmd;
  cmd.member_id = id;
  cmd.actor = who.is_member() ? commands::Actor::kMember : commands::Actor::kSecretariat;
  cmd.name = ReadName(**body, false);
  if ((*body)->Has("address")) cmd.address = ReadAddress(**body);
  cmd.affiliation = (*body)->String("affiliation", false, 500);
  cmd.email = (*body)->String("email", false, 254);
  cmd.payment_method = (*body)->String("payment_method", false, 64);
  cmd.directory_visible = (*body)->Bool("directory_visible", false);
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  if (who.is_member() && cmd.email) {
    // M6: a member's new address counts once confirmed through a 24 h link sent to it.
    commands::RequestEmailChange change;
    change.member_id = id;
    change.new_email = *cmd.email;
    change.token = RandomHex(32);
    change.token_hash = events::HashToHex(events::Sha256(change.token));
    change.link_base = options_.email_change_link_base;
    change.now = Now();
    cmd.email.reset();
    RunCommand(
        t, r,
        [cmd, change](const TenantModel& m, Date today) -> Result<Decision> {
          auto profile = commands::Decide(m, cmd, today);
          if (!profile.ok()) return profile;
          auto requested = commands::Decide(m, change, today);
          if (!requested.ok()) return requested;
          for (auto& e : *requested) profile->push_back(std::move(e));
          return profile;
        },
        [id](const Decision&, const TenantModel&, ledger::WriteContext& ctx) {
          return std::pair(202, JsonObject([&](JsonWriter& w) {
                             w.Field("member_id", id).Field("email_change", "pending_confirmation");
                             w.Field("version", VersionOf(ctx, id));
                           }));
        },
        std::move(expected), std::move(respond));
    return;
  }
  RunCommand(
      t, r, Decider(cmd),
      [id](const Decision& d, const TenantModel&, ledger::WriteContext& ctx) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("member_id", id).Field("changed", d.size() > 0);
                           w.Field("version", VersionOf(ctx, id));
                         }));
      },
      std::move(expected), std::move(respond));
}

void Api::PostStatusChange(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  const std::string id = p.at("id");
  std::optional<Expected> expected;
  if (!ReadIfMatch(r, commands::MemberStream(id), &expected, respond)) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  std::vector<FieldError> errors;
  commands::ChangeStatus cmd;
  cmd.member_id = id;
  cmd.status = ReadStatus(**body, &errors).value_or(events::MemberStatus::kActive);
  cmd.effective_date = (*body)->DateField("effective_date", true).value_or(0);
  cmd.reason = (*body)->String("reason", false, 1000).value_or("");
  if (Status s = FinishBody(**body, std::move(errors)); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision&, const TenantModel& m, ledger::WriteContext& ctx) {
        (void)m;
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("member_id", cmd.member_id);
                           w.Field("status", events::MemberStatusName(cmd.status));
                           w.Field("effective_date", FormatDate(cmd.effective_date));
                           w.Field("version", VersionOf(ctx, cmd.member_id));
                         }));
      },
      std::move(expected), std::move(respond));
}

void Api::PostBulkStatusChange(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  std::vector<FieldError> errors;
  commands::BulkChangeStatus cmd;
  cmd.member_ids = (*body)->StringArray("member_ids", true, commands::kBulkMembersMax, 64)
                       .value_or(std::vector<std::string>{});
  cmd.status = ReadStatus(**body, &errors).value_or(events::MemberStatus::kActive);
  cmd.effective_date = (*body)->DateField("effective_date", true).value_or(0);
  cmd.reason = (*body)->String("reason", false, 1000).value_or("");
  if (Status s = FinishBody(**body, std::move(errors)); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("changed", static_cast<uint64_t>(d.size()));
                           w.Field("status", events::MemberStatusName(cmd.status));
                           w.Field("effective_date", FormatDate(cmd.effective_date));
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostMemberTypeChange(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  const std::string id = p.at("id");
  std::optional<Expected> expected;
  if (!ReadIfMatch(r, commands::MemberStream(id), &expected, respond)) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::ChangeMemberType cmd;
  cmd.member_id = id;
  cmd.member_type = (*body)->String("member_type", true, 32).value_or("");
  cmd.effective_date = (*body)->DateField("effective_date", true).value_or(0);
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision&, const TenantModel&, ledger::WriteContext& ctx) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("member_id", cmd.member_id).Field("member_type", cmd.member_type);
                           w.Field("effective_date", FormatDate(cmd.effective_date));
                           w.Field("version", VersionOf(ctx, cmd.member_id));
                         }));
      },
      std::move(expected), std::move(respond));
}

void Api::PostMemberNumbers(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::AssignMemberNumbers cmd;
  cmd.automatic = (*body)->Bool("auto", false).value_or(false);
  if (auto items = (*body)->ObjectArray("assignments", false, commands::kBulkMembersMax)) {
    for (auto& item : *items) {
      cmd.assignments.emplace_back(item->String("member_id", true, 64).value_or(""),
                                   item->String("member_number", true, 32).value_or(""));
      item->Finish();
    }
  }
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Key("assigned").BeginArray();
                           for (const auto& e : d) {
                             const auto& a = std::get<events::MemberNumberAssigned>(e.event);
                             w.BeginObject().Field("member_id", a.member_id);
                             w.Field("member_number", a.member_number).EndObject();
                           }
                           w.EndArray();
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::GetMemberHistory(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  Status error;
  const uint64_t after = QueryUint(r, "cursor", ~uint64_t{0} - 1, &error).value_or(0);
  if (!error.ok()) return respond(Problem(error));
  // The member's own stream, straight from the log: the auditors' record of what happened.
  std::vector<events::RecordedEvent> records;
  const std::string id = p.at("id");
  if (Status s = t->log().ReadStream(commands::MemberStream(id), after + 1, kHistoryPageMax,
                                     &records);
      !s.ok()) {
    return respond(Problem(s));
  }
  if (records.empty() && after == 0) return respond(Problem(Status::NotFound("no member " + id)));
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  uint64_t last_version = after;
  for (const auto& rec : records) {
    events::Envelope env;
    if (Status s = events::DecodeEnvelope(rec.bytes, &env); !s.ok()) return respond(Problem(s));
    events::WriteEnvelopeJson(env, events::Sha256(rec.bytes), &w);
    last_version = env.meta.version;
  }
  w.EndArray();
  if (records.size() == kHistoryPageMax) {
    w.Field("next_cursor", std::to_string(last_version));
  } else {
    w.Key("next_cursor").Null();
  }
  w.EndObject();
  respond(JsonResponse(200, w.Take()));
}

void Api::PostMemberImport(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::ImportMembers cmd;
  if (auto items = (*body)->ObjectArray("members", true, commands::kImportMembersMax)) {
    for (auto& item : *items) {
      commands::ImportedMember im;
      im.application.email = item->String("email", true, 254).value_or("");
      im.application.member_type = item->String("member_type", true, 32).value_or("");
      im.application.applied_on = item->DateField("applied_on", true).value_or(0);
      im.application.name = ReadName(*item, true).value_or(events::PersonName{});
      im.application.address = ReadAddress(*item);
      im.application.affiliation = item->String("affiliation", false, 500);
      im.admitted_on = item->DateField("admitted_on", false);
      im.member_number = item->String("member_number", false, 32).value_or("");
      item->Finish();
      cmd.members.push_back(std::move(im));
    }
  }
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        return std::pair(201, JsonObject([&](JsonWriter& w) {
                           w.Key("member_ids").BeginArray();
                           for (const auto& e : d) {
                             if (const auto* a = std::get_if<events::MemberApplied>(&e.event)) {
                               w.String(a->member_id);
                             }
                           }
                           w.EndArray();
                         }));
      },
      std::nullopt, std::move(respond));
}

}  // namespace kaiin::http
