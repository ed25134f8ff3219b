// Accounts and sessions (API.md: Platform; DESIGN.md §6): staff accounts, login (staff login,
// member number or e-mail), logout, the password reset flow through the outbox, a member's
// e-mail change confirmation, and what the secretariat can see of it (outbox, login locks).
//
// Passwords are hashed and checked with argon2id on a worker pool, never on an I/O thread or the
// tenant's writer thread. Nothing here logs a password or a token.
#include <sodium.h>

#include "commands/accounts.h"
#include "events/hash.h"
#include "events/json_writer.h"
#include "events/text.h"
#include "http/api.h"
#include "http/api_util.h"
#include "http/json_input.h"
#include "http/problem.h"
#include "projections/accounts.h"
#include "projections/outbox.h"

namespace kaiin::http {
namespace {

using commands::Decision;
using commands::TenantModel;

std::string TokenHash(std::string_view token) {
  return events::HashToHex(events::Sha256(token));
}

Status BadPassword() {
  return Status::InvalidArgument("validation_failed", "the password does not follow the policy",
                                 {{"password", "8 to 255 printable ASCII characters"}});
}

// A hash to verify against when the login does not exist, so that an unknown login costs the
// same time as a wrong password (no account enumeration by timing).
const std::string& DummyHash(bool strict) {
  static const std::string strict_hash = HashPassword("not-a-password-of-anyone", true);
  static const std::string quick_hash = HashPassword("not-a-password-of-anyone", false);
  return strict ? strict_hash : quick_hash;
}

Response TooManyAttempts(const Status& s, int64_t retry_after) {
  Response res = Problem(s);
  res.headers.emplace_back("Retry-After", std::to_string(retry_after));
  return res;
}

}  // namespace

void Api::WithPasswordHash(std::string password, Responder& respond,
                           std::function<void(std::string hash)> then) {
  const bool strict = options_.strict_password_hashing;
  const bool posted = hashers_.Post([password = std::move(password), strict, then = std::move(then)] {
    then(HashPassword(password, strict));
  });
  if (!posted) respond(Problem(Status::Unavailable("overloaded", "too many password operations")));
}

void Api::AddAuthRoutes() {
  const std::string t = "/v1/tenants/{tenant}";
  Route("POST", t + "/staff", &Api::PostStaff);
  Route("PUT", t + "/staff/{login}/password", &Api::PutStaffPassword);
  Route("POST", t + "/sessions", &Api::PostSession);
  Route("DELETE", t + "/sessions/current", &Api::DeleteSession);
  Route("POST", t + "/password-resets", &Api::PostPasswordReset);
  Route("PUT", t + "/password-resets/{token}", &Api::PutPasswordReset);
  Route("PUT", t + "/email-changes/{token}", &Api::PutEmailChange);
  Route("GET", t + "/outbox", &Api::GetOutbox);
  Route("GET", t + "/login-locks", &Api::GetLoginLocks);
}

void Api::PostStaff(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kAdmin, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  std::vector<FieldError> errors;
  commands::CreateStaff cmd;
  cmd.login = (*body)->String("login", true, 64).value_or("");
  const std::string password = (*body)->String("password", true, 255).value_or("");
  if (auto role = (*body)->String("role", true, 32)) {
    auto parsed = events::ParseStaffRole(*role);
    if (!parsed) errors.push_back({"role", "secretariat or auditor"});
    cmd.role = parsed.value_or(events::StaffRole::kSecretariat);
  }
  if (!commands::ValidPassword(password)) errors.push_back({"password", "8 to 255 printable ASCII characters"});
  if (Status s = FinishBody(**body, std::move(errors)); !s.ok()) return respond(Problem(s));
  WithPasswordHash(password, respond, [this, t, cmd, request = r, respond](std::string hash) mutable {
    cmd.password_hash = std::move(hash);
    RunCommand(
        t, request, Decider(cmd),
        [cmd](const Decision&, const TenantModel&, ledger::WriteContext&) {
          return std::pair(201, JsonObject([&](JsonWriter& w) {
                             w.Field("login", cmd.login).Field("role", events::StaffRoleName(cmd.role));
                           }));
        },
        std::nullopt, std::move(respond));
  });
}

void Api::PutStaffPassword(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kAdmin, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const std::string password = (*body)->String("password", true, 255).value_or("");
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  if (!commands::ValidPassword(password)) return respond(Problem(BadPassword()));
  commands::SetStaffPassword cmd{p.at("login"), ""};
  WithPasswordHash(password, respond, [this, t, cmd, request = r, respond](std::string hash) mutable {
    cmd.password_hash = std::move(hash);
    RunCommand(
        t, request, Decider(cmd),
        [](const Decision&, const TenantModel&, ledger::WriteContext&) {
          return std::pair(204, std::string("{}"));
        },
        std::nullopt, [this, t, login = cmd.login, respond](Response res) {
          if (res.status == 204) sessions_.RemoveSubject(t->id(), login);  // sign them out
          respond(std::move(res));
        });
  });
}

std::string Api::ClientAddress(const Request& r) const {
  std::string forwarded;  // every X-Forwarded-For line, in order, as one list
  if (!options_.trusted_proxies.empty()) {
    for (const auto& [name, value] : r.headers) {
      if (name != "x-forwarded-for") continue;
      if (!forwarded.empty()) forwarded += ',';
      forwarded += value;
    }
  }
  return options_.trusted_proxies.ClientAddress(r.remote, forwarded);
}

void Api::PostSession(const Request& r, const Params& p, Responder respond) {
  Tenant* t = RequireTenant(p, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const std::string login = (*body)->String("login", true, 254).value_or("");
  const std::string password = (*body)->String("password", true, 255).value_or("");
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  const std::string login_key = t->id() + "|login:" + AsciiLower(login);
  // No peer address (a request not from a socket): counted per login only. Behind a trusted
  // proxy, the client it names (docs/security.md).
  const std::string client = ClientAddress(r);
  const std::string address_key = client.empty() ? login_key : t->id() + "|address:" + client;
  for (const std::string* key : {&login_key, &address_key}) {
    int64_t retry_after = 0;
    if (Status s = throttle_.Check(*key, Now(), &retry_after); !s.ok()) {
      return respond(TooManyAttempts(s, retry_after));
    }
  }
  // The login sees every account change committed before it (read-your-writes, bounded wait).
  const bool strict = options_.strict_password_hashing;
  auto attempt = [this, t, login, password, strict, login_key, address_key,
                  respond](bool reached) {
    if (!reached) {
      return respond(Problem(503, "projection_lagging", "accounts are not up to date; retry"));
    }
    projections::Account account;
    Result<bool> found = projections::FindAccount(t->store(), login, &account);
    if (!found.ok()) return respond(Problem(found.status()));
    const bool posted = hashers_.Post([this, t, account, known = *found, password, strict, login_key,
                                       address_key, respond]() {
      const std::string& hash =
          known && !account.password_hash.empty() ? account.password_hash : DummyHash(strict);
      const bool ok = VerifyPassword(hash, password) && known && !account.password_hash.empty();
      const TimestampMicros now = Now();
      if (!ok) {
        throttle_.Failure(login_key, now);
        if (address_key != login_key) throttle_.Failure(address_key, now);
        respond(Problem(Status::Unauthenticated("the login or the password is wrong",
                                                "invalid_credentials")));
        return;
      }
      throttle_.Success(login_key);
      Principal who;
      who.kind = account.kind == events::SubjectKind::kStaff ? Principal::Kind::kStaff
                                                             : Principal::Kind::kMember;
      who.tenant = t->id();
      who.subject = account.subject;
      who.role = account.role;
      TimestampMicros expires = 0;
      const std::string token = sessions_.Create(who, now, &expires);
      respond(JsonResponse(201, JsonObject([&](JsonWriter& w) {
                             w.Field("token", token).Field("expires_at", FormatTimestamp(expires));
                             w.Field("role", who.is_member() ? std::string_view("member")
                                                             : events::StaffRoleName(who.role));
                             if (who.is_member()) w.Field("member_id", who.subject);
                           })));
    });
    if (!posted) respond(Problem(Status::Unavailable("overloaded", "too many logins at once")));
  };
  const uint64_t head = t->log().Head();
  if (t->runtime().Position() >= head) return attempt(true);
  t->runtime().WhenReached(head, std::chrono::steady_clock::now() + options_.min_position_wait,
                           std::move(attempt));
}

void Api::DeleteSession(const Request& r, const Params& p, Responder respond) {
  Principal who;
  Tenant* t = BeginTenant(r, p, Access::kAnyone, respond, &who);
  if (!t) return;
  if (!who.token_hash.empty()) sessions_.Remove(who.token_hash);
  Response res;
  res.status = 204;
  respond(std::move(res));
}

void Api::PostPasswordReset(const Request& r, const Params& p, Responder respond) {
  Tenant* t = RequireTenant(p, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::RequestPasswordReset cmd;
  cmd.email = (*body)->String("email", true, 254).value_or("");
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  cmd.token = RandomHex(32);
  cmd.token_hash = TokenHash(cmd.token);
  cmd.link_base = options_.reset_link_base;
  cmd.now = Now();
  // 202 whatever happened, with the same body: whether the address belongs to anyone is not told.
  RunCommand(
      t, r, Decider(cmd),
      [](const Decision&, const TenantModel&, ledger::WriteContext&) {
        return std::pair(202, std::string("{}"));
      },
      std::nullopt, [respond](Response) {
        respond(JsonResponse(202, R"({"status":"accepted"})"));
      });
}

void Api::PutPasswordReset(const Request& r, const Params& p, Responder respond) {
  Tenant* t = RequireTenant(p, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const std::string password = (*body)->String("password", true, 255).value_or("");
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  if (!commands::ValidPassword(password)) return respond(Problem(BadPassword()));
  commands::CompletePasswordReset cmd;
  cmd.token_hash = TokenHash(p.at("token"));
  cmd.now = Now();
  WithPasswordHash(password, respond, [this, t, cmd, request = r, respond](std::string hash) mutable {
    cmd.password_hash = std::move(hash);
    auto subject = std::make_shared<std::string>();
    RunCommand(
        t, request,
        [cmd, subject](const TenantModel& m, Date today) {
          auto it = m.tokens.find(cmd.token_hash);
          if (it != m.tokens.end()) *subject = it->second.subject;
          return commands::Decide(m, cmd, today);
        },
        [](const Decision&, const TenantModel&, ledger::WriteContext&) {
          return std::pair(204, std::string("{}"));
        },
        std::nullopt, [this, t, subject, respond](Response res) {
          // A new password ends the subject's other sessions.
          if (res.status == 204) sessions_.RemoveSubject(t->id(), *subject);
          respond(std::move(res));
        });
  });
}

void Api::PutEmailChange(const Request& r, const Params& p, Responder respond) {
  Tenant* t = RequireTenant(p, respond);
  if (!t) return;
  commands::ConfirmEmailChange cmd;
  cmd.token_hash = TokenHash(p.at("token"));
  cmd.now = Now();
  RunCommand(
      t, r, Decider(cmd),
      [](const Decision&, const TenantModel&, ledger::WriteContext&) {
        return std::pair(204, std::string("{}"));
      },
      std::nullopt, std::move(respond));
}

void Api::GetOutbox(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  Status error;
  const size_t limit = QueryPageLimit(r, &error);
  if (!error.ok()) return respond(Problem(error));
  const std::string to(r.Query("to").value_or("")), purpose(r.Query("purpose").value_or(""));
  const std::string after(r.Query("cursor").value_or(""));
  if (!after.empty() && (!after.starts_with("msg") || after.size() < 4)) {
    return respond(Problem(Status::InvalidArgument("validation_failed", "invalid cursor",
                                                   {{"cursor", "a message id"}})));
  }
  Query(t, r, std::move(respond), [t, to, purpose, after, limit]() -> Response {
    auto messages = projections::ReadOutbox(t->store(), to, purpose, after, limit + 1);
    if (!messages.ok()) return Problem(messages.status());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (size_t i = 0; i < std::min(limit, messages->size()); ++i) {
      const auto& m = (*messages)[i];
      w.BeginObject().Field("message_id", m.message_id).Field("to", m.to);
      w.Field("purpose", m.purpose).Field("subject", m.subject).Field("body", m.body);
      w.Field("link", m.link).Field("created_at", FormatTimestamp(m.created_at));
      w.Field("expires_at", FormatTimestamp(m.expires_at)).EndObject();
    }
    w.EndArray();
    if (messages->size() > limit) {
      w.Field("next_cursor", (*messages)[limit - 1].message_id);
    } else {
      w.Key("next_cursor").Null();
    }
    w.EndObject();
    return JsonResponse(200, w.Take());
  });
}

void Api::GetLoginLocks(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const auto& lock : throttle_.Waiting(t->id() + "|", Now())) {
    const std::string key = lock.key.substr(t->id().size() + 1);
    const size_t colon = key.find(':');
    w.BeginObject().Field("kind", key.substr(0, colon)).Field("value", key.substr(colon + 1));
    w.Field("failures", static_cast<uint64_t>(lock.failures));
    w.Field("until", FormatTimestamp(lock.until)).EndObject();
  }
  w.EndArray().Key("next_cursor").Null().EndObject();
  respond(JsonResponse(200, w.Take()));
}

}  // namespace kaiin::http
