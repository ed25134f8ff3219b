#include "projections/registry.h"

#include "projections/account_balances.h"
#include "projections/accounts.h"
#include "projections/arrears.h"
#include "projections/billing.h"
#include "projections/config.h"
#include "projections/event_counts.h"
#include "projections/fiscal_summary.h"
#include "projections/member_ledger.h"
#include "projections/member_view.h"
#include "projections/outbox.h"

namespace kaiin::projections {

std::vector<std::unique_ptr<Projection>> MakeAllProjections() {
  std::vector<std::unique_ptr<Projection>> all;
  all.push_back(std::make_unique<EventCountsProjection>());
  all.push_back(std::make_unique<MemberViewProjection>());
  all.push_back(std::make_unique<ConfigProjection>());
  all.push_back(std::make_unique<BillingProjection>());
  all.push_back(std::make_unique<ArrearsProjection>());
  all.push_back(std::make_unique<FiscalSummaryProjection>());
  all.push_back(std::make_unique<MemberLedgerProjection>());
  all.push_back(std::make_unique<AccountsProjection>());
  all.push_back(std::make_unique<OutboxProjection>());
  all.push_back(std::make_unique<AccountBalancesProjection>());
  return all;
}

}  // namespace kaiin::projections
