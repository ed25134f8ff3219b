// The member_ledger projection: every posting on a member's accounts (receivable:<member>:*,
// credit:<member>), keyed by position, so "what did member X owe" can be asked as of an effective
// date or as of a log position (A3) by one prefix scan.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

struct LedgerEntry {
  uint64_t position = 0;
  Date effective_date = 0;
  std::string event_type;
  std::string account;
  int64_t debit = 0, credit = 0;
  std::string invoice_id, payment_id;
};

class MemberLedgerProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "member_ledger";
  std::string_view Name() const override { return kName; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

// The member's entries in log order, keeping those with position <= as_of_position and
// effective date <= as_of (either may be absent).
Result<std::vector<LedgerEntry>> ReadMemberLedger(const ProjectionStore& store,
                                                  std::string_view member_id,
                                                  std::optional<Date> as_of,
                                                  std::optional<uint64_t> as_of_position);

}  // namespace kaiin::projections
