// Property test (L1–L3): after any sequence of valid and invalid billing commands, total debits
// equal total credits, no receivable or credit is below 0, every issued invoice's receivable is
// its outstanding amount, and a refused command changed nothing.
#include <gtest/gtest.h>

#include <random>

#include "commands/model_codec.h"
#include "tests/commands/billing_fixture.h"

namespace kaiin::commands {
namespace {

class BillingProperty : public BillingFixture, public ::testing::WithParamInterface<uint32_t> {
 protected:
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }
  int64_t Yen(int64_t max) { return std::uniform_int_distribution<int64_t>(-500, max)(rng_); }
  bool Coin() { return std::uniform_int_distribution<int>(0, 1)(rng_) == 1; }

  std::vector<std::string> Ids(const auto& map) {
    std::vector<std::string> ids;
    for (const auto& [id, _] : map) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    ids.push_back("x-unknown");  // invalid on purpose now and then
    return ids;
  }

  // One random command; returns whether it was accepted.
  bool Step() {
    const auto members = Ids(model_.members);
    const auto invoices = Ids(model_.invoices);
    const auto payments = Ids(model_.payments);
    const auto batches = Ids(model_.batches);
    const events::PaymentMethod methods[] = {events::PaymentMethod::kBankTransfer,
                                             events::PaymentMethod::kBankCheck,
                                             events::PaymentMethod::kCreditCard,
                                             events::PaymentMethod::kCash};
    switch (std::uniform_int_distribution<int>(0, 9)(rng_)) {
      case 0: {
        CreateInvoiceBatch c;
        c.fiscal_year = Coin() ? 2025 : 2026;
        c.category = Coin() ? events::InvoiceCategory::kAnnual : events::InvoiceCategory::kOther;
        c.title = "t";
        c.issue_date = D("2026-04-01");
        c.due_date = D("2026-05-01");
        if (Coin()) c.member_ids = std::vector<std::string>{Pick(members)};
        if (c.category == events::InvoiceCategory::kOther) c.amount = Yen(20000);
        return RunBatch(c).ok();
      }
      case 1: return Run(ConfirmBatch{Pick(batches)}).ok();
      case 2: {
        RecordPayment p;
        p.member_id = Pick(members);
        p.amount = Yen(40000);
        p.method = methods[std::uniform_int_distribution<int>(0, 3)(rng_)];
        p.received_on = D("2026-05-01");
        const int mode = std::uniform_int_distribution<int>(0, 2)(rng_);
        p.mode = mode == 0 ? AllocationMode::kExplicit
                           : (mode == 1 ? AllocationMode::kOldestFirst : AllocationMode::kNone);
        if (p.mode == AllocationMode::kExplicit) p.allocations = {{Pick(invoices), Yen(20000)}};
        return Run(p).ok();
      }
      case 3: return Run(ReversePayment{Pick(payments), ""}).ok();
      case 4: return Run(ReallocatePayment{Pick(payments), {{Pick(invoices), Yen(20000)}}, ""}).ok();
      case 5: return Run(ApplyCredit{Pick(members), Pick(invoices), Yen(10000)}).ok();
      case 6: return Run(AdjustInvoice{Pick(invoices), Yen(6000) - 3000, ""}).ok();
      case 7: return Run(CancelInvoices{{Pick(invoices)}, ""}).ok();
      case 8: {
        return Run(SetMemberAdjustment{Pick(members), Coin() ? events::AdjustmentKind::kOneTime
                                                              : events::AdjustmentKind::kPermanent,
                                       Yen(4000) - 2000, ""})
            .ok();
      }
      default: return Run(ChangeInvoiceTitle{Pick(invoices), Coin() ? "new" : ""}).ok();
    }
  }

  std::mt19937 rng_;
};

TEST_P(BillingProperty, LedgerInvariantsHoldAfterEveryCommand) {
  rng_.seed(GetParam());
  for (int i = 0; i < 5; ++i) {
    Member("m" + std::to_string(i) + "@example.jp", i % 2 ? "student" : "regular");
  }
  int accepted = 0, refused = 0;
  for (int step = 0; step < 600; ++step) {
    const uint64_t before = position_;
    if (Step()) {
      ++accepted;
    } else {
      ++refused;
      ASSERT_EQ(position_, before) << "a refused command wrote events";
    }
    ExpectLedgerInvariants();
    if (HasFailure()) {
      FAIL() << "seed " << GetParam() << ", step " << step;
    }
  }
  // The sequence must have exercised both sides.
  EXPECT_GT(accepted, 80);
  EXPECT_GT(refused, 40);
  EXPECT_FALSE(model_.payments.empty());

  // A snapshot of the model (start-up reads it instead of replaying the log) is the model, and
  // the same model always gives the same bytes.
  const std::string bytes = EncodeModel(model_);
  TenantModel decoded;
  ASSERT_TRUE(DecodeModel(bytes, &decoded).ok());
  EXPECT_TRUE(decoded == model_) << "seed " << GetParam();
  EXPECT_EQ(EncodeModel(decoded), bytes);
}

INSTANTIATE_TEST_SUITE_P(Seeds, BillingProperty,
                         ::testing::Values(1u, 2u, 3u, 4u, 5u, 42u, 1024u, 2026u));

}  // namespace
}  // namespace kaiin::commands
