// The auditor's trial balance (A3): every account's debits and credits as of a position, a date
// or both, added up from the log alone — the postings of each money event (events/postings.h),
// as the write model and the projections post them, with no projection read. The member ledger
// (`GET {T}/members/{id}/ledger?as_of=&as_of_position=`) answers the same question for one
// member's accounts from its projection; this answers it for every account of the society,
// revenue, adjustments and cash included, offline (`kaiin-replay balances`).
//
// The cut keeps a posting when its event's position is at most `position` and its effective
// date (the envelope's, in the tenant's calendar) is on or before `date`: the member ledger's
// `as_of` rule (an invoice counts from its issue date, a payment from its `received_on`, a
// reversal, reallocation or adjustment from the day it was recorded).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "events/date.h"
#include "events/log_reader.h"
#include "events/status.h"
#include "ledger/rocks_event_log.h"
#include "projections/account_balances.h"

namespace kaiin::replay {

struct BalanceCut {
  uint64_t position = ~uint64_t{0};  // the last position counted (inclusive)
  std::optional<Date> date;         // none: every effective date
};

// An account's debits and credits: the projection's type, so that its answer and this tool's
// are one kind of value (the HTTP trial balance formats both alike).
using AccountTotals = projections::AccountBalance;

struct TrialBalance {
  uint64_t last_position = 0;  // the last event read (the cut's position, or the head before it)
  uint64_t money_events = 0;   // events with postings inside the cut
  std::vector<AccountTotals> accounts;  // by account name; accounts with no posting left out
  int64_t total_debits = 0;
  int64_t total_credits = 0;
};

// Adds up the postings of `log` inside `cut`.
Status ComputeTrialBalance(events::EventReader& log, const BalanceCut& cut, TrialBalance* out);

// `tenant`'s trial balance under `data_dir`: opens its log as a follower (beside a running kaiind
// too; the follower's own files go under `scratch_dir`, created and removed), verifies the whole
// hash chain into *chain and, when it holds, adds up `cut` into *out (left empty otherwise: sums
// over a broken chain prove nothing).
Status TenantTrialBalance(const std::string& data_dir, const std::string& tenant,
                          const std::string& scratch_dir, const BalanceCut& cut,
                          ledger::ChainReport* chain, TrialBalance* out);

// The same totals with each member's accounts added into their kind: every
// receivable:<member>:<invoice> into "receivable", every credit:<member> into "credit"; revenue,
// adjustment and cash accounts (a few per fiscal year and payment method) stay as they are.
TrialBalance SummarizeByKind(const TrialBalance& balance);

// A line of the trial balance: an account's totals and its net on the side it falls (the other
// 0). Valid while the balance it was made from lives.
struct TrialBalanceLine {
  std::string_view account;
  int64_t debits = 0, credits = 0, debit_balance = 0, credit_balance = 0;
};

// One line per account, then a `total` line whose debits equal its credits and whose debit
// balances equal its credit balances when the ledger balances (L1).
std::vector<TrialBalanceLine> TrialBalanceLines(const TrialBalance& balance);

// CSV of the lines: `account,debits,credits,debit_balance,credit_balance`, each line ending with
// `eol`; account names never hold a comma or a quote.
std::string FormatTrialBalanceCsv(const TrialBalance& balance, std::string_view eol = "\n");

}  // namespace kaiin::replay
