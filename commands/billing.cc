#include "commands/billing.h"

#include <algorithm>
#include <map>
#include <set>

#include "commands/rejections.h"
#include "events/postings.h"
#include "events/text.h"

namespace kaiin::commands {
namespace {

using events::MemberStatus;

constexpr size_t kTitleBytesMax = 200;
constexpr size_t kReasonBytesMax = 1000;
constexpr size_t kNoteBytesMax = 1000;

std::string Id(char prefix, uint64_t seq) {
  std::string id(1, prefix);
  AppendPadded(&id, seq, 9);
  return id;
}

Status Refused(const char* reason, std::string message) {
  return Status::FailedPrecondition(reason, std::move(message));
}

// P2: these methods pay exactly what they pay for.
bool ExactMethod(events::PaymentMethod m) {
  return m == events::PaymentMethod::kCreditCard ||
         m == events::PaymentMethod::kCreditCardRecurring ||
         m == events::PaymentMethod::kConvenienceStore;
}

Date FirstOfMonth(Date d) {
  int y;
  unsigned mo, day;
  CivilFromDays(d, &y, &mo, &day);
  return DaysFromCivil(y, mo, 1);
}

// Can `amount` be allocated to `invoice_id` of `member_id`? `released` is what this same command
// gives back to the invoice first (a reallocation).
Status CheckAllocation(const TenantModel& m, const std::string& member_id,
                       const std::string& invoice_id, int64_t amount, int64_t released) {
  const InvoiceRecord* inv = m.FindInvoice(invoice_id);
  if (!inv || inv->member_id != member_id) {
    return Status::NotFound("no invoice " + invoice_id + " of member " + member_id);
  }
  if (inv->cancelled) return Refused("invoice_cancelled", "invoice " + invoice_id + " is cancelled");
  if (!inv->issued) {
    return Refused("invoice_not_confirmed", "invoice " + invoice_id + " is still a draft");
  }
  if (amount > inv->outstanding() + released) {  // L2: no receivable below 0
    return Refused("allocation_exceeds_outstanding",
                   "invoice " + invoice_id + " has " + std::to_string(inv->outstanding() + released) +
                       " yen outstanding");
  }
  return Status::Ok();
}

Status CheckRequests(const std::vector<AllocationRequest>& requests) {
  std::vector<FieldError> errors;
  if (requests.size() > kAllocationsMax) errors.push_back({"allocations", "at most 100"});
  std::set<std::string_view> seen;
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::string f = "allocations[" + std::to_string(i) + "]";
    if (requests[i].amount <= 0 || requests[i].amount > kYenMax) {
      errors.push_back({f + ".amount", "must be 1..1000000000 yen"});
    }
    if (!seen.insert(requests[i].invoice_id).second) {
      errors.push_back({f + ".invoice_id", "appears twice"});
    }
  }
  return errors.empty() ? Status::Ok() : Invalid(std::move(errors));
}

// The member's open invoices (id, record), oldest fiscal year first (P3).
std::vector<std::pair<const CompactId*, const InvoiceRecord*>> OpenInvoices(
    const TenantModel& m, const MemberRecord& r) {
  std::vector<std::pair<const CompactId*, const InvoiceRecord*>> open;
  for (const CompactId& id : r.invoice_ids) {
    const InvoiceRecord& inv = m.invoices.at(id.str());
    if (inv.issued && !inv.cancelled && inv.outstanding() > 0) open.emplace_back(&id, &inv);
  }
  std::sort(open.begin(), open.end(), [](const auto& a, const auto& b) {
    return std::tuple(a.second->fiscal_year, a.second->issue_date, a.second->seq) <
           std::tuple(b.second->fiscal_year, b.second->issue_date, b.second->seq);
  });
  return open;
}

Emitted Allocation(const std::string& stream, const std::string& payment_id,
                   const std::string& invoice_id, const InvoiceRecord& inv, int64_t amount,
                   Date date) {
  return {stream,
          events::PaymentAllocated{payment_id, inv.member_id.str(), invoice_id, inv.fiscal_year,
                                   amount},
          date, 0};
}

// The release of one of payment `payment_id`'s allocations (P4, P5), caused by the allocation.
Emitted Release(const TenantModel& m, const std::string& stream, const std::string& payment_id,
                const PaymentRecord& p, const AllocationRecord& a, Date date) {
  const std::string invoice_id = a.invoice_id.str();
  return {stream,
          events::AllocationReleased{payment_id, p.member_id.str(), invoice_id,
                                     m.invoices.at(invoice_id).fiscal_year, a.amount},
          date, a.position};
}

std::string ExclusionReason(MemberStatus status) {
  switch (status) {
    case MemberStatus::kApplying: return "not_admitted";
    case MemberStatus::kApplicationWithdrawn: return "application_withdrawn";
    case MemberStatus::kOnLeave: return "on_leave";
    case MemberStatus::kWithdrawn: return "withdrawn_before_billing_start";  // B3
    case MemberStatus::kActive: break;
  }
  return "not_active";
}

}  // namespace

Date FiscalYearStart(int fy, int start_month) {
  return DaysFromCivil(fy, static_cast<unsigned>(start_month), 1);
}

int FiscalYearOf(Date date, int start_month) {
  int y;
  unsigned mo, d;
  CivilFromDays(date, &y, &mo, &d);
  return static_cast<int>(mo) >= start_month ? y : y - 1;
}

std::string BatchIdFor(uint64_t seq) { return Id('b', seq); }
std::string InvoiceIdFor(uint64_t seq) { return Id('i', seq); }
std::string PaymentIdFor(uint64_t seq) { return Id('p', seq); }
std::string ReceiptNumberFor(uint64_t seq) {
  return Id('R', seq);
}
std::string InvoiceStream(std::string_view id) { return "invoice-" + std::string(id); }
std::string PaymentStream(std::string_view id) { return "payment-" + std::string(id); }
std::string BatchStream(std::string_view id) { return "batch-" + std::string(id); }

std::string_view InvoiceStatus(const InvoiceRecord& inv) {
  return events::DeriveInvoiceStatus(inv.amount, inv.allocated, inv.cancelled);
}

Result<Decision> Decide(const TenantModel& m, const SetMemberAdjustment& c, Date today) {
  std::vector<FieldError> errors;
  if (c.amount < -kYenMax || c.amount > kYenMax) errors.push_back({"amount", "out of range"});
  if (c.reason.size() > kReasonBytesMax) errors.push_back({"reason", "at most 1000 bytes"});
  if (!errors.empty()) return Invalid(std::move(errors));
  if (!m.FindMember(c.member_id)) return Status::NotFound("no member " + c.member_id);
  return Decision{{MemberStream(c.member_id),
                   events::MemberAdjustmentSet{c.member_id, c.kind, c.amount, c.reason}, today, 0}};
}

Result<Decision> DecideBatch(const TenantModel& m, const CreateInvoiceBatch& c, Date,
                             std::vector<Exclusion>* excluded) {
  std::vector<FieldError> errors;
  if (c.fiscal_year < 1900 || c.fiscal_year > 9999) errors.push_back({"fiscal_year", "1900..9999"});
  if (c.title.empty() || c.title.size() > kTitleBytesMax) errors.push_back({"title", "1..200 bytes"});
  if (c.due_date < c.issue_date) errors.push_back({"due_date", "must not be before issue_date"});
  if (c.amount && (*c.amount < 0 || *c.amount > kYenMax)) errors.push_back({"amount", "0..1000000000"});
  if (c.member_ids) {
    std::set<std::string_view> seen;
    for (size_t i = 0; i < c.member_ids->size(); ++i) {
      if (!seen.insert((*c.member_ids)[i]).second) {
        errors.push_back({"member_ids[" + std::to_string(i) + "]", "appears twice"});
      }
    }
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  for (const std::string& type : c.exclude_member_types) {
    if (!m.member_types.contains(type)) return Refused("unknown_member_type", "no member type " + type);
  }
  std::vector<const MemberRecord*> targets;
  if (c.member_ids) {
    for (const std::string& id : *c.member_ids) {
      const MemberRecord* r = m.FindMember(id);
      if (!r) return Status::NotFound("no member " + id);
      targets.push_back(r);
    }
  } else {
    for (const auto& [id, r] : m.members) targets.push_back(&r);
    std::sort(targets.begin(), targets.end(),
              [](const MemberRecord* a, const MemberRecord* b) { return a->id < b->id; });
  }
  const int start_month = m.tenant.settings.fiscal_year_start_month;
  // B2/B3: eligibility is the status on the first day of the billing start month.
  const Date billing_start =
      FirstOfMonth(c.billing_start.value_or(FiscalYearStart(c.fiscal_year, start_month)));
  const auto fees = m.fee_schedules.find(c.fiscal_year);
  const std::string batch_id = BatchIdFor(m.batch_seq + 1);
  // First who is billed and at what fee (cheap), then the events (two per invoice, with the
  // member's profile copied into each): a batch too large is refused before any is built.
  struct Billed {
    const MemberRecord* member;
    const std::string* type;  // as of the billing start
    int64_t fee;
  };
  std::vector<Billed> billed;
  billed.reserve(targets.size());
  std::set<std::string> missing_fees;
  for (const MemberRecord* r : targets) {
    const MemberStatus status = events::StatusOn(r->statuses, billing_start).status;
    if (status != MemberStatus::kActive) {
      excluded->push_back({r->id, ExclusionReason(status)});
      continue;
    }
    const std::string& type = events::TypeOn(r->types, billing_start).member_type;
    if (std::find(c.exclude_member_types.begin(), c.exclude_member_types.end(), type) !=
        c.exclude_member_types.end()) {
      excluded->push_back({r->id, "member_type_excluded"});
      continue;
    }
    if (c.category == events::InvoiceCategory::kAnnual) {
      const bool already = std::any_of(r->invoice_ids.begin(), r->invoice_ids.end(), [&](auto& id) {
        const InvoiceRecord& inv = m.invoices.at(id.str());
        return inv.fiscal_year == c.fiscal_year && inv.category == c.category && !inv.cancelled;
      });
      if (already) {
        excluded->push_back({r->id, "already_billed"});
        continue;
      }
    }
    if (c.amount) {
      billed.push_back({r, &type, *c.amount});
    } else if (fees != m.fee_schedules.end() && fees->second.contains(type)) {
      billed.push_back({r, &type, fees->second.at(type)});
    } else {
      missing_fees.insert(type);
    }
  }
  if (!missing_fees.empty()) {
    std::string types;
    for (const auto& t : missing_fees) types += (types.empty() ? "" : ", ") + t;
    return Refused("fee_schedule_missing", "fiscal year " + std::to_string(c.fiscal_year) +
                                               " has no fee for: " + types);
  }
  if (billed.size() > c.invoices_max) {
    return Status::InvalidArgument(
        "batch_too_large", "the batch would draft " + std::to_string(billed.size()) +
                               " invoices; one batch drafts at most " +
                               std::to_string(c.invoices_max) +
                               ": split it with member_ids or exclude_member_types");
  }
  Decision invoices;
  invoices.reserve(2 * billed.size());
  uint64_t seq = m.invoice_seq;
  int64_t total = 0;
  for (const Billed& b : billed) {
    const MemberRecord* r = b.member;
    // B5: the permanent adjustment and every pending one-time adjustment; never below 0.
    const int64_t adjustment = r->permanent_adjustment + r->pending_one_time;
    const int64_t amount = std::max<int64_t>(0, b.fee + adjustment);
    const std::string id = InvoiceIdFor(++seq);
    const std::string stream = InvoiceStream(id);
    invoices.push_back({stream,
                        events::InvoiceDrafted{id, batch_id, r->id, c.fiscal_year, c.category,
                                               c.title, c.issue_date, c.due_date, *b.type, b.fee,
                                               adjustment, r->pending_one_time, amount},
                        c.issue_date, 0});
    MemberProfile profile = r->Profile();
    invoices.push_back(  // B9
        {stream,
         events::InvoiceSnapshotTaken{id, r->id, *b.type, std::move(profile.name),
                                      std::move(profile.address)},
         c.issue_date, 0});
    total += amount;
  }
  Decision d;
  d.reserve(invoices.size() + 1);
  d.push_back({BatchStream(batch_id),
               events::InvoiceBatchCreated{batch_id, c.fiscal_year, c.category, c.title,
                                           c.issue_date, c.due_date, billing_start,
                                           static_cast<uint32_t>(invoices.size() / 2), total},
               c.issue_date, 0});
  for (auto& e : invoices) d.push_back(std::move(e));
  return d;
}

Result<Decision> Decide(const TenantModel& m, const ConfirmBatch& c, Date today) {
  auto it = m.batches.find(c.batch_id);
  if (it == m.batches.end()) return Status::NotFound("no invoice batch " + c.batch_id);
  const BatchRecord& b = it->second;
  if (b.cancelled) return Refused("batch_cancelled", "invoice batch " + b.id + " is cancelled");
  if (b.confirmed) return Decision{};
  Decision d;
  d.push_back({BatchStream(b.id), events::InvoiceBatchConfirmed{b.id}, today, 0});
  for (const CompactId& invoice_id : b.invoice_ids) {
    const std::string id = invoice_id.str();
    const InvoiceRecord& inv = m.invoices.at(id);
    if (inv.cancelled) continue;
    // Effective on the invoice's issue date: "what was owed on date D" follows the invoice.
    d.push_back({InvoiceStream(id),
                 events::InvoiceIssued{id, inv.member_id.str(), inv.fiscal_year, inv.category,
                                       inv.amount},
                 inv.issue_date, 0});
  }
  return d;
}

namespace {

// B8: cancels `ids` (all or nothing); the answer lists every invoice that blocks.
Result<Decision> CancelAll(const TenantModel& m, const std::vector<std::string>& ids,
                           const std::string& reason, Date today, bool skip_cancelled) {
  Decision d;
  std::vector<FieldError> errors;
  Status first;
  for (size_t i = 0; i < ids.size(); ++i) {
    const InvoiceRecord* inv = m.FindInvoice(ids[i]);
    Status s;
    if (!inv) {
      s = Status::NotFound("no invoice " + ids[i]);
    } else if (inv->cancelled) {
      if (skip_cancelled) continue;
      s = Refused("invoice_cancelled", "invoice " + ids[i] + " is already cancelled");
    } else if (inv->allocated > 0) {
      s = Refused("invoice_has_payments", "invoice " + ids[i] + " has " +
                                              std::to_string(inv->allocated) +
                                              " yen allocated; reverse or reallocate it first");
    }
    if (!s.ok()) {
      errors.push_back({"invoice_ids[" + std::to_string(i) + "]", s.message()});
      if (first.ok()) first = s;
      continue;
    }
    d.push_back({InvoiceStream(ids[i]),
                 events::InvoiceCancelled{ids[i], inv->member_id.str(), inv->fiscal_year,
                                          inv->category, inv->issued ? inv->issued_amount : 0,
                                          inv->issued ? inv->posted_adjustments : 0, reason},
                 today, 0});
  }
  if (!first.ok()) {
    Status s = first.code() == StatusCode::kNotFound
                   ? Status::NotFound("some invoices do not exist; nothing was cancelled")
                   : Refused(first.reason().c_str(), "nothing was cancelled: " + first.message());
    return std::move(s).WithFieldErrors(std::move(errors));
  }
  return d;
}

}  // namespace

Result<Decision> Decide(const TenantModel& m, const CancelBatch& c, Date today) {
  if (c.reason.size() > kReasonBytesMax) return Invalid({{"reason", "at most 1000 bytes"}});
  auto it = m.batches.find(c.batch_id);
  if (it == m.batches.end()) return Status::NotFound("no invoice batch " + c.batch_id);
  if (it->second.cancelled) return Decision{};
  std::vector<std::string> ids;
  ids.reserve(it->second.invoice_ids.size());
  for (const CompactId& id : it->second.invoice_ids) ids.push_back(id.str());
  auto d = CancelAll(m, ids, c.reason, today, /*skip_cancelled=*/true);
  if (!d.ok()) return d;
  d->push_back({BatchStream(c.batch_id), events::InvoiceBatchCancelled{c.batch_id, c.reason}, today, 0});
  return d;
}

Result<Decision> Decide(const TenantModel& m, const CancelInvoices& c, Date today) {
  std::vector<FieldError> errors;
  if (c.invoice_ids.empty() || c.invoice_ids.size() > kInvoiceListMax) {
    errors.push_back({"invoice_ids", "1..10000 invoice ids"});
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < c.invoice_ids.size(); ++i) {
    if (!seen.insert(c.invoice_ids[i]).second) {
      errors.push_back({"invoice_ids[" + std::to_string(i) + "]", "appears twice"});
    }
  }
  if (c.reason.size() > kReasonBytesMax) errors.push_back({"reason", "at most 1000 bytes"});
  if (!errors.empty()) return Invalid(std::move(errors));
  return CancelAll(m, c.invoice_ids, c.reason, today, /*skip_cancelled=*/false);
}

Result<Decision> Decide(const TenantModel& m, const ChangeInvoiceTitle& c, Date today) {
  if (c.title.empty() || c.title.size() > kTitleBytesMax) return Invalid({{"title", "1..200 bytes"}});
  const InvoiceRecord* inv = m.FindInvoice(c.invoice_id);
  if (!inv) return Status::NotFound("no invoice " + c.invoice_id);
  if (inv->cancelled) return Refused("invoice_cancelled", "invoice " + c.invoice_id + " is cancelled");
  if (inv->title == c.title) return Decision{};  // B7: paid invoices too
  return Decision{{InvoiceStream(c.invoice_id),
                   events::InvoiceTitleChanged{c.invoice_id, inv->member_id.str(), c.title},
                   today, 0}};
}

// R1: only an invoice paid in full, issued and not cancelled, gets a receipt, for what it was paid.
// R2: the first issue numbers it; a later one is a reissue of the same number, the next copy,
// unless what the invoice asks or was paid changed since (the model voided it): a new number.
Result<Decision> Decide(const TenantModel& m, const IssueReceipt& c, Date today) {
  const InvoiceRecord* inv = m.FindInvoice(c.invoice_id);
  if (!inv || (!c.member_id.empty() && (inv->member_id.str() != c.member_id || !inv->issued))) {
    return Status::NotFound("no invoice " + c.invoice_id);
  }
  if (inv->cancelled)
    return Refused("invoice_cancelled", "invoice " + c.invoice_id + " is cancelled");
  if (!inv->issued) {
    return Refused("invoice_not_confirmed", "invoice " + c.invoice_id + " is still a draft");
  }
  if (inv->amount == 0) {
    return Refused("nothing_received",
                   "invoice " + c.invoice_id + " asks for nothing: there is no payment to receipt");
  }
  if (inv->allocated < inv->amount) {
    return Refused("invoice_not_paid", "invoice " + c.invoice_id + " is not paid in full: " +
                                           std::to_string(inv->allocated) + " of " +
                                           std::to_string(inv->amount) + " yen received");
  }
  const uint64_t number = inv->receipts == 0 ? m.receipt_seq + 1 : inv->receipt_seq;
  return Decision{
      {InvoiceStream(c.invoice_id),
       events::ReceiptIssued{c.invoice_id, inv->member_id.str(), ReceiptNumberFor(number),
                             inv->receipts + 1, inv->allocated, today},
       today, 0}};
}

Result<Decision> Decide(const TenantModel& m, const AdjustInvoice& c, Date today) {
  std::vector<FieldError> errors;
  if (c.amount == 0 || c.amount < -kYenMax || c.amount > kYenMax) {
    errors.push_back({"amount", "a non-zero change of at most 1000000000 yen"});
  }
  if (c.reason.size() > kReasonBytesMax) errors.push_back({"reason", "at most 1000 bytes"});
  if (!errors.empty()) return Invalid(std::move(errors));
  const InvoiceRecord* inv = m.FindInvoice(c.invoice_id);
  if (!inv) return Status::NotFound("no invoice " + c.invoice_id);
  if (inv->cancelled) return Refused("invoice_cancelled", "invoice " + c.invoice_id + " is cancelled");
  const int64_t amount = inv->amount + c.amount;
  if (amount < 0) {  // B5
    return Refused("invoice_amount_negative", "the invoice amount would be " + std::to_string(amount));
  }
  if (amount < inv->allocated) {  // L2
    return Refused("amount_below_allocated", "the invoice has " + std::to_string(inv->allocated) +
                                                 " yen allocated");
  }
  return Decision{{InvoiceStream(c.invoice_id),
                   events::InvoiceAdjusted{c.invoice_id, inv->member_id.str(), inv->fiscal_year,
                                           c.amount, inv->issued, c.reason},
                   today, 0}};
}

Result<Decision> Decide(const TenantModel& m, const RecordPayment& c, Date today) {
  std::vector<FieldError> errors;
  if (c.amount <= 0 || c.amount > kYenMax) errors.push_back({"amount", "must be 1..1000000000 yen"});
  if (c.received_on > today) errors.push_back({"received_on", "must not be after today"});
  if (c.payer_name.size() > kNoteBytesMax) errors.push_back({"payer_name", "at most 1000 bytes"});
  if (c.memo.size() > kNoteBytesMax) errors.push_back({"memo", "at most 1000 bytes"});
  if (c.settlement_number.size() > 200) errors.push_back({"settlement_number", "at most 200 bytes"});
  if (!errors.empty()) return Invalid(std::move(errors));
  if (Status s = CheckRequests(c.allocations); !s.ok()) return s;
  const MemberRecord* r = m.FindMember(c.member_id);
  if (!r) return Status::NotFound("no member " + c.member_id);

  const std::string id = PaymentIdFor(m.payment_seq + 1);
  const std::string stream = PaymentStream(id);
  Decision d;
  d.push_back({stream,
               events::PaymentRecorded{id, r->id, c.amount, c.method, c.received_on,
                                       c.settlement_number},
               c.received_on, 0});
  if (!c.payer_name.empty() || !c.memo.empty()) {
    d.push_back({stream, events::PaymentNoteRecorded{id, r->id, c.payer_name, c.memo},
                 c.received_on, 0});
  }
  int64_t remaining = c.amount;
  if (c.mode == AllocationMode::kExplicit) {
    for (const AllocationRequest& a : c.allocations) {
      if (Status s = CheckAllocation(m, r->id, a.invoice_id, a.amount, 0); !s.ok()) return s;
      if (a.amount > remaining) {
        return Refused("allocation_exceeds_payment", "the allocations exceed the payment");
      }
      remaining -= a.amount;
      d.push_back(Allocation(stream, id, a.invoice_id, m.invoices.at(a.invoice_id), a.amount,
                             c.received_on));
    }
  } else if (c.mode == AllocationMode::kOldestFirst) {
    for (const auto& [invoice_id, inv] : OpenInvoices(m, *r)) {
      if (remaining == 0) break;
      const int64_t amount = std::min(remaining, inv->outstanding());
      remaining -= amount;
      d.push_back(Allocation(stream, id, invoice_id->str(), *inv, amount, c.received_on));
    }
  }
  if (remaining > 0 && ExactMethod(c.method)) {  // P2
    return Refused("amount_exceeds_invoice",
                   std::string(events::PaymentMethodName(c.method)) +
                       " payments cannot exceed what they pay for (" + std::to_string(remaining) +
                       " yen would be left over)");
  }
  return d;  // P3: what is not allocated stays as the member's credit
}

Result<Decision> Decide(const TenantModel& m, const ReversePayment& c, Date today) {
  if (c.reason.size() > kReasonBytesMax) return Invalid({{"reason", "at most 1000 bytes"}});
  auto it = m.payments.find(c.payment_id);
  if (it == m.payments.end()) return Status::NotFound("no payment " + c.payment_id);
  const PaymentRecord& p = it->second;
  if (p.reversed) return Refused("payment_already_reversed", "payment " + c.payment_id + " was reversed");
  const MemberRecord& r = m.members.at(p.member_id.str());
  if (r.credit + p.allocated() - p.amount < 0) {  // L2: its credit was applied elsewhere
    return Refused("insufficient_credit",
                   "the member's credit from this payment was already applied to other invoices");
  }
  Decision d;
  const std::string stream = PaymentStream(c.payment_id);
  for (const AllocationRecord& a : p.allocations) {  // P4: compensating events, nothing deleted
    d.push_back(Release(m, stream, c.payment_id, p, a, today));
  }
  d.push_back({stream,
               events::PaymentReversed{c.payment_id, p.member_id.str(), p.amount, p.method,
                                       c.reason},
               today, p.position});
  return d;
}

Result<Decision> Decide(const TenantModel& m, const ReallocatePayment& c, Date today) {
  if (c.reason.size() > kReasonBytesMax) return Invalid({{"reason", "at most 1000 bytes"}});
  if (Status s = CheckRequests(c.allocations); !s.ok()) return s;
  auto it = m.payments.find(c.payment_id);
  if (it == m.payments.end()) return Status::NotFound("no payment " + c.payment_id);
  const PaymentRecord& p = it->second;
  if (p.reversed) return Refused("payment_already_reversed", "payment " + c.payment_id + " was reversed");
  std::map<std::string, int64_t> released;
  for (const AllocationRecord& a : p.allocations) released[a.invoice_id.str()] += a.amount;
  std::map<std::string, int64_t> wanted;
  int64_t total = 0;
  for (const AllocationRequest& a : c.allocations) {
    const auto r = released.find(a.invoice_id);
    const int64_t back = r == released.end() ? 0 : r->second;
    Status s = CheckAllocation(m, p.member_id.str(), a.invoice_id, a.amount, back);
    if (!s.ok()) return s;
    wanted[a.invoice_id] = a.amount;
    total += a.amount;
  }
  if (total > p.amount) return Refused("allocation_exceeds_payment", "the allocations exceed the payment");
  if (total < p.amount && ExactMethod(p.method)) {  // P2
    return Refused("amount_exceeds_invoice", "a card or convenience-store payment must stay fully allocated");
  }
  if (wanted == released) return Decision{};
  Decision d;
  const std::string stream = PaymentStream(c.payment_id);
  for (const AllocationRecord& a : p.allocations) {  // P5: release the old, then allocate anew
    d.push_back(Release(m, stream, c.payment_id, p, a, today));
  }
  for (const AllocationRequest& a : c.allocations) {
    d.push_back(Allocation(stream, c.payment_id, a.invoice_id, m.invoices.at(a.invoice_id),
                           a.amount, today));
  }
  return d;
}

Result<Decision> Decide(const TenantModel& m, const ApplyCredit& c, Date today) {
  if (c.amount <= 0 || c.amount > kYenMax) return Invalid({{"amount", "must be 1..1000000000 yen"}});
  const MemberRecord* r = m.FindMember(c.member_id);
  if (!r) return Status::NotFound("no member " + c.member_id);
  if (Status s = CheckAllocation(m, r->id, c.invoice_id, c.amount, 0); !s.ok()) return s;
  if (c.amount > r->credit) {  // L2: no credit below 0
    return Refused("insufficient_credit", "the member has " + std::to_string(r->credit) + " yen of credit");
  }
  return Decision{Allocation(MemberStream(r->id), "", c.invoice_id, m.invoices.at(c.invoice_id),
                             c.amount, today)};
}

}  // namespace kaiin::commands
