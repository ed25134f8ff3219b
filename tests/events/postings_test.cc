#include "events/postings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kaiin::events {
namespace {

// MemberAccountOf answers from the account's text alone what comparing it with the member's
// accounts built by name (ReceivableAccount, CreditAccount) answers.
TEST(PostingsTest, MemberAccountOfKnowsAMembersOwnAccountsAndNoOthers) {
  const std::string m = "m000000012";
  EXPECT_EQ(MemberAccountOf(ReceivableAccount(m, "inv-1"), m), MemberAccount::kReceivable);
  EXPECT_EQ(MemberAccountOf(CreditAccount(m), m), MemberAccount::kCredit);
  // Another member's, even one whose id begins with this one's or is its beginning.
  for (const std::string other : {"m0000000123", "m00000001", "m000000013", ""}) {
    EXPECT_EQ(MemberAccountOf(ReceivableAccount(other, "inv-1"), m), MemberAccount::kNone) << other;
    EXPECT_EQ(MemberAccountOf(CreditAccount(other), m), MemberAccount::kNone) << other;
  }
  // The society's accounts, and names that only look alike.
  const std::vector<std::string> look_alikes = {
      "revenue:2026:annual", "adjustment:2026", "cash:bank_transfer", "receivable",
      "receivable:" + m, "receivables:" + m + ":inv-1", "credit", "credit:", "credits:" + m,
      "credit:" + m + ":x", "credit:" + m + "0", ""};
  for (const std::string& account : look_alikes) {
    EXPECT_EQ(MemberAccountOf(account, m), MemberAccount::kNone) << account;
  }
  // The postings of a payment allocated to an invoice: the member's own are those whose names
  // ReceivableAccount and CreditAccount build.
  const Event allocated = PaymentAllocated{.payment_id = "p1", .member_id = m,
                                           .invoice_id = "inv-1", .fiscal_year = 2026,
                                           .amount = 5000};
  int own = 0;
  for (const Posting& p : PostingsFor(allocated)) {
    const bool built = p.account == CreditAccount(m) ||
                       p.account.starts_with("receivable:" + m + ":");
    EXPECT_EQ(MemberAccountOf(p.account, m) != MemberAccount::kNone, built) << p.account;
    own += built;
  }
  EXPECT_EQ(own, 2);  // the credit it leaves, the receivable it settles
}

}  // namespace
}  // namespace kaiin::events
