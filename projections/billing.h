// The billing projection: invoices (with the member snapshot of B9), each member's invoice index,
// invoice batches with their counts and totals, and payments with their current and past
// allocations. Read by GET {T}/invoices/{id}, {T}/members/{id}/invoices, {T}/invoice-batches and
// {T}/payments/{id}.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

struct InvoiceRow {
  std::string invoice_id, member_id, batch_id, title, member_type;
  int fiscal_year = 0;
  events::InvoiceCategory category = events::InvoiceCategory::kAnnual;
  Date issue_date = 0, due_date = 0;
  int64_t fee = 0, member_adjustment = 0, amount = 0, allocated = 0, adjustments = 0;
  bool confirmed = false, cancelled = false;
  std::string receipt_number;  // empty: no receipt issued
  uint32_t receipts = 0;       // copies issued (the first and reissues, R2)
  Date receipt_last_issued = 0;
  bool receipt_void = false;  // what the invoice asks or was paid changed after it (R2)
  events::PersonName name;  // the snapshot (B9)
  std::optional<events::PostalAddress> address;
  std::string_view status() const;  // L3
};

struct BatchRow {
  std::string batch_id, title;
  int fiscal_year = 0;
  events::InvoiceCategory category = events::InvoiceCategory::kAnnual;
  Date issue_date = 0, due_date = 0, billing_start = 0;
  uint64_t invoice_count = 0, cancelled_count = 0;
  int64_t total = 0;      // amounts of the invoices not cancelled
  int64_t allocated = 0;  // money allocated to them
  bool confirmed = false, cancelled = false;
};

struct AllocationEntry {
  std::string kind;  // "allocated" or "released"
  std::string invoice_id;
  int fiscal_year = 0;
  int64_t amount = 0;
  uint64_t position = 0;
  Date date = 0;
};

struct PaymentRow {
  std::string payment_id, member_id, settlement_number, payer_name, memo, reversal_reason;
  int64_t amount = 0;
  events::PaymentMethod method = events::PaymentMethod::kBankTransfer;
  Date received_on = 0;
  bool reversed = false;
  std::vector<AllocationEntry> history;  // every allocation and release, in order
  // The current allocations: invoice id -> yen (history folded).
  std::vector<std::pair<std::string, int64_t>> Current() const;
};

class BillingProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "billing";
  std::string_view Name() const override { return kName; }
  // 2: payments by the day received; 3: receipts; 4: a receipt made void; 5: an invoice's
  // allocated, receipts and flags in a fixed tail, a payment's history last (patched in place)
  uint32_t SchemaVersion() const override { return 5; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

struct PaymentQuery {
  std::optional<Date> from, to;                 // received on, inclusive
  std::optional<events::PaymentMethod> method;  // only payments made so
  std::string after;                            // the cursor: "YYYY-MM-DD/" payment_id
  size_t limit = 50;
  static constexpr size_t kScanRowsMax = 20000;  // index rows one call may look at
};

struct PaymentPage {
  std::vector<PaymentRow> items;
  std::string next_after;  // empty: no more
};

// Payments by the day they were received, then by id (the order they were recorded in, within
// a day), reversed ones included. Looks at a bounded number of rows per call: a page may hold
// fewer than `limit` items and still have a next cursor.
Result<PaymentPage> ReadPaymentsReceived(const ProjectionStore& store, const PaymentQuery& query);

Result<bool> ReadInvoice(const ProjectionStore& store, std::string_view id, InvoiceRow* row,
                         const ProjectionStore::View* at = nullptr);
Result<bool> ReadPayment(const ProjectionStore& store, std::string_view id, PaymentRow* row);
// A member's invoices in creation order (in `at`'s state of the store, if given).
Result<std::vector<InvoiceRow>> ReadMemberInvoices(const ProjectionStore& store,
                                                   std::string_view member_id,
                                                   const ProjectionStore::View* at = nullptr);
// Batches in creation order, after `after` (a batch id), at most `limit`.
Result<std::vector<BatchRow>> ReadBatches(const ProjectionStore& store, std::string_view after,
                                          size_t limit);

}  // namespace kaiin::projections
