#include "replay/ledger_check.h"

#include <map>
#include <unordered_map>

#include "events/codec.h"
#include "events/postings.h"

namespace kaiin::replay {
namespace {

constexpr size_t kProblemsMax = 100;
constexpr size_t kPageEvents = 10000;

struct InvoiceState {
  std::string member_id;
  int64_t amount = 0, allocated = 0;
  bool issued = false, cancelled = false;
};

}  // namespace

Status ForEachEnvelope(
    events::EventReader& log, uint64_t up_to,
    const std::function<Status(uint64_t position, const events::Envelope&)>& fn) {
  for (uint64_t after = 0; after < up_to;) {
    std::vector<events::RecordedEvent> page;
    if (Status s = log.ReadAfter(after, kPageEvents, &page); !s.ok()) return s;
    if (page.empty()) break;
    for (const events::RecordedEvent& rec : page) {
      if (rec.position > up_to) return Status::Ok();
      events::Envelope env;
      if (Status s = events::DecodeEnvelope(rec.bytes, &env); !s.ok()) return s;
      if (Status s = fn(rec.position, env); !s.ok()) return s;
    }
    after = page.back().position;
  }
  return Status::Ok();
}

Status CheckLedger(events::EventReader& log, uint64_t up_to, LedgerReport* report) {
  auto problem = [report](std::string text) {
    if (report->problems.size() < kProblemsMax) report->problems.push_back(std::move(text));
  };
  std::unordered_map<std::string, int64_t> balances;  // debit-positive
  std::map<std::string, InvoiceState> invoices;
  Status walked = ForEachEnvelope(log, up_to, [&](uint64_t position, const events::Envelope& env) {
    ++report->events;
    const std::string at = "position " + std::to_string(position) + " (" +
                           std::string(events::EventTypeName(env.event)) + "): ";
    int64_t debits = 0, credits = 0;
    const auto postings = events::PostingsFor(env.event);
    for (const events::Posting& p : postings) {
      debits += p.debit;
      credits += p.credit;
      int64_t& balance = balances[p.account];
      balance += p.debit - p.credit;
      // L2: receivables are debit balances, credit accounts credit balances, never crossing 0.
      if (p.account.starts_with("receivable:") && balance < 0) {
        problem(at + p.account + " is below 0 (" + std::to_string(balance) + ")");
      }
      if (p.account.starts_with("credit:") && balance > 0) {
        problem(at + p.account + " is below 0 (" + std::to_string(-balance) + ")");
      }
    }
    if (debits != credits)
      problem(at + "debits " + std::to_string(debits) + " != credits " + std::to_string(credits));
    if (!postings.empty()) ++report->money_events;
    report->total_debits += debits;
    report->total_credits += credits;
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, events::InvoiceDrafted>) {
            invoices[e.invoice_id] = {e.member_id, e.amount, 0, false, false};
          } else if constexpr (std::is_same_v<T, events::InvoiceIssued>) {
            InvoiceState& s = invoices[e.invoice_id];
            s.issued = true;
            if (e.amount != s.amount) problem(at + e.invoice_id + " issued for another amount");
          } else if constexpr (std::is_same_v<T, events::InvoiceAdjusted>) {
            invoices[e.invoice_id].amount += e.amount;
          } else if constexpr (std::is_same_v<T, events::InvoiceCancelled>) {
            InvoiceState& s = invoices[e.invoice_id];
            if (s.allocated != 0)
              problem(at + e.invoice_id + " cancelled with money allocated (B8)");
            s.cancelled = true;
          } else if constexpr (std::is_same_v<T, events::PaymentAllocated>) {
            InvoiceState& s = invoices[e.invoice_id];
            s.allocated += e.amount;
            if (!s.issued || s.cancelled) problem(at + e.invoice_id + " is not open for payment");
            if (s.allocated > s.amount)
              problem(at + e.invoice_id + " has more allocated than its amount");
          } else if constexpr (std::is_same_v<T, events::AllocationReleased>) {
            invoices[e.invoice_id].allocated -= e.amount;
          }
        },
        env.event);
    return Status::Ok();
  });
  if (!walked.ok()) return walked;
  for (const auto& [id, s] : invoices) {
    const int64_t receivable = balances[events::ReceivableAccount(s.member_id, id)];
    const int64_t expected = s.issued && !s.cancelled ? s.amount - s.allocated : 0;
    if (receivable != expected) {
      problem("invoice " + id + ": receivable " + std::to_string(receivable) + ", but amount − allocated is " +
              std::to_string(expected) + " (L3)");
    }
    if (s.allocated < 0 || s.allocated > s.amount) problem("invoice " + id + ": allocated out of range");
  }
  if (report->total_debits != report->total_credits) problem("total debits != total credits (L1)");
  report->accounts = balances.size();
  report->invoices = invoices.size();
  return Status::Ok();
}

}  // namespace kaiin::replay
