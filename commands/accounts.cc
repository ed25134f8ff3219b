#include "commands/accounts.h"

#include "commands/members.h"
#include "commands/rejections.h"

namespace kaiin::commands {
namespace {

Status InvalidToken() {
  return Status::InvalidArgument("invalid_token",
                                 "the link is unknown, already used, expired or superseded by a "
                                 "newer one");
}

// Usable: known, unused, unexpired, and the newest of its kind for its subject.
Result<const TokenRecord*> UsableToken(const TenantModel& m, const std::string& hash,
                                       TimestampMicros now, bool email_change) {
  auto it = m.tokens.find(hash);
  if (it == m.tokens.end() || it->second.used || now >= it->second.expires_at ||
      it->second.email_change != email_change) {
    return InvalidToken();
  }
  const std::string key = email_change ? "email:" + it->second.subject
                                       : ResetTokenKey(it->second.kind, it->second.subject);
  auto latest = m.latest_token.find(key);
  if (latest == m.latest_token.end() || latest->second != hash) return InvalidToken();
  return &it->second;
}

std::string MessageId(uint64_t seq) { return "msg" + std::to_string(seq); }

// A message to `to` carrying a 24 h link, and its place in the outbox stream.
Emitted OutboxMessage(const TenantModel& m, const std::string& to, const char* purpose,
                      const char* subject, const char* text, const std::string& link,
                      TimestampMicros now, Date today) {
  return {"outbox",
          events::OutboxMessageQueued{MessageId(m.message_seq + 1), to, purpose, subject,
                                      std::string(text) + link, link, now,
                                      now + kTokenLifetimeMicros},
          today, 0};
}

}  // namespace

bool ValidStaffLogin(std::string_view login) {
  if (login.size() < 3 || login.size() > 64 || !(login[0] >= 'a' && login[0] <= 'z')) return false;
  for (char c : login) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool ValidPassword(std::string_view p) {
  if (p.size() < 8 || p.size() > 255) return false;
  for (char c : p) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Result<Decision> Decide(const TenantModel& m, const CreateStaff& c, Date today) {
  if (!ValidStaffLogin(c.login)) {
    return Invalid({{"login", "3..64 of a-z 0-9 . _ -, starting with a letter"}});
  }
  if (c.password_hash.empty()) return Invalid({{"password", "is required"}});
  if (m.staff.contains(c.login)) {
    return Status::FailedPrecondition("staff_exists", "there is already a staff account " + c.login);
  }
  const std::string stream = "staff-" + c.login;
  return Decision{{stream, events::StaffAccountCreated{c.login, c.role}, today, 0},
                  {stream, events::PasswordSet{events::SubjectKind::kStaff, c.login, c.password_hash},
                   today, 0}};
}

Result<Decision> Decide(const TenantModel& m, const SetStaffPassword& c, Date today) {
  if (!m.staff.contains(c.login)) return Status::NotFound("no staff account " + c.login);
  if (c.password_hash.empty()) return Invalid({{"password", "is required"}});
  return Decision{{"staff-" + c.login,
                   events::PasswordSet{events::SubjectKind::kStaff, c.login, c.password_hash},
                   today, 0}};
}

Result<Decision> Decide(const TenantModel& m, const RequestPasswordReset& c, Date today) {
  auto owner = m.email_owner.find(NormalizeEmail(c.email));
  if (owner == m.email_owner.end()) return Decision{};  // answered 202 all the same
  const MemberRecord& r = m.members.at(owner->second.str());
  const TimestampMicros expires = c.now + kTokenLifetimeMicros;
  const std::string link = c.link_base + "?token=" + c.token;
  return Decision{
      {MemberStream(r.id),
       events::PasswordResetIssued{events::SubjectKind::kMember, r.id, c.token_hash, expires},
       today, 0},
      OutboxMessage(m, r.email, "password_reset", "パスワード再設定のご案内 / Password reset",
                    "24時間以内に次のURLからパスワードを設定してください。\n"
                    "Set your password within 24 hours at:\n",
                    link, c.now, today)};
}

Result<Decision> Decide(const TenantModel& m, const CompletePasswordReset& c, Date today) {
  auto token = UsableToken(m, c.token_hash, c.now, /*email_change=*/false);
  if (!token.ok()) return token.status();
  const TokenRecord& t = **token;
  const std::string stream =
      t.kind == events::SubjectKind::kStaff ? "staff-" + t.subject : MemberStream(t.subject);
  return Decision{{stream, events::PasswordSet{t.kind, t.subject, c.password_hash}, today, 0},
                  {stream, events::TokenUsed{c.token_hash}, today, 0}};
}

Result<Decision> Decide(const TenantModel& m, const RequestEmailChange& c, Date today) {
  const MemberRecord* r = m.FindMember(c.member_id);
  if (!r) return Status::NotFound("no member " + c.member_id);
  if (!ValidEmail(c.new_email)) return Invalid({{"email", "must be an e-mail address"}});
  auto owner = m.email_owner.find(NormalizeEmail(c.new_email));
  if (owner != m.email_owner.end() && owner->second != r->id) {  // M1
    return Status::FailedPrecondition("email_in_use", "this e-mail address is already in use");
  }
  const TimestampMicros expires = c.now + kTokenLifetimeMicros;
  const std::string link = c.link_base + "?token=" + c.token;
  return Decision{
      {MemberStream(r->id), events::EmailChangeRequested{r->id, c.new_email, c.token_hash, expires},
       today, 0},
      OutboxMessage(m, c.new_email, "email_change",
                    "メールアドレス変更の確認 / Confirm your new e-mail address",
                    "24時間以内に次のURLで変更を確定してください。\n"
                    "Confirm the change within 24 hours at:\n",
                    link, c.now, today)};
}

Result<Decision> Decide(const TenantModel& m, const ConfirmEmailChange& c, Date today) {
  auto token = UsableToken(m, c.token_hash, c.now, /*email_change=*/true);
  if (!token.ok()) return token.status();
  const TokenRecord& t = **token;
  auto owner = m.email_owner.find(NormalizeEmail(t.new_email));
  if (owner != m.email_owner.end() && owner->second != t.subject) {  // taken meanwhile (M1)
    return Status::FailedPrecondition("email_in_use", "this e-mail address is already in use");
  }
  return Decision{{MemberStream(t.subject), events::MemberEmailChanged{t.subject, t.new_email}, today, 0},
                  {MemberStream(t.subject), events::TokenUsed{c.token_hash}, today, 0}};
}

}  // namespace kaiin::commands
