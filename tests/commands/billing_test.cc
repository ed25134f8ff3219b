// Billing and payment rules B1–B9, P1–P7, L1–L3, Given/When/Then against the write model.
#include <gtest/gtest.h>

#include "tests/commands/billing_fixture.h"

namespace kaiin::commands {
namespace {

using events::PaymentMethod;

class Billing : public BillingFixture {};

CreateInvoiceBatch Annual(int fy) {
  CreateInvoiceBatch c;
  c.fiscal_year = fy;
  c.title = std::to_string(fy) + "年度年会費";
  c.issue_date = D("2026-03-01");
  c.due_date = D("2026-05-31");
  return c;
}

TEST_F(Billing, B1_TheFiscalYearStartsInTheTenantsMonth) {
  EXPECT_EQ(FormatDate(FiscalYearStart(2026, 4)), "2026-04-01");
  EXPECT_EQ(FormatDate(FiscalYearStart(2026, 9)), "2026-09-01");
  EXPECT_EQ(FiscalYearOf(D("2027-03-31"), 4), 2026);
  EXPECT_EQ(FiscalYearOf(D("2027-04-01"), 4), 2027);
  EXPECT_EQ(FiscalYearOf(D("2027-08-31"), 9), 2026);
  Given({events::TenantConfigured{"学会", 9, "Asia/Tokyo"}});
  const std::string late = Member("late@example.jp", "regular", "2026-07-01");
  std::vector<Exclusion> excluded;
  auto d = RunBatch(Annual(2026), &excluded);  // FY2026 starts 2026-09-01 here
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<events::InvoiceBatchCreated>(d->front().event).billing_start, D("2026-09-01"));
  EXPECT_TRUE(excluded.empty());
  EXPECT_EQ(model_.members.at(late).invoice_ids.size(), 1u);
}

// A batch drafts two events per invoice and one command's events are bounded by the log: a
// batch over its limit is refused before any event is built; members left out do not count.
TEST_F(Billing, B2_ABatchOverTheCommandLimitIsRefusedAndMembersLeftOutDoNotCount) {
  Member("a@example.jp", "regular");
  Member("b@example.jp", "student");
  Member("c@example.jp", "honorary");
  auto c = Annual(2026);
  c.invoices_max = 2;
  std::vector<Exclusion> excluded;
  auto refused = RunBatch(c, &excluded);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().reason(), "batch_too_large") << refused.status().ToString();
  EXPECT_TRUE(model_.invoices.empty());
  c.exclude_member_types = {"honorary"};  // two invoices: within the limit
  auto d = RunBatch(c, &excluded);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(std::get<events::InvoiceBatchCreated>(d->front().event).invoice_count, 2u);
  EXPECT_EQ(d->size(), 5u);
}

TEST_F(Billing, B2_ABatchBillsActiveMembersByTypeAndReportsWhoWasLeftOut) {
  const std::string regular = Member("r@example.jp", "regular");
  const std::string student = Member("s@example.jp", "student");
  const std::string honorary = Member("h@example.jp", "honorary");
  auto applying = Run(ApplyMember{"a@example.jp", "regular", D("2026-03-01"), {"新", "", "", "", ""}, {}, {}});
  const std::string applicant = std::get<events::MemberApplied>(applying->front().event).member_id;
  auto c = Annual(2026);
  c.exclude_member_types = {"honorary"};
  std::vector<Exclusion> excluded;
  auto d = RunBatch(c, &excluded);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const auto& batch = std::get<events::InvoiceBatchCreated>(d->front().event);
  EXPECT_EQ(batch.invoice_count, 2u);
  EXPECT_EQ(batch.total, 20000);
  std::map<std::string, std::string> why;
  for (const auto& e : excluded) why[e.member_id] = e.reason;
  EXPECT_EQ(why[honorary], "member_type_excluded");
  EXPECT_EQ(why[applicant], "not_admitted");
  EXPECT_EQ(Invoice(model_.members.at(regular).invoice_ids[0]).amount, 15000);
  EXPECT_EQ(Invoice(model_.members.at(student).invoice_ids[0]).amount, 5000);
  // Billing the same year again bills nobody twice.
  std::vector<Exclusion> again;
  auto second = RunBatch(c, &again);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(std::get<events::InvoiceBatchCreated>(second->front().event).invoice_count, 0u);
}

TEST_F(Billing, B2_AMissingFeeRefusesTheBatch) {
  Member("r@example.jp");
  auto d = RunBatch(Annual(2027));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().reason(), "fee_schedule_missing");
  EXPECT_TRUE(model_.batches.empty());
}

TEST_F(Billing, B3_AWithdrawalBeforeTheBillingStartMonthExcludesOnOrAfterIncludes) {
  const std::string before = Member("before@example.jp");
  const std::string in_month = Member("in@example.jp");
  ASSERT_TRUE(Run(ChangeStatus{before, events::MemberStatus::kWithdrawn, D("2027-03-31"), ""}).ok());
  ASSERT_TRUE(Run(ChangeStatus{in_month, events::MemberStatus::kWithdrawn, D("2027-04-15"), ""}).ok());
  std::vector<Exclusion> excluded;
  auto d = RunBatch(Annual(2026), &excluded);  // FY2026 (from 2026-04-01): both are in
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(excluded.empty());
  Given({events::FeeScheduleSet{2027, {{"regular", 15000}}}});
  excluded.clear();
  auto next = RunBatch(Annual(2027), &excluded);  // FY2027 starts 2027-04-01
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(excluded.size(), 1u);
  EXPECT_EQ(excluded[0].member_id, before);
  EXPECT_EQ(excluded[0].reason, "withdrawn_before_billing_start");
  EXPECT_EQ(std::get<events::InvoiceBatchCreated>(next->front().event).invoice_count, 1u);
}

TEST_F(Billing, B4_AZeroFeeMakesANoPaymentRequiredInvoice) {
  const std::string h = Member("h@example.jp", "honorary");
  const std::string inv = Billed(h);
  EXPECT_EQ(Invoice(inv).amount, 0);
  EXPECT_EQ(InvoiceStatus(Invoice(inv)), "no_payment_required");
  EXPECT_TRUE(Invoice(inv).issued);
}

TEST_F(Billing, B5_OneTimeAdjustmentIsConsumedOncePermanentAppliesAlwaysNeverBelowZero) {
  const std::string m = Member("m@example.jp");
  ASSERT_TRUE(Run(SetMemberAdjustment{m, events::AdjustmentKind::kOneTime, -3000, "減額"}).ok());
  ASSERT_TRUE(Run(SetMemberAdjustment{m, events::AdjustmentKind::kPermanent, -1000, "恒久"}).ok());
  EXPECT_EQ(Invoice(Billed(m, 2025)).amount, 11000);  // 15000 - 3000 - 1000
  EXPECT_EQ(Invoice(Billed(m, 2026)).amount, 14000);  // the one-time one is used up
  const std::string s = Member("s@example.jp", "student");
  ASSERT_TRUE(Run(SetMemberAdjustment{s, events::AdjustmentKind::kOneTime, -9000, ""}).ok());
  const std::string inv = Billed(s);
  EXPECT_EQ(Invoice(inv).amount, 0);  // 5000 - 9000, clamped
  EXPECT_EQ(InvoiceStatus(Invoice(inv)), "no_payment_required");
  // An invoice adjustment cannot take it below 0 either.
  EXPECT_EQ(When(AdjustInvoice{inv, -1, ""}).status().reason(), "invoice_amount_negative");
}

TEST_F(Billing, B5_ACancelledInvoiceGivesItsOneTimeAdjustmentBack) {
  const std::string m = Member("m@example.jp");
  ASSERT_TRUE(Run(SetMemberAdjustment{m, events::AdjustmentKind::kOneTime, -3000, ""}).ok());
  const std::string inv = Billed(m);
  ASSERT_TRUE(Run(CancelInvoices{{inv}, "作り直し"}).ok());
  EXPECT_EQ(model_.members.at(m).pending_one_time, -3000);
  EXPECT_EQ(Invoice(Billed(m)).amount, 12000);
}

TEST_F(Billing, B6_ADraftCannotBePaidUntilItsBatchIsConfirmed) {
  const std::string m = Member("m@example.jp");
  auto c = Annual(2026);
  auto d = RunBatch(c);
  ASSERT_TRUE(d.ok());
  const std::string inv = std::get<events::InvoiceDrafted>((*d)[1].event).invoice_id;
  EXPECT_FALSE(Invoice(inv).issued);
  EXPECT_EQ(Receivable(m, inv), 0);  // nothing posted for a draft
  RecordPayment p{m, 15000, PaymentMethod::kBankTransfer, D("2026-05-01"), "", "", "",
                  AllocationMode::kExplicit, {{inv, 15000}}};
  EXPECT_EQ(When(p).status().reason(), "invoice_not_confirmed");
  const std::string batch = std::get<events::InvoiceBatchCreated>(d->front().event).batch_id;
  ASSERT_TRUE(Run(ConfirmBatch{batch}).ok());
  EXPECT_EQ(Receivable(m, inv), 15000);
  EXPECT_TRUE(Run(p).ok());
  EXPECT_TRUE(When(ConfirmBatch{batch})->empty());  // confirming twice does nothing
}

TEST_F(Billing, B7_TheTitleOfAPaidInvoiceCanChange) {
  const std::string m = Member("m@example.jp");
  const std::string inv = Billed(m);
  Pay(m, 15000);
  ASSERT_EQ(InvoiceStatus(Invoice(inv)), "paid");
  ASSERT_TRUE(Run(ChangeInvoiceTitle{inv, "2026年度 年会費（改）"}).ok());
  EXPECT_EQ(Invoice(inv).title, "2026年度 年会費（改）");
}

TEST_F(Billing, B8_CancellationIsRefusedWhileMoneyIsAllocatedAndAllOrNothing) {
  const std::string a = Member("a@example.jp");
  const std::string b = Member("b@example.jp");
  const std::string paid = Billed(a);
  const std::string open = Billed(b);
  Pay(a, 5000);
  auto refused = When(CancelInvoices{{open, paid}, ""});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "invoice_has_payments");
  ASSERT_EQ(refused.status().field_errors().size(), 1u);
  EXPECT_EQ(refused.status().field_errors()[0].field, "invoice_ids[1]");
  EXPECT_FALSE(Invoice(open).cancelled);
  ASSERT_TRUE(Run(CancelInvoices{{open}, ""}).ok());
  EXPECT_EQ(Receivable(b, open), 0);
  EXPECT_EQ(InvoiceStatus(Invoice(open)), "cancelled");
  // A cancelled invoice accepts no further change.
  EXPECT_EQ(When(ChangeInvoiceTitle{open, "x"}).status().reason(), "invoice_cancelled");
  EXPECT_EQ(When(AdjustInvoice{open, -100, ""}).status().reason(), "invoice_cancelled");
  EXPECT_EQ(When(CancelInvoices{{open}, ""}).status().reason(), "invoice_cancelled");
}

TEST_F(Billing, B8_ABatchIsCancelledWhole) {
  Member("a@example.jp");
  const std::string b = Member("b@example.jp");
  auto d = RunBatch(Annual(2026));
  const std::string batch = std::get<events::InvoiceBatchCreated>(d->front().event).batch_id;
  ASSERT_TRUE(Run(ConfirmBatch{batch}).ok());
  Pay(b, 100);
  EXPECT_EQ(When(CancelBatch{batch, ""}).status().reason(), "invoice_has_payments");
  ASSERT_TRUE(Run(ReversePayment{model_.payments.begin()->first, "誤入金"}).ok());
  ASSERT_TRUE(Run(CancelBatch{batch, "作り直し"}).ok());
  for (const auto& id : model_.batches.at(batch).invoice_ids) EXPECT_TRUE(Invoice(id).cancelled);
  EXPECT_EQ(When(ConfirmBatch{batch}).status().reason(), "batch_cancelled");
  ExpectLedgerInvariants();
}

TEST_F(Billing, B9_TheInvoiceKeepsTheMemberAsTheyWereWhenIssued) {
  const std::string m = Member("m@example.jp");
  CreateInvoiceBatch c = Annual(2026);
  auto d = RunBatch(c);
  ASSERT_TRUE(d.ok());
  const auto& snapshot = std::get<events::InvoiceSnapshotTaken>((*d)[2].event);
  EXPECT_EQ(snapshot.member_id, m);
  EXPECT_EQ(snapshot.member_type, "regular");
  EXPECT_EQ(snapshot.name.family, "山田");
  ASSERT_TRUE(snapshot.address.has_value());
  EXPECT_EQ(snapshot.address->prefecture, "東京都");
  // Money events carry no personal data: the snapshot is its own event.
  EXPECT_EQ(std::get<events::InvoiceDrafted>((*d)[1].event).member_type, "regular");
}

TEST_F(Billing, P2_CardPaymentsCannotExceedWhatTheyPayForBankChecksCan) {
  const std::string m = Member("m@example.jp");
  Billed(m);
  RecordPayment card{m, 20000, PaymentMethod::kCreditCard, D("2026-05-01"), "", "", "",
                     AllocationMode::kOldestFirst, {}};
  EXPECT_EQ(When(card).status().reason(), "amount_exceeds_invoice");
  card.method = PaymentMethod::kConvenienceStore;
  EXPECT_EQ(When(card).status().reason(), "amount_exceeds_invoice");
  card.method = PaymentMethod::kBankCheck;
  ASSERT_TRUE(Run(card).ok());
  EXPECT_EQ(Credit(m), 5000);  // P3: the over-payment is the member's credit
  ExpectLedgerInvariants();
}

TEST_F(Billing, P3_AllocationsNeverExceedWhatIsOutstandingOrThePayment) {
  const std::string m = Member("m@example.jp");
  const std::string inv = Billed(m);
  RecordPayment p{m, 20000, PaymentMethod::kBankTransfer, D("2026-05-01"), "山田太郎", "", "",
                  AllocationMode::kExplicit, {{inv, 16000}}};
  EXPECT_EQ(When(p).status().reason(), "allocation_exceeds_outstanding");
  p.amount = 10000;
  p.allocations = {{inv, 12000}};
  EXPECT_EQ(When(p).status().reason(), "allocation_exceeds_payment");
  p.allocations = {{"i999999999", 1}};
  EXPECT_EQ(When(p).status().code(), StatusCode::kNotFound);
  const std::string other = Member("o@example.jp");
  p.member_id = other;
  p.allocations = {{inv, 100}};  // someone else's invoice
  EXPECT_EQ(When(p).status().code(), StatusCode::kNotFound);
  p.member_id = m;
  p.allocations = {{inv, 6000}};
  ASSERT_TRUE(Run(p).ok());
  EXPECT_EQ(InvoiceStatus(Invoice(inv)), "partially_paid");
  EXPECT_EQ(Credit(m), 4000);
  ExpectLedgerInvariants();
}

TEST_F(Billing, P4_AReversalReleasesItsAllocationsAndNamesWhatItCompensates) {
  const std::string m = Member("m@example.jp");
  const std::string inv = Billed(m);
  const std::string pay = Pay(m, 15000);
  const uint64_t recorded_at = model_.payments.at(pay).position;
  const uint64_t allocated_at = model_.payments.at(pay).allocations[0].position;
  auto d = Run(ReversePayment{pay, "入金履歴削除"});
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ(std::get<events::AllocationReleased>((*d)[0].event).amount, 15000);
  EXPECT_EQ((*d)[0].causation, allocated_at);
  EXPECT_EQ((*d)[1].causation, recorded_at);
  EXPECT_EQ(InvoiceStatus(Invoice(inv)), "unpaid");
  EXPECT_EQ(Credit(m), 0);
  EXPECT_EQ(Balance("cash:bank_transfer"), 0);
  EXPECT_EQ(When(ReversePayment{pay, ""}).status().reason(), "payment_already_reversed");
  ExpectLedgerInvariants();
}

TEST_F(Billing, P4_AReversalIsRefusedWhenItsCreditWasAppliedElsewhere) {
  const std::string m = Member("m@example.jp");
  const std::string pay = Pay(m, 15000, PaymentMethod::kBankTransfer, AllocationMode::kNone);
  const std::string inv = Billed(m);
  ASSERT_TRUE(Run(ApplyCredit{m, inv, 15000}).ok());  // P6
  EXPECT_EQ(When(ReversePayment{pay, ""}).status().reason(), "insufficient_credit");
}

TEST_F(Billing, P5_ReallocationMovesMoneyToTheOldestUnpaidYear) {
  const std::string m = Member("m@example.jp");
  const std::string old_year = Billed(m, 2025);
  const std::string new_year = Billed(m, 2026);
  const std::string pay = Pay(m, 15000, PaymentMethod::kBankTransfer, AllocationMode::kExplicit,
                              {{new_year, 15000}});
  ASSERT_EQ(InvoiceStatus(Invoice(new_year)), "paid");
  ASSERT_TRUE(Run(ReallocatePayment{pay, {{old_year, 15000}}, "古い年度へ"}).ok());
  EXPECT_EQ(InvoiceStatus(Invoice(old_year)), "paid");
  EXPECT_EQ(InvoiceStatus(Invoice(new_year)), "unpaid");
  EXPECT_EQ(Balance("revenue:2025:annual"), -15000);
  EXPECT_EQ(Receivable(m, old_year), 0);
  EXPECT_EQ(Receivable(m, new_year), 15000);
  EXPECT_TRUE(When(ReallocatePayment{pay, {{old_year, 15000}}, ""})->empty());
  ExpectLedgerInvariants();
}

TEST_F(Billing, P6_CreditPaysNextYearsDuesOnceBilled) {
  const std::string m = Member("m@example.jp");
  Billed(m, 2025);
  Pay(m, 20000, PaymentMethod::kBankCheck);  // 5000 over
  const std::string next = Billed(m, 2026);
  EXPECT_EQ(When(ApplyCredit{m, next, 6000}).status().reason(), "insufficient_credit");
  ASSERT_TRUE(Run(ApplyCredit{m, next, 5000}).ok());
  EXPECT_EQ(Invoice(next).allocated, 5000);
  EXPECT_EQ(Credit(m), 0);
  ExpectLedgerInvariants();
}

TEST_F(Billing, P7_OneLumpPaymentForTwoYearsKeepsEachYearsFigures) {
  const std::string m = Member("m@example.jp");
  const std::string y2025 = Billed(m, 2025);
  const std::string y2026 = Billed(m, 2026);
  Pay(m, 30000);  // oldest first
  EXPECT_EQ(InvoiceStatus(Invoice(y2025)), "paid");
  EXPECT_EQ(InvoiceStatus(Invoice(y2026)), "paid");
  EXPECT_EQ(Receivable(m, y2025), 0);
  EXPECT_EQ(Receivable(m, y2026), 0);
  EXPECT_EQ(Balance("revenue:2025:annual"), -15000);
  EXPECT_EQ(Balance("revenue:2026:annual"), -15000);
  EXPECT_EQ(Balance("cash:bank_transfer"), 30000);
  ExpectLedgerInvariants();
}

TEST_F(Billing, L1_InvoiceAdjustmentsPostAgainstTheYearsAdjustmentAccount) {
  const std::string m = Member("m@example.jp");
  const std::string inv = Billed(m);
  ASSERT_TRUE(Run(AdjustInvoice{inv, -2000, "減額"}).ok());
  EXPECT_EQ(Invoice(inv).amount, 13000);
  EXPECT_EQ(Balance("adjustment:2026"), 2000);
  EXPECT_EQ(Receivable(m, inv), 13000);
  Pay(m, 5000);
  EXPECT_EQ(When(AdjustInvoice{inv, -9000, ""}).status().reason(), "amount_below_allocated");
  ASSERT_TRUE(Run(ReversePayment{model_.payments.begin()->first, ""}).ok());
  ASSERT_TRUE(Run(CancelInvoices{{inv}, ""}).ok());
  EXPECT_EQ(Balance("adjustment:2026"), 0);
  EXPECT_EQ(Balance("revenue:2026:annual"), 0);
  ExpectLedgerInvariants();
}

TEST_F(Billing, L3_StatusIsDerivedFromAmountAndAllocations) {
  InvoiceRecord inv;
  inv.amount = 15000;
  EXPECT_EQ(InvoiceStatus(inv), "unpaid");
  inv.allocated = 1;
  EXPECT_EQ(InvoiceStatus(inv), "partially_paid");
  inv.allocated = 15000;
  EXPECT_EQ(InvoiceStatus(inv), "paid");
  inv.amount = inv.allocated = 0;
  EXPECT_EQ(InvoiceStatus(inv), "no_payment_required");
  inv.cancelled = true;
  EXPECT_EQ(InvoiceStatus(inv), "cancelled");
}

// R1: a receipt is for an invoice paid in full, issued and not cancelled; what it states is what
// was paid. Refused before anything is written otherwise.
TEST_F(Billing, R1_OnlyAnInvoicePaidInFullGetsAReceipt) {
  const std::string m = Member("m@example.jp");
  const std::string inv = Billed(m);
  EXPECT_EQ(When(IssueReceipt{inv, ""}).status().reason(), "invoice_not_paid");
  Pay(m, 10000);
  const Result<Decision> partly = When(IssueReceipt{inv, ""});
  EXPECT_EQ(partly.status().reason(), "invoice_not_paid");
  EXPECT_NE(partly.status().message().find("10000 of 15000"), std::string::npos);
  Pay(m, 5000);
  const Result<Decision> paid = Run(IssueReceipt{inv, ""});
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  ASSERT_EQ(paid->size(), 1u);
  EXPECT_EQ((*paid)[0].stream, InvoiceStream(inv));
  const auto& r = std::get<events::ReceiptIssued>((*paid)[0].event);
  EXPECT_EQ(r, (events::ReceiptIssued{inv, m, "R000000001", 1, 15000, today_}));
  EXPECT_TRUE(events::PostingsFor((*paid)[0].event).empty());  // no money moves
  EXPECT_EQ(When(IssueReceipt{"i000000099", ""}).status().code(), StatusCode::kNotFound);

  // A draft, a cancelled invoice and one that asks for nothing get none.
  auto c = Annual(2025);
  auto d = RunBatch(c);
  ASSERT_TRUE(d.ok());
  const std::string draft = std::get<events::InvoiceDrafted>((*d)[1].event).invoice_id;
  EXPECT_EQ(When(IssueReceipt{draft, ""}).status().reason(), "invoice_not_confirmed");
  const std::string other = Billed(Member("o@example.jp"), 2025);
  ASSERT_TRUE(Run(CancelInvoices{{other}, "誤請求"}).ok());
  EXPECT_EQ(When(IssueReceipt{other, ""}).status().reason(), "invoice_cancelled");
  const std::string free = Billed(Member("h@example.jp", "honorary"));
  EXPECT_EQ(When(IssueReceipt{free, ""}).status().reason(), "nothing_received");
}

// R2: the first issue numbers the receipt in the society's order; every later one is a reissue
// (再発行) of the same number, the next copy. A payment reversed after the receipt was issued
// leaves the invoice unpaid: no more copies, and the ones issued stay in the log.
TEST_F(Billing, R2_TheFirstIssueNumbersTheReceiptLaterOnesReissueItUntilThePaymentChanges) {
  const std::string a = Member("a@example.jp");
  const std::string b = Member("b@example.jp");
  const std::string ia = Billed(a), ib = Billed(b);
  Pay(a, 15000);
  const std::string pb = Pay(b, 15000);
  auto issue = [&](const std::string& inv) {
    Result<Decision> d = Run(IssueReceipt{inv, ""});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::get<events::ReceiptIssued>(d->front().event) : events::ReceiptIssued{};
  };
  const auto b1 = issue(ib);
  const auto a1 = issue(ia);
  const auto b2 = issue(ib);
  const auto b3 = issue(ib);
  EXPECT_EQ(b1.receipt_number, "R000000001");
  EXPECT_EQ(a1.receipt_number, "R000000002");
  EXPECT_EQ(b2.receipt_number, "R000000001");
  EXPECT_EQ(b1.copy, 1u);
  EXPECT_EQ(a1.copy, 1u);
  EXPECT_EQ(b2.copy, 2u);
  EXPECT_EQ(b3.copy, 3u);
  EXPECT_EQ(Invoice(ib).receipts, 3u);
  EXPECT_EQ(model_.receipt_seq, 2u);
  // The payment reversed: R000000001 is void, and no receipt until it is paid again.
  ASSERT_TRUE(Run(ReversePayment{pb, "不渡り"}).ok());
  EXPECT_EQ(When(IssueReceipt{ib, ""}).status().reason(), "invoice_not_paid");
  EXPECT_EQ(Invoice(ib).receipts, 0u);
  // Paid again: a receipt for that payment, under a new number.
  Pay(b, 15000);
  const auto b4 = issue(ib);
  EXPECT_EQ(b4.receipt_number, "R000000003");
  EXPECT_EQ(b4.copy, 1u);
  EXPECT_EQ(issue(ib).receipt_number, "R000000003");  // and its reissues keep that one
  // What the invoice asks changed (an adjustment, paid): the receipt before is void too.
  ASSERT_TRUE(Run(AdjustInvoice{ia, 1000, "延滞金"}).ok());
  Pay(a, 1000);
  const auto a2 = issue(ia);
  EXPECT_EQ(a2.receipt_number, "R000000004");
  EXPECT_EQ(a2.amount, 16000);
  // Raised and lowered back without a payment: it changed all the same.
  ASSERT_TRUE(Run(AdjustInvoice{ia, 500, "誤り"}).ok());
  ASSERT_TRUE(Run(AdjustInvoice{ia, -500, "訂正"}).ok());
  EXPECT_EQ(issue(ia).receipt_number, "R000000005");
  EXPECT_EQ(model_.receipt_seq, 5u);
  ExpectLedgerInvariants();
}

// R3: a member asks for their own invoices' receipts only; another member's invoice, and a
// draft, are as if absent (B6), not refused with a reason that tells them apart.
TEST_F(Billing, R3_AMemberGetsReceiptsForTheirOwnIssuedInvoicesOnly) {
  const std::string a = Member("a@example.jp");
  const std::string b = Member("b@example.jp");
  const std::string ia = Billed(a);
  Pay(a, 15000);
  EXPECT_EQ(When(IssueReceipt{ia, b}).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(When(IssueReceipt{ia, a}).ok());
  auto c = Annual(2025);
  auto d = RunBatch(c);
  ASSERT_TRUE(d.ok());
  for (const auto& e : *d) {
    if (const auto* drafted = std::get_if<events::InvoiceDrafted>(&e.event);
        drafted && drafted->member_id == a) {
      EXPECT_EQ(When(IssueReceipt{drafted->invoice_id, a}).status().code(), StatusCode::kNotFound);
    }
  }
}

}  // namespace
}  // namespace kaiin::commands
