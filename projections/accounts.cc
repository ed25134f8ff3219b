// accounts rows:
//   "a/" kind ":" subject     -> Account (kind "staff" or "member")
//   "l/" login               -> kind ":" subject   (staff login, lower-cased e-mail, member number)
#include "projections/accounts.h"

#include "events/text.h"
#include "projections/row_codec.h"

namespace kaiin::projections {
namespace {

std::string Key(events::SubjectKind kind, std::string_view subject) {
  return std::string(kind == events::SubjectKind::kStaff ? "staff:" : "member:") +
         std::string(subject);
}

std::string Encode(const Account& a) {
  return RowWriter().U64(static_cast<uint64_t>(a.kind)).Str(a.subject)
      .U64(static_cast<uint64_t>(a.role)).Str(a.email).Str(a.member_number).Str(a.password_hash)
      .Take();
}

bool Decode(std::string_view b, Account* a) {
  RowReader r(b);
  uint64_t kind = 0, role = 0;
  if (!(r.U64(&kind) && kind <= 1 && r.Str(&a->subject) && r.U64(&role) && role <= 1 &&
        r.Str(&a->email) && r.Str(&a->member_number) && r.Str(&a->password_hash) && r.done())) {
    return false;
  }
  a->kind = static_cast<events::SubjectKind>(kind);
  a->role = static_cast<events::StaffRole>(role);
  return true;
}

Status Edit(Rows& rows, const std::string& key, const std::function<void(Account&)>& fn) {
  std::string bytes;
  Result<bool> found = rows.Get("a/" + key, &bytes);
  if (!found.ok()) return found.status();
  Account a;
  if (!*found || !Decode(bytes, &a)) return Status::Ok();  // not an account we know
  fn(a);
  rows.Put("a/" + key, Encode(a));
  return Status::Ok();
}

}  // namespace

Status AccountsProjection::Apply(const events::Envelope& env, Rows& rows) {
  return std::visit(
      [&](const auto& e) -> Status {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, events::StaffAccountCreated>) {
          Account a;
          a.kind = events::SubjectKind::kStaff;
          a.subject = e.login;
          a.role = e.role;
          const std::string key = Key(a.kind, e.login);
          rows.Put("a/" + key, Encode(a));
          rows.Put("l/" + e.login, key);
        } else if constexpr (std::is_same_v<T, events::MemberApplied>) {
          Account a;
          a.subject = e.member_id;
          a.email = e.email;
          const std::string key = Key(a.kind, e.member_id);
          rows.Put("a/" + key, Encode(a));
          rows.Put("l/" + AsciiLower(e.email), key);
        } else if constexpr (std::is_same_v<T, events::MemberEmailChanged>) {
          const std::string key = Key(events::SubjectKind::kMember, e.member_id);
          return Edit(rows, key, [&](Account& a) {
            rows.Delete("l/" + AsciiLower(a.email));
            a.email = e.email;
            rows.Put("l/" + AsciiLower(e.email), key);
          });
        } else if constexpr (std::is_same_v<T, events::MemberNumberAssigned>) {
          const std::string key = Key(events::SubjectKind::kMember, e.member_id);
          return Edit(rows, key, [&](Account& a) {
            if (!a.member_number.empty()) rows.Delete("l/" + a.member_number);
            a.member_number = e.member_number;
            rows.Put("l/" + e.member_number, key);
          });
        } else if constexpr (std::is_same_v<T, events::PasswordSet>) {
          return Edit(rows, Key(e.subject_kind, e.subject),
                      [&](Account& a) { a.password_hash = e.password_hash; });
        }
        return Status::Ok();
      },
      env.event);
}

Result<bool> FindAccount(const ProjectionStore& store, std::string_view login, Account* account) {
  // Staff logins are lower case; e-mail addresses compare in any case; member numbers as given.
  for (const std::string& candidate : {AsciiLower(login), std::string(login)}) {
    std::string key;
    Result<bool> found = store.Get(AccountsProjection::kName, "l/" + candidate, &key);
    if (!found.ok()) return found.status();
    if (!*found) continue;
    std::string bytes;
    found = store.Get(AccountsProjection::kName, "a/" + key, &bytes);
    if (!found.ok()) return found.status();
    if (!*found || !Decode(bytes, account)) return Status::Corruption("account row unreadable");
    return true;
  }
  return false;
}

}  // namespace kaiin::projections
