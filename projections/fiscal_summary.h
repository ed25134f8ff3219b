// The fiscal_summary projection: per fiscal year, what was invoiced, adjusted, cancelled,
// collected and is outstanding, the invoice counts per status, and breakdowns by member type
// (as billed), category and payment method. Collected money counts for the fiscal year of the
// invoice it was allocated to (P7), and moves with reallocations and reversals.
//
// outstanding = invoiced + adjustments − cancelled − collected, over issued invoices (drafts
// are not counted until their batch is confirmed).
#pragma once

#include <map>
#include <string>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

struct SummaryFigures {
  int64_t invoiced = 0, adjustments = 0, cancelled = 0, collected = 0;
  uint64_t invoices = 0;
  int64_t outstanding() const { return invoiced + adjustments - cancelled - collected; }
};

struct FiscalYearSummary {
  int fiscal_year = 0;
  SummaryFigures total;
  std::map<std::string, uint64_t> counts;  // status -> invoices
  std::map<std::string, SummaryFigures> by_member_type, by_category;
  std::map<std::string, int64_t> by_method;  // collected, by payment method ("credit" for P6)
};

class FiscalSummaryProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "fiscal_summary";
  std::string_view Name() const override { return kName; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

// A year with no invoice yet reads as all zeros.
Result<FiscalYearSummary> ReadFiscalYearSummary(const ProjectionStore& store, int fiscal_year);

}  // namespace kaiin::projections
