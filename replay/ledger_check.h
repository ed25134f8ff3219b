// The auditor's check of the ledger invariants over a whole log (L1–L3), independent of the
// write model: every money event's postings balance; at no position is a receivable or a
// member's credit below 0; at the end, every issued invoice's receivable equals its amount minus
// what is allocated to it (and is 0 for drafts and cancelled invoices), and no invoice has more
// allocated than its amount.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/log_reader.h"
#include "events/status.h"

namespace kaiin::replay {

struct LedgerReport {
  uint64_t events = 0;
  uint64_t money_events = 0;
  int64_t total_debits = 0;
  int64_t total_credits = 0;
  uint64_t accounts = 0;
  uint64_t invoices = 0;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// Calls `fn` with each event of `log` up to `up_to` (inclusive), in order, decoded; stops at the
// first error (a read, a decode, or what `fn` returns) and returns it. Reads a page at a time.
Status ForEachEnvelope(events::EventReader& log, uint64_t up_to,
                       const std::function<Status(uint64_t position, const events::Envelope&)>& fn);

// Reads the log up to `up_to` (inclusive).
Status CheckLedger(events::EventReader& log, uint64_t up_to, LedgerReport* report);

}  // namespace kaiin::replay
