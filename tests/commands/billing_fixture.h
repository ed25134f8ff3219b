// A write model plus a double-entry ledger built from PostingsFor, for the billing tests.
#pragma once

#include <gtest/gtest.h>

#include <map>

#include "commands/billing.h"
#include "commands/members.h"
#include "events/postings.h"
#include "tests/commands/model_fixture.h"

namespace kaiin::commands {

class BillingFixture : public ModelFixture {
 protected:
  void SetUp() override {
    Given({events::TenantConfigured{"学会", 4, "Asia/Tokyo"},
           events::MemberTypeDefined{"regular", "正会員", events::MemberKind::kIndividual},
           events::MemberTypeDefined{"student", "学生会員", events::MemberKind::kIndividual},
           events::MemberTypeDefined{"honorary", "名誉会員", events::MemberKind::kIndividual},
           events::FeeScheduleSet{2025, {{"honorary", 0}, {"regular", 15000}, {"student", 5000}}},
           events::FeeScheduleSet{2026, {{"honorary", 0}, {"regular", 15000}, {"student", 5000}}}});
  }

  // Also posts the event to the fixture's ledger and checks it balances (L1).
  void Apply(const events::Event& e) override {
    auto postings = events::PostingsFor(e);
    int64_t debits = 0, credits = 0;
    for (const auto& p : postings) {
      debits += p.debit;
      credits += p.credit;
      balances_[p.account] += p.debit - p.credit;
    }
    EXPECT_EQ(debits, credits) << "L1: unbalanced " << events::EventTypeName(e);
    total_debits_ += debits;
    total_credits_ += credits;
    ModelFixture::Apply(e);
  }

  Result<Decision> RunBatch(const CreateInvoiceBatch& c, std::vector<Exclusion>* excluded = nullptr) {
    std::vector<Exclusion> ignored;
    Result<Decision> d = DecideBatch(model_, c, today_, excluded ? excluded : &ignored);
    if (d.ok()) {
      for (const Emitted& e : *d) Apply(e.event);
    }
    return d;
  }

  // An active member of `type`, admitted on `admitted_on`.
  std::string Member(const std::string& email, const std::string& type = "regular",
                     const char* admitted_on = "2020-04-01") {
    auto d = Run(ApplyMember{email, type, D(admitted_on), {"山田", "太郎", "", "", ""},
                             events::PostalAddress{"100-0001", "東京都", "千代田区", "1-1", "", "JP"},
                             std::nullopt});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    const std::string id = std::get<events::MemberApplied>(d->front().event).member_id;
    EXPECT_TRUE(Run(ChangeStatus{id, events::MemberStatus::kActive, D(admitted_on), ""}).ok());
    return id;
  }

  // Creates and confirms an annual batch for `fy`; returns the invoice id of `member`.
  std::string Billed(const std::string& member, int fy = 2026) {
    CreateInvoiceBatch c;
    c.fiscal_year = fy;
    c.title = std::to_string(fy) + "年度年会費";
    c.issue_date = D("2026-04-01");
    c.due_date = D("2026-06-30");
    c.member_ids = std::vector<std::string>{member};
    auto d = RunBatch(c);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    const std::string batch = std::get<events::InvoiceBatchCreated>(d->front().event).batch_id;
    EXPECT_TRUE(Run(ConfirmBatch{batch}).ok());
    return std::get<events::InvoiceDrafted>((*d)[1].event).invoice_id;
  }

  std::string Pay(const std::string& member, int64_t amount,
                  events::PaymentMethod method = events::PaymentMethod::kBankTransfer,
                  AllocationMode mode = AllocationMode::kOldestFirst,
                  std::vector<AllocationRequest> allocations = {}) {
    RecordPayment p;
    p.member_id = member;
    p.amount = amount;
    p.method = method;
    p.received_on = D("2026-05-01");
    p.mode = mode;
    p.allocations = std::move(allocations);
    auto d = Run(p);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::get<events::PaymentRecorded>(d->front().event).payment_id : "";
  }

  const InvoiceRecord& Invoice(const std::string& id) { return model_.invoices.at(id); }
  const InvoiceRecord& Invoice(const CompactId& id) { return model_.invoices.at(id.str()); }
  int64_t Balance(const std::string& account) { return balances_[account]; }
  int64_t Credit(const std::string& member) { return -balances_[events::CreditAccount(member)]; }
  int64_t Receivable(const std::string& member, const std::string& invoice) {
    return balances_[events::ReceivableAccount(member, invoice)];
  }

  // The ledger invariants: balanced in total, no receivable or credit below 0 (L1, L2), and
  // every invoice's receivable equals its outstanding amount once issued (L3).
  void ExpectLedgerInvariants() {
    EXPECT_EQ(total_debits_, total_credits_);
    for (const auto& [account, balance] : balances_) {
      if (account.starts_with("receivable:")) {
        EXPECT_GE(balance, 0) << account;
      }
      if (account.starts_with("credit:")) {
        EXPECT_LE(balance, 0) << account;
      }
    }
    for (const auto& [id, inv] : model_.invoices) {
      const int64_t receivable = Receivable(inv.member_id.str(), id);
      if (inv.cancelled || !inv.issued) {
        EXPECT_EQ(receivable, 0) << id;
      } else {
        EXPECT_EQ(receivable, inv.outstanding()) << id;
      }
      EXPECT_GE(inv.allocated, 0) << id;
      EXPECT_LE(inv.allocated, inv.amount) << id;
    }
    for (const auto& [id, r] : model_.members) EXPECT_EQ(r.credit, Credit(id)) << id;
  }

  std::map<std::string, int64_t> balances_;  // debit-positive
  int64_t total_debits_ = 0, total_credits_ = 0;
};

}  // namespace kaiin::commands
