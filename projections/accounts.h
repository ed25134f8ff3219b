// The accounts projection: who can log in with what. Logins are a staff login, a member's e-mail
// address (any case) or member number (seed: ログインID = 会員番号またはメールアドレス). Holds the
// argon2id hashes, which are read only to verify a login and never shown.
#pragma once

#include <string>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

struct Account {
  events::SubjectKind kind = events::SubjectKind::kMember;
  std::string subject;  // staff login or member id
  events::StaffRole role = events::StaffRole::kSecretariat;  // staff only
  std::string email, member_number;                         // members only
  std::string password_hash;                                // empty: no password set yet
};

class AccountsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "accounts";
  std::string_view Name() const override { return kName; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

// Finds the account for a login: a staff login first, then an e-mail address, then a member
// number. False when there is none.
Result<bool> FindAccount(const ProjectionStore& store, std::string_view login, Account* account);

}  // namespace kaiin::projections
