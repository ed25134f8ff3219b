// The tenant's write model: everything a command is decided against, built by Evolve from the
// events in log order. Lives on the tenant's writer thread only (no locks).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/compact_id.h"
#include "commands/sequenced_map.h"
#include "commands/tenant.h"
#include "events/event.h"
#include "events/log_reader.h"
#include "events/member_history.h"

namespace kaiin::commands {

// A member's profile as commands need it: UpdateProfile compares it, an invoice copies the name
// and address into its snapshot (B*). The record keeps it encoded in one string (the row codec,
// the bytes a snapshot holds): ~100 bytes where thirteen strings took ~420, which is ~0.35 GB
// for a million members (DESIGN.md §5).
struct MemberProfile {
  events::PersonName name;
  std::optional<events::PostalAddress> address;
  std::string affiliation;
  std::string payment_method;
  bool operator==(const MemberProfile&) const = default;
};

struct MemberRecord {
  std::string id;
  std::string email;
  Date applied_on = 0;
  std::vector<events::StatusEntry> statuses;  // dates strictly increase (M2)
  std::vector<events::TypeEntry> types;       // dates strictly increase
  std::string member_number;                  // empty: none yet
  uint64_t admission_seq = 0;                 // order of admission; 0: never admitted
  Date admitted_on = 0;
  // A MemberProfile, encoded: read it with Profile(). Starts as the empty profile's encoding
  // (five empty name parts, no address, two empty strings: eight zero bytes).
  std::string profile = std::string(8, '\0');
  bool directory_visible = false;
  // Billing (B5, P3, P6).
  int64_t pending_one_time = 0;       // one-time adjustments not yet consumed by an invoice
  int64_t permanent_adjustment = 0;   // applied to every invoice
  int64_t credit = 0;                 // the balance of credit:<member> (never below 0, L2)
  std::vector<CompactId> invoice_ids;  // in creation order

  const events::StatusEntry& LatestStatus() const { return statuses.back(); }
  MemberProfile Profile() const;
  void SetProfile(const MemberProfile& p);
  bool operator==(const MemberRecord&) const = default;
};

// Invoices and payments are kept by their id (TenantModel::invoices, ::payments): the records do
// not hold it again, refer to members, batches and invoices by CompactId, and keep their fields
// ordered for packing: a model of 2M invoices and 6M payments held 1.5 GiB of them as strings
// and nodes, 0.8 GiB now (docs/benchmarks.md, "The write model's memory").
struct InvoiceRecord {
  CompactId member_id, batch_id;
  std::string title;
  int64_t amount = 0;              // what is owed now (after invoice adjustments)
  int64_t allocated = 0;
  int64_t issued_amount = 0;       // posted when issued
  int64_t posted_adjustments = 0;  // adjustments posted after issue
  int64_t one_time_consumed = 0;   // given back to the member if the invoice is cancelled
  uint64_t seq = 0;                // creation order
  uint64_t receipt_seq = 0;        // its last receipt's number (0: none issued)
  int fiscal_year = 0;
  Date issue_date = 0, due_date = 0;
  // Copies of its receipt issued (the first and reissues); 0 again once what it was paid
  // changes (R2: that receipt is void, the next one is numbered anew).
  uint32_t receipts = 0;
  events::InvoiceCategory category = events::InvoiceCategory::kAnnual;
  bool issued = false;             // its batch was confirmed (B6)
  bool cancelled = false;

  int64_t outstanding() const { return amount - allocated; }
  bool operator==(const InvoiceRecord&) const = default;
};

struct AllocationRecord {
  CompactId invoice_id;
  int64_t amount = 0;
  uint64_t position = 0;  // of the PaymentAllocated event (the causation of its release)
  bool operator==(const AllocationRecord&) const = default;
};

struct PaymentRecord {
  CompactId member_id;
  int64_t amount = 0;
  uint64_t position = 0;  // of the PaymentRecorded event
  Date received_on = 0;
  events::PaymentMethod method = events::PaymentMethod::kBankTransfer;
  bool reversed = false;
  std::vector<AllocationRecord> allocations;  // current ones

  int64_t allocated() const {
    int64_t sum = 0;
    for (const auto& a : allocations) sum += a.amount;
    return sum;
  }
  bool operator==(const PaymentRecord&) const = default;
};

struct BatchRecord {
  std::string id;
  int fiscal_year = 0;
  events::InvoiceCategory category = events::InvoiceCategory::kAnnual;
  std::string title;
  bool confirmed = false, cancelled = false;
  std::vector<CompactId> invoice_ids;
  bool operator==(const BatchRecord&) const = default;
};

// A reset or e-mail-change token, known by its hash.
struct TokenRecord {
  events::SubjectKind kind = events::SubjectKind::kMember;
  std::string subject;    // staff login or member id
  std::string new_email;  // e-mail change tokens
  bool email_change = false;
  TimestampMicros expires_at = 0;
  bool used = false;
  bool operator==(const TokenRecord&) const = default;
};

struct TenantModel {
  TenantState tenant;
  std::map<std::string, events::MemberTypeDefined> member_types;
  std::map<int, std::map<std::string, int64_t>> fee_schedules;  // fiscal year -> type -> yen
  SequencedMap<'m', MemberRecord> members;  // by id ("m000000001": MemberIdFor)
  std::unordered_map<std::string, CompactId> email_owner;   // normalized e-mail -> member id
  std::unordered_map<std::string, CompactId> number_owner;  // every number ever -> member id
  uint64_t member_seq = 0;
  uint64_t admission_seq = 0;
  uint64_t numeric_number_max = 0;   // the highest all-digit member number ever assigned
  size_t numeric_number_width = 0;   // its width (leading zeros kept)
  // Ids numbered in order ("i000000001", "p000000001"): kept by number (sequenced_map.h).
  SequencedMap<'i', InvoiceRecord> invoices;
  SequencedMap<'p', PaymentRecord> payments;
  std::unordered_map<std::string, BatchRecord> batches;
  uint64_t invoice_seq = 0, batch_seq = 0, payment_seq = 0;
  std::map<std::string, events::StaffRole> staff;               // login -> role
  std::unordered_map<std::string, TokenRecord> tokens;          // token hash -> token
  std::unordered_map<std::string, std::string> latest_token;    // purpose+subject -> token hash
  uint64_t message_seq = 0;
  uint64_t receipt_seq = 0;  // receipts numbered so far
  // The position of the last event evolved into the model: a snapshot is taken only when it is
  // the log's head (every event in, nothing more), and read back only at its own position.
  uint64_t position = 0;

  const MemberRecord* FindMember(std::string_view id) const;
  const InvoiceRecord* FindInvoice(std::string_view id) const;
  bool operator==(const TenantModel&) const = default;
};

// Applies the events after position `after`, up to `up_to` (at most the reader's head), to
// `model`: how the write model is loaded, from nothing or from a snapshot at `after`.
Status Replay(events::EventReader& reader, uint64_t after, uint64_t up_to, TenantModel* model);

// Applies one event recorded at `position`. Never fails and never validates (the event is a
// fact).
void Evolve(TenantModel& model, const events::Event& event, uint64_t position);

std::string MemberStream(std::string_view member_id);
std::string MemberIdFor(uint64_t seq);           // "m000000001"
std::string NormalizeEmail(std::string_view email);  // ASCII lower case (M1)
std::string ResetTokenKey(events::SubjectKind kind, std::string_view subject);

}  // namespace kaiin::commands
