// The double-entry postings of each money event (L1). A pure function of the event alone, so
// that the write model, every projection and the auditor's verifier agree on the ledger without
// sharing state. Lives in events/ (not commands/, as DESIGN.md §4 first had it) because the
// projections, which depend on events/ only, need it too.
//
// Accounts: receivable:<member>:<invoice>  (debit-normal)
//           credit:<member>                (credit-normal: money held for the member)
//           revenue:<fy>:<category>        (credit-normal)
//           adjustment:<fy>                (debit-normal: reductions granted)
//           cash:<method>                  (debit-normal)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "events/event.h"

namespace kaiin::events {

struct Posting {
  std::string account;
  int64_t debit = 0;
  int64_t credit = 0;
  bool operator==(const Posting&) const = default;
};

// Empty for events that move no money. Every non-empty result balances: the debits equal the
// credits. Zero-yen entries are left out.
std::vector<Posting> PostingsFor(const Event& event);

std::string ReceivableAccount(std::string_view member_id, std::string_view invoice_id);
// L3: "cancelled", "no_payment_required" (amount 0), "paid", "partially_paid" or "unpaid".
std::string_view DeriveInvoiceStatus(int64_t amount, int64_t allocated, bool cancelled);
std::string CreditAccount(std::string_view member_id);
// The account a society-wide total adds `account` into: "receivable" for every
// receivable:<member>:<invoice>, "credit" for every credit:<member>, the account itself for
// revenue, adjustment and cash accounts (a few per fiscal year and payment method).
std::string_view AccountKind(std::string_view account);

// Which of the member's own accounts `account` is, if it is one: its receivable for an invoice
// (receivable:<member>:<invoice>) or its credit (credit:<member>). Tells without building the
// accounts' names (the member view and ledger ask it for every posting they read).
enum class MemberAccount { kNone, kReceivable, kCredit };
MemberAccount MemberAccountOf(std::string_view account, std::string_view member_id);

}  // namespace kaiin::events
