// Account commands: staff accounts, password set and reset, a member's e-mail change confirmed by
// a token (M6). Pure: hashing (argon2id) and token generation happen before decide, in http/; the
// commands get the hash, the token and its hash, and the clock reading.
//
// Rejections: validation_failed (400), invalid_token (400: unknown, used, expired or superseded),
// staff_exists, email_in_use (409), not_found (404).
#pragma once

#include <string>

#include "commands/decision.h"
#include "commands/model.h"

namespace kaiin::commands {

inline constexpr int64_t kTokenLifetimeMicros = 24LL * 3600 * 1000000;  // 24 h

struct CreateStaff {
  std::string login;
  events::StaffRole role = events::StaffRole::kSecretariat;
  std::string password_hash;
};

// The admin sets a staff member's password (staff have no e-mail address to reset by).
struct SetStaffPassword {
  std::string login;
  std::string password_hash;
};

struct RequestPasswordReset {
  std::string email;       // the login; always answered the same way (no enumeration)
  std::string token;       // goes into the outbox link only
  std::string token_hash;
  std::string link_base;   // e.g. "https://kaiin.example/reset"
  TimestampMicros now = 0;
};

struct CompletePasswordReset {
  std::string token_hash;
  std::string password_hash;
  TimestampMicros now = 0;
};

struct RequestEmailChange {
  std::string member_id, new_email, token, token_hash, link_base;
  TimestampMicros now = 0;
};

struct ConfirmEmailChange {
  std::string token_hash;
  TimestampMicros now = 0;
};

Result<Decision> Decide(const TenantModel& m, const CreateStaff& c, Date today);
Result<Decision> Decide(const TenantModel& m, const SetStaffPassword& c, Date today);
// Nothing when no member has that e-mail address.
Result<Decision> Decide(const TenantModel& m, const RequestPasswordReset& c, Date today);
Result<Decision> Decide(const TenantModel& m, const CompletePasswordReset& c, Date today);
Result<Decision> Decide(const TenantModel& m, const RequestEmailChange& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ConfirmEmailChange& c, Date today);

// Staff logins start with a letter and hold [a-z0-9._-], 3..64 (no '@': e-mail addresses are
// member logins).
bool ValidStaffLogin(std::string_view login);
// 8..255 printable ASCII characters.
bool ValidPassword(std::string_view password);

}  // namespace kaiin::commands
