#include "commands/model.h"

#include <algorithm>
#include <cstdio>

#include "events/codec.h"
#include "events/row_codec.h"
#include "events/text.h"

namespace kaiin::commands {
namespace {

constexpr size_t kNumericNumberDigitsMax = 18;  // beyond that, not counted for auto numbering

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

MemberProfile MemberRecord::Profile() const {
  MemberProfile p;
  events::RowReader r(profile);
  // Written by SetProfile or checked by the snapshot decoder: it reads back.
  if (!(events::GetPersonName(r, &p.name) && events::GetOptionalAddress(r, &p.address) &&
        r.Str(&p.affiliation) && r.Str(&p.payment_method))) {
    return MemberProfile{};
  }
  return p;
}

void MemberRecord::SetProfile(const MemberProfile& p) {
  events::RowWriter w;
  events::PutPersonName(w, p.name);
  events::PutOptionalAddress(w, p.address);
  w.Str(p.affiliation).Str(p.payment_method);
  profile = w.Take();
}

const MemberRecord* TenantModel::FindMember(std::string_view id) const {
  auto it = members.find(std::string(id));
  return it == members.end() ? nullptr : &it->second;
}

const InvoiceRecord* TenantModel::FindInvoice(std::string_view id) const {
  auto it = invoices.find(std::string(id));
  return it == invoices.end() ? nullptr : &it->second;
}

std::string MemberStream(std::string_view member_id) { return "member-" + std::string(member_id); }

std::string MemberIdFor(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "m%09llu", static_cast<unsigned long long>(seq));
  return buf;
}

std::string ResetTokenKey(events::SubjectKind kind, std::string_view subject) {
  return std::string(kind == events::SubjectKind::kStaff ? "reset:staff:" : "reset:member:") +
         std::string(subject);
}

std::string NormalizeEmail(std::string_view email) { return AsciiLower(email); }

Status Replay(events::EventReader& reader, uint64_t after, uint64_t up_to, TenantModel* model) {
  up_to = std::min(up_to, reader.Head());
  std::vector<events::RecordedEvent> records;
  while (after < up_to) {
    records.clear();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(10000, up_to - after));
    if (Status s = reader.ReadAfter(after, want, &records); !s.ok()) return s;
    if (records.empty()) break;
    for (const auto& r : records) {
      events::Envelope env;
      if (Status s = events::DecodeEnvelope(r.bytes, &env); !s.ok()) return s;
      Evolve(*model, env.event, env.meta.position);
    }
    after = records.back().position;
  }
  return Status::Ok();
}

void Evolve(TenantModel& m, const events::Event& event, uint64_t position) {
  m.position = position;
  std::visit(
      [&m, position](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, events::TenantConfigured>) {
          Evolve(m.tenant, e);
        } else if constexpr (std::is_same_v<T, events::MemberTypeDefined>) {
          m.member_types[e.code] = e;
        } else if constexpr (std::is_same_v<T, events::FeeScheduleSet>) {
          auto& fees = m.fee_schedules[e.fiscal_year];
          fees.clear();
          for (const auto& [type, amount] : e.fees) fees[type] = amount;
        } else if constexpr (std::is_same_v<T, events::MemberApplied>) {
          ++m.member_seq;
          MemberRecord& r = m.members[e.member_id];
          r.id = e.member_id;
          r.email = e.email;
          r.applied_on = e.applied_on;
          r.statuses = {{events::MemberStatus::kApplying, e.applied_on}};
          r.types = {{e.member_type, e.applied_on}};
          r.SetProfile({e.name, e.address, e.affiliation.value_or(""), ""});
          m.email_owner[NormalizeEmail(e.email)] = e.member_id;
        } else if constexpr (std::is_same_v<T, events::MemberAdmitted>) {
          MemberRecord& r = m.members[e.member_id];
          if (e.replaces_application) r.statuses.pop_back();
          r.statuses.push_back({events::MemberStatus::kActive, e.admitted_on});
          r.admission_seq = ++m.admission_seq;
          r.admitted_on = e.admitted_on;
        } else if constexpr (std::is_same_v<T, events::MemberStatusChanged>) {
          m.members[e.member_id].statuses.push_back({e.status, e.effective_date});
        } else if constexpr (std::is_same_v<T, events::MemberNumberAssigned>) {
          m.members[e.member_id].member_number = e.member_number;
          m.number_owner[e.member_number] = e.member_id;
          if (AllDigits(e.member_number) && e.member_number.size() <= kNumericNumberDigitsMax) {
            const uint64_t v = std::stoull(e.member_number);
            if (v >= m.numeric_number_max) {
              m.numeric_number_max = v;
              m.numeric_number_width = e.member_number.size();
            }
          }
        } else if constexpr (std::is_same_v<T, events::MemberTypeChanged>) {
          m.members[e.member_id].types.push_back({e.member_type, e.effective_date});
        } else if constexpr (std::is_same_v<T, events::MemberProfileUpdated>) {
          MemberRecord& r = m.members[e.member_id];
          MemberProfile p = r.Profile();
          if (e.name) p.name = *e.name;
          if (e.address) p.address = *e.address;
          if (e.affiliation) p.affiliation = *e.affiliation;
          if (e.payment_method) p.payment_method = *e.payment_method;
          r.SetProfile(p);
          if (e.directory_visible) r.directory_visible = *e.directory_visible;
        } else if constexpr (std::is_same_v<T, events::MemberEmailChanged>) {
          MemberRecord& r = m.members[e.member_id];
          auto old = m.email_owner.find(NormalizeEmail(r.email));
          if (old != m.email_owner.end() && old->second == r.id) m.email_owner.erase(old);
          r.email = e.email;
          m.email_owner[NormalizeEmail(e.email)] = r.id;
        } else if constexpr (std::is_same_v<T, events::MemberAdjustmentSet>) {
          MemberRecord& r = m.members[e.member_id];
          if (e.kind == events::AdjustmentKind::kOneTime) {
            r.pending_one_time += e.amount;
          } else {
            r.permanent_adjustment = e.amount;
          }
        } else if constexpr (std::is_same_v<T, events::InvoiceBatchCreated>) {
          ++m.batch_seq;
          m.batches[e.batch_id] = BatchRecord{e.batch_id, e.fiscal_year, e.category, e.title,
                                              false, false, {}};
        } else if constexpr (std::is_same_v<T, events::InvoiceDrafted>) {
          InvoiceRecord& inv = m.invoices[e.invoice_id];
          inv = InvoiceRecord{};
          inv.member_id = e.member_id;
          inv.batch_id = e.batch_id;
          inv.fiscal_year = e.fiscal_year;
          inv.category = e.category;
          inv.title = e.title;
          inv.issue_date = e.issue_date;
          inv.due_date = e.due_date;
          inv.amount = e.amount;
          inv.one_time_consumed = e.one_time_consumed;
          inv.seq = ++m.invoice_seq;
          MemberRecord& r = m.members[e.member_id];
          r.invoice_ids.push_back(e.invoice_id);
          r.pending_one_time -= e.one_time_consumed;
          m.batches[e.batch_id].invoice_ids.push_back(e.invoice_id);
        } else if constexpr (std::is_same_v<T, events::InvoiceBatchConfirmed>) {
          m.batches[e.batch_id].confirmed = true;
        } else if constexpr (std::is_same_v<T, events::InvoiceIssued>) {
          InvoiceRecord& inv = m.invoices[e.invoice_id];
          inv.issued = true;
          inv.issued_amount = e.amount;
        } else if constexpr (std::is_same_v<T, events::InvoiceTitleChanged>) {
          m.invoices[e.invoice_id].title = e.title;
        } else if constexpr (std::is_same_v<T, events::InvoiceAdjusted>) {
          InvoiceRecord& inv = m.invoices[e.invoice_id];
          inv.receipts = 0;  // R2: a receipt issued before is void
          inv.amount += e.amount;
          if (e.posted) inv.posted_adjustments += e.amount;
        } else if constexpr (std::is_same_v<T, events::InvoiceCancelled>) {
          InvoiceRecord& inv = m.invoices[e.invoice_id];
          inv.cancelled = true;
          // The one-time adjustment the invoice consumed goes back to the member (B5).
          m.members[e.member_id].pending_one_time += inv.one_time_consumed;
        } else if constexpr (std::is_same_v<T, events::InvoiceBatchCancelled>) {
          m.batches[e.batch_id].cancelled = true;
        } else if constexpr (std::is_same_v<T, events::PaymentRecorded>) {
          ++m.payment_seq;
          PaymentRecord& p = m.payments[e.payment_id];
          p = PaymentRecord{};
          p.member_id = e.member_id;
          p.amount = e.amount;
          p.position = position;
          p.received_on = e.received_on;
          p.method = e.method;
          m.members[e.member_id].credit += e.amount;
        } else if constexpr (std::is_same_v<T, events::PaymentAllocated>) {
          InvoiceRecord& inv = m.invoices[e.invoice_id];
          inv.allocated += e.amount;
          inv.receipts = 0;
          m.members[e.member_id].credit -= e.amount;
          if (!e.payment_id.empty()) {
            m.payments[e.payment_id].allocations.push_back({e.invoice_id, e.amount, position});
          }
        } else if constexpr (std::is_same_v<T, events::AllocationReleased>) {
          InvoiceRecord& inv = m.invoices[e.invoice_id];
          inv.allocated -= e.amount;
          inv.receipts = 0;
          m.members[e.member_id].credit += e.amount;
          if (!e.payment_id.empty()) {
            auto& allocations = m.payments[e.payment_id].allocations;
            for (auto it = allocations.begin(); it != allocations.end(); ++it) {
              if (it->invoice_id == e.invoice_id && it->amount == e.amount) {
                allocations.erase(it);
                break;
              }
            }
          }
        } else if constexpr (std::is_same_v<T, events::PaymentReversed>) {
          m.payments[e.payment_id].reversed = true;
          m.members[e.member_id].credit -= e.amount;
        } else if constexpr (std::is_same_v<T, events::StaffAccountCreated>) {
          m.staff[e.login] = e.role;
        } else if constexpr (std::is_same_v<T, events::PasswordResetIssued>) {
          m.tokens[e.token_hash] = TokenRecord{e.subject_kind, e.subject, "", false, e.expires_at, false};
          m.latest_token[ResetTokenKey(e.subject_kind, e.subject)] = e.token_hash;
        } else if constexpr (std::is_same_v<T, events::EmailChangeRequested>) {
          m.tokens[e.token_hash] = TokenRecord{events::SubjectKind::kMember, e.member_id, e.new_email,
                                               true, e.expires_at, false};
          m.latest_token["email:" + e.member_id] = e.token_hash;
        } else if constexpr (std::is_same_v<T, events::TokenUsed>) {
          m.tokens[e.token_hash].used = true;
        } else if constexpr (std::is_same_v<T, events::OutboxMessageQueued>) {
          ++m.message_seq;
        } else if constexpr (std::is_same_v<T, events::ReceiptIssued>) {
          // The number as decided: a first copy takes the next (logs written before receipts
          // were voided hold later copies of one number after a reversal, read as they are).
          InvoiceRecord& inv = m.invoices[e.invoice_id];
          if (e.copy == 1) inv.receipt_seq = ++m.receipt_seq;
          inv.receipts = e.copy;
        }
      },
      event);
}

}  // namespace kaiin::commands
