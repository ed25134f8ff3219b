// The account_balances projection: the society's trial balance for the web front end (A3) —
// every account's debits and credits as of an effective date, a log position or both, with the
// members' accounts added into their kind (events::AccountKind: every receivable:<member>:<invoice>
// into "receivable", every credit:<member> into "credit"; the member ledger has them one by one).
// The auditor's `kaiin-replay balances` adds up the same postings from the log alone; by kind the
// two agree at every cut.
//
// The rows answer a date cut by one scan of the day totals up to the date; a position cut by the
// running totals written every 4,096 positions and the events after them up to the position (a
// few thousand at most, however long the log); a cut by both from the nearer end of the log: the
// blocks of 4,096 positions by day up to the position and the events after them, or the day
// totals less the events and blocks after it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

class AccountBalancesProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "account_balances";
  static constexpr uint64_t kPositionsPerTotal = 4096;
  // Running totals every `positions_per_total` positions (a multiple of 32; tests make it
  // small). The readers below do not depend on it; the projection does (each row is made from
  // the one before it), so a change of kPositionsPerTotal goes with a new SchemaVersion.
  explicit AccountBalancesProjection(uint64_t positions_per_total = kPositionsPerTotal);
  std::string_view Name() const override { return kName; }
  uint32_t SchemaVersion() const override { return 2; }
  Status Apply(const events::Envelope& event, Rows& rows) override;

 private:
  Status WriteTotals(uint64_t position, Rows& rows) const;
  const uint64_t positions_per_total_;
};

struct AccountBalance {
  std::string account;  // an account kind: "receivable", "credit", "revenue:2026:annual", ...
  int64_t debits = 0;
  int64_t credits = 0;
  bool operator==(const AccountBalance&) const = default;
};

// The accounts with postings from events at positions <= as_of_position effective on or before
// as_of (either may be absent), by account name, all read from one state of the store.
// `position_hint` (the projection's position, roughly) only picks the shorter walk for a cut by
// both: the blocks and events up to it when as_of_position <= position_hint / 2, the day totals
// less the blocks and events after it otherwise; both give the same answer.
Result<std::vector<AccountBalance>> ReadTrialBalance(const ProjectionStore& store,
                                                     std::optional<Date> as_of,
                                                     std::optional<uint64_t> as_of_position,
                                                     uint64_t position_hint);

}  // namespace kaiin::projections
