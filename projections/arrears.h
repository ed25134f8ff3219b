// The arrears projection: for every member with confirmed invoices still unpaid or partially
// paid, those invoices; plus running totals per fiscal year and category, so the common totals
// cost one read. Follows reversals and reallocations exactly: a released allocation puts the
// invoice (and the member) back.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

struct ArrearsInvoice {
  std::string invoice_id;
  int fiscal_year = 0;
  events::InvoiceCategory category = events::InvoiceCategory::kAnnual;
  int64_t amount = 0, allocated = 0;
  bool open() const { return allocated < amount; }
};

struct ArrearsRow {
  std::string member_id;
  std::vector<ArrearsInvoice> invoices;  // confirmed, not cancelled, with something outstanding
};

struct ArrearsTotals {
  uint64_t members = 0, invoices = 0;
  int64_t outstanding = 0;
};

class ArrearsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "arrears";
  std::string_view Name() const override { return kName; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

struct ArrearsFilter {
  std::optional<int> fiscal_year;
  std::optional<events::InvoiceCategory> category;
  int min_years = 0;  // members unpaid for at least this many fiscal years (0, 1: any)
  // Whether the invoice matches the fiscal year and category.
  bool Selects(const ArrearsInvoice& invoice) const {
    return (!fiscal_year || invoice.fiscal_year == *fiscal_year) &&
           (!category || invoice.category == *category);
  }
  // Whether the member's row belongs in the list: an invoice selected, and min_years met.
  bool Matches(const ArrearsRow& row) const;
};

// Rows in member id order after `after`; `keep` may refuse a row (e.g. a member type filter on
// the member view); stops after `limit` kept rows or `scan_max` rows looked at. `*scanned_to` is
// the last member id looked at; `*cut_short` tells whether `scan_max` stopped the scan.
Status ScanArrears(const ProjectionStore& store, const ArrearsFilter& filter, std::string_view after,
                   size_t limit, size_t scan_max,
                   const std::function<bool(const ArrearsRow&)>& keep,
                   std::vector<ArrearsRow>* out, std::string* scanned_to, bool* cut_short);

// The totals kept for (fiscal year, category) combinations (either may be absent).
Result<ArrearsTotals> ReadArrearsTotals(const ProjectionStore& store, std::optional<int> fiscal_year,
                                        std::optional<events::InvoiceCategory> category);

}  // namespace kaiin::projections
