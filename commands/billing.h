// Billing and payment commands (B1–B9, P1–P8, L2). Pure: each Decide takes the write model, the
// tenant's today and, where a compensating event must name its causation, the position the
// command's first event will get.
//
// Rejections (Status reason): validation_failed (400); not_found (404); fee_schedule_missing,
// unknown_member_type, batch_cancelled, invoice_cancelled, invoice_has_payments,
// invoice_not_confirmed, invoice_amount_negative, amount_below_allocated,
// allocation_exceeds_outstanding, allocation_exceeds_payment, amount_exceeds_invoice,
// insufficient_credit, payment_already_reversed (409).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "commands/decision.h"
#include "commands/model.h"

namespace kaiin::commands {

inline constexpr int64_t kYenMax = 1'000'000'000;      // one payment or invoice, at most
inline constexpr size_t kInvoiceListMax = 10000;       // invoices named in one command
inline constexpr size_t kAllocationsMax = 100;         // allocations of one payment

struct SetMemberAdjustment {
  std::string member_id;
  events::AdjustmentKind kind = events::AdjustmentKind::kOneTime;
  int64_t amount = 0;
  std::string reason;
};

struct CreateInvoiceBatch {
  int fiscal_year = 0;
  events::InvoiceCategory category = events::InvoiceCategory::kAnnual;
  std::string title;
  Date issue_date = 0, due_date = 0;
  std::optional<Date> billing_start;  // default: the first day of the fiscal year (B1)
  std::vector<std::string> exclude_member_types;
  std::optional<std::vector<std::string>> member_ids;  // default: every member
  std::optional<int64_t> amount;                       // default: the fee schedule
  // The most invoices one batch may draft: a command's events are bounded by the log (two per
  // invoice and the batch's own); past it the batch is refused before any event is built.
  size_t invoices_max = SIZE_MAX;
};

struct Exclusion {
  std::string member_id;
  std::string reason;
};

struct ConfirmBatch {
  std::string batch_id;
};

struct CancelBatch {
  std::string batch_id;
  std::string reason;
};

struct ChangeInvoiceTitle {
  std::string invoice_id;
  std::string title;
};

struct AdjustInvoice {
  std::string invoice_id;
  int64_t amount = 0;  // the change; negative reduces
  std::string reason;
};

struct CancelInvoices {
  std::vector<std::string> invoice_ids;
  std::string reason;
};

struct AllocationRequest {
  std::string invoice_id;
  int64_t amount = 0;
};

enum class AllocationMode { kExplicit, kOldestFirst, kNone };

struct RecordPayment {
  std::string member_id;
  int64_t amount = 0;
  events::PaymentMethod method = events::PaymentMethod::kBankTransfer;
  Date received_on = 0;
  std::string payer_name, settlement_number, memo;
  AllocationMode mode = AllocationMode::kOldestFirst;
  std::vector<AllocationRequest> allocations;  // kExplicit
};

struct ReversePayment {
  std::string payment_id;
  std::string reason;
};

struct ReallocatePayment {
  std::string payment_id;
  std::vector<AllocationRequest> allocations;  // the payment's new allocation, replacing the old
  std::string reason;
};

struct ApplyCredit {
  std::string member_id;
  std::string invoice_id;
  int64_t amount = 0;
};

// A receipt (領収書) for an invoice paid in full (docs/billing.md, "Receipts", R1–R3).
struct IssueReceipt {
  std::string invoice_id;
  // Set when a member asks: their own issued invoices only; any other is as if absent (B6).
  std::string member_id;
};

Result<Decision> Decide(const TenantModel& m, const SetMemberAdjustment& c, Date today);
// Also reports who was left out and why (B2).
Result<Decision> DecideBatch(const TenantModel& m, const CreateInvoiceBatch& c, Date today,
                             std::vector<Exclusion>* excluded);
Result<Decision> Decide(const TenantModel& m, const ConfirmBatch& c, Date today);
Result<Decision> Decide(const TenantModel& m, const CancelBatch& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ChangeInvoiceTitle& c, Date today);
Result<Decision> Decide(const TenantModel& m, const AdjustInvoice& c, Date today);
Result<Decision> Decide(const TenantModel& m, const CancelInvoices& c, Date today);
Result<Decision> Decide(const TenantModel& m, const RecordPayment& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ReversePayment& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ReallocatePayment& c, Date today);
Result<Decision> Decide(const TenantModel& m, const ApplyCredit& c, Date today);
Result<Decision> Decide(const TenantModel& m, const IssueReceipt& c, Date today);

// The first day of fiscal year `fy` for a tenant whose fiscal year starts in `start_month` (B1).
Date FiscalYearStart(int fy, int start_month);
// The fiscal year a date falls in.
int FiscalYearOf(Date date, int start_month);

std::string BatchIdFor(uint64_t seq);    // "b000000001"
std::string InvoiceIdFor(uint64_t seq);  // "i000000001"
std::string PaymentIdFor(uint64_t seq);  // "p000000001"
std::string ReceiptNumberFor(uint64_t seq);  // "R000000001"
std::string InvoiceStream(std::string_view invoice_id);
std::string PaymentStream(std::string_view payment_id);
std::string BatchStream(std::string_view batch_id);

// L3: the derived status of an invoice.
std::string_view InvoiceStatus(const InvoiceRecord& invoice);

}  // namespace kaiin::commands
