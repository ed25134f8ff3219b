#include "events/codec.h"

#include <cstring>

#include "kaiin_events_generated.h"

namespace kaiin::events {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

Offset<flatbuffers::String> Str(FlatBufferBuilder& fbb, const std::string& s) {
  return fbb.CreateString(s);
}
Offset<flatbuffers::String> OptStr(FlatBufferBuilder& fbb, const std::optional<std::string>& s) {
  return s ? fbb.CreateString(*s) : Offset<flatbuffers::String>();
}

Offset<fb::PersonName> EncodeName(FlatBufferBuilder& fbb, const PersonName& n) {
  return fb::CreatePersonNameDirect(fbb, n.family.c_str(), n.given.c_str(), n.family_kana.c_str(),
                                    n.given_kana.c_str(), n.romaji.c_str());
}
Offset<fb::PostalAddress> EncodeAddress(FlatBufferBuilder& fbb, const PostalAddress& a) {
  return fb::CreatePostalAddressDirect(fbb, a.postal_code.c_str(), a.prefecture.c_str(),
                                       a.city.c_str(), a.line1.c_str(), a.line2.c_str(),
                                       a.country.c_str());
}

Offset<void> EncodeEvent(FlatBufferBuilder& fbb, const Event& event, fb::Event* type) {
  return std::visit(
      [&](const auto& e) -> Offset<void> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, TenantConfigured>) {
          *type = fb::Event::TenantConfigured;
          return fb::CreateTenantConfiguredDirect(
                     fbb, e.name.c_str(), static_cast<uint8_t>(e.fiscal_year_start_month),
                     e.timezone.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, MemberTypeDefined>) {
          *type = fb::Event::MemberTypeDefined;
          return fb::CreateMemberTypeDefinedDirect(fbb, e.code.c_str(), e.name.c_str(),
                                                   static_cast<fb::MemberKind>(e.kind))
              .Union();
        } else if constexpr (std::is_same_v<T, FeeScheduleSet>) {
          *type = fb::Event::FeeScheduleSet;
          std::vector<Offset<fb::Fee>> fees;
          for (const auto& [member_type, amount] : e.fees) {
            fees.push_back(fb::CreateFeeDirect(fbb, member_type.c_str(), amount));
          }
          return fb::CreateFeeScheduleSetDirect(fbb, e.fiscal_year, &fees).Union();
        } else if constexpr (std::is_same_v<T, MemberApplied>) {
          *type = fb::Event::MemberApplied;
          auto id = Str(fbb, e.member_id), email = Str(fbb, e.email), mt = Str(fbb, e.member_type);
          auto name = EncodeName(fbb, e.name);
          auto address = e.address ? EncodeAddress(fbb, *e.address) : Offset<fb::PostalAddress>();
          auto affiliation = OptStr(fbb, e.affiliation);
          return fb::CreateMemberApplied(fbb, id, email, mt, e.applied_on, name, address,
                                         affiliation)
              .Union();
        } else if constexpr (std::is_same_v<T, MemberAdmitted>) {
          *type = fb::Event::MemberAdmitted;
          return fb::CreateMemberAdmittedDirect(fbb, e.member_id.c_str(), e.admitted_on,
                                                e.replaces_application)
              .Union();
        } else if constexpr (std::is_same_v<T, MemberStatusChanged>) {
          *type = fb::Event::MemberStatusChanged;
          return fb::CreateMemberStatusChangedDirect(fbb, e.member_id.c_str(),
                                                     static_cast<fb::MemberStatus>(e.status),
                                                     e.effective_date, e.reason.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, MemberNumberAssigned>) {
          *type = fb::Event::MemberNumberAssigned;
          return fb::CreateMemberNumberAssignedDirect(fbb, e.member_id.c_str(),
                                                      e.member_number.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, MemberTypeChanged>) {
          *type = fb::Event::MemberTypeChanged;
          return fb::CreateMemberTypeChangedDirect(fbb, e.member_id.c_str(), e.member_type.c_str(),
                                                   e.effective_date)
              .Union();
        } else if constexpr (std::is_same_v<T, MemberProfileUpdated>) {
          *type = fb::Event::MemberProfileUpdated;
          auto id = Str(fbb, e.member_id);
          auto name = e.name ? EncodeName(fbb, *e.name) : Offset<fb::PersonName>();
          auto address = e.address ? EncodeAddress(fbb, *e.address) : Offset<fb::PostalAddress>();
          auto affiliation = OptStr(fbb, e.affiliation);
          auto method = OptStr(fbb, e.payment_method);
          fb::MemberProfileUpdatedBuilder b(fbb);
          b.add_member_id(id);
          if (e.name) b.add_name(name);
          if (e.address) b.add_address(address);
          if (e.affiliation) b.add_affiliation(affiliation);
          if (e.payment_method) b.add_payment_method(method);
          if (e.directory_visible) b.add_directory_visible(*e.directory_visible);
          return b.Finish().Union();
        } else if constexpr (std::is_same_v<T, MemberEmailChanged>) {
          *type = fb::Event::MemberEmailChanged;
          return fb::CreateMemberEmailChangedDirect(fbb, e.member_id.c_str(), e.email.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, MemberAdjustmentSet>) {
          *type = fb::Event::MemberAdjustmentSet;
          return fb::CreateMemberAdjustmentSetDirect(fbb, e.member_id.c_str(),
                                                     static_cast<fb::AdjustmentKind>(e.kind),
                                                     e.amount, e.reason.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, InvoiceBatchCreated>) {
          *type = fb::Event::InvoiceBatchCreated;
          return fb::CreateInvoiceBatchCreatedDirect(
                     fbb, e.batch_id.c_str(), e.fiscal_year,
                     static_cast<fb::InvoiceCategory>(e.category), e.title.c_str(), e.issue_date,
                     e.due_date, e.billing_start, e.invoice_count, e.total)
              .Union();
        } else if constexpr (std::is_same_v<T, InvoiceDrafted>) {
          *type = fb::Event::InvoiceDrafted;
          return fb::CreateInvoiceDraftedDirect(
                     fbb, e.invoice_id.c_str(), e.batch_id.c_str(), e.member_id.c_str(),
                     e.fiscal_year, static_cast<fb::InvoiceCategory>(e.category), e.title.c_str(),
                     e.issue_date, e.due_date, e.member_type.c_str(), e.fee, e.member_adjustment,
                     e.one_time_consumed, e.amount)
              .Union();
        } else if constexpr (std::is_same_v<T, InvoiceSnapshotTaken>) {
          *type = fb::Event::InvoiceSnapshotTaken;
          auto id = Str(fbb, e.invoice_id), member = Str(fbb, e.member_id);
          auto mt = Str(fbb, e.member_type);
          auto name = EncodeName(fbb, e.name);
          auto address = e.address ? EncodeAddress(fbb, *e.address) : Offset<fb::PostalAddress>();
          return fb::CreateInvoiceSnapshotTaken(fbb, id, member, mt, name, address).Union();
        } else if constexpr (std::is_same_v<T, InvoiceBatchConfirmed>) {
          *type = fb::Event::InvoiceBatchConfirmed;
          return fb::CreateInvoiceBatchConfirmedDirect(fbb, e.batch_id.c_str()).Union();
        } else if constexpr (std::is_same_v<T, InvoiceIssued>) {
          *type = fb::Event::InvoiceIssued;
          return fb::CreateInvoiceIssuedDirect(fbb, e.invoice_id.c_str(), e.member_id.c_str(),
                                               e.fiscal_year,
                                               static_cast<fb::InvoiceCategory>(e.category),
                                               e.amount)
              .Union();
        } else if constexpr (std::is_same_v<T, InvoiceTitleChanged>) {
          *type = fb::Event::InvoiceTitleChanged;
          return fb::CreateInvoiceTitleChangedDirect(fbb, e.invoice_id.c_str(),
                                                     e.member_id.c_str(), e.title.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, InvoiceAdjusted>) {
          *type = fb::Event::InvoiceAdjusted;
          return fb::CreateInvoiceAdjustedDirect(fbb, e.invoice_id.c_str(), e.member_id.c_str(),
                                                 e.fiscal_year, e.amount, e.posted,
                                                 e.reason.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, InvoiceCancelled>) {
          *type = fb::Event::InvoiceCancelled;
          return fb::CreateInvoiceCancelledDirect(
                     fbb, e.invoice_id.c_str(), e.member_id.c_str(), e.fiscal_year,
                     static_cast<fb::InvoiceCategory>(e.category), e.issued_amount,
                     e.posted_adjustments, e.reason.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, InvoiceBatchCancelled>) {
          *type = fb::Event::InvoiceBatchCancelled;
          return fb::CreateInvoiceBatchCancelledDirect(fbb, e.batch_id.c_str(), e.reason.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, PaymentRecorded>) {
          *type = fb::Event::PaymentRecorded;
          return fb::CreatePaymentRecordedDirect(fbb, e.payment_id.c_str(), e.member_id.c_str(),
                                                 e.amount, static_cast<fb::PaymentMethod>(e.method),
                                                 e.received_on, e.settlement_number.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, PaymentNoteRecorded>) {
          *type = fb::Event::PaymentNoteRecorded;
          return fb::CreatePaymentNoteRecordedDirect(fbb, e.payment_id.c_str(),
                                                     e.member_id.c_str(), e.payer_name.c_str(),
                                                     e.memo.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, PaymentAllocated>) {
          *type = fb::Event::PaymentAllocated;
          return fb::CreatePaymentAllocatedDirect(fbb, e.payment_id.c_str(), e.member_id.c_str(),
                                                  e.invoice_id.c_str(), e.fiscal_year, e.amount)
              .Union();
        } else if constexpr (std::is_same_v<T, AllocationReleased>) {
          *type = fb::Event::AllocationReleased;
          return fb::CreateAllocationReleasedDirect(fbb, e.payment_id.c_str(),
                                                    e.member_id.c_str(), e.invoice_id.c_str(),
                                                    e.fiscal_year, e.amount)
              .Union();
        } else if constexpr (std::is_same_v<T, StaffAccountCreated>) {
          *type = fb::Event::StaffAccountCreated;
          return fb::CreateStaffAccountCreatedDirect(fbb, e.login.c_str(),
                                                     static_cast<fb::StaffRole>(e.role))
              .Union();
        } else if constexpr (std::is_same_v<T, PasswordSet>) {
          *type = fb::Event::PasswordSet;
          return fb::CreatePasswordSetDirect(fbb, static_cast<fb::SubjectKind>(e.subject_kind),
                                             e.subject.c_str(), e.password_hash.c_str())
              .Union();
        } else if constexpr (std::is_same_v<T, PasswordResetIssued>) {
          *type = fb::Event::PasswordResetIssued;
          return fb::CreatePasswordResetIssuedDirect(
                     fbb, static_cast<fb::SubjectKind>(e.subject_kind), e.subject.c_str(),
                     e.token_hash.c_str(), e.expires_at)
              .Union();
        } else if constexpr (std::is_same_v<T, EmailChangeRequested>) {
          *type = fb::Event::EmailChangeRequested;
          return fb::CreateEmailChangeRequestedDirect(fbb, e.member_id.c_str(), e.new_email.c_str(),
                                                      e.token_hash.c_str(), e.expires_at)
              .Union();
        } else if constexpr (std::is_same_v<T, TokenUsed>) {
          *type = fb::Event::TokenUsed;
          return fb::CreateTokenUsedDirect(fbb, e.token_hash.c_str()).Union();
        } else if constexpr (std::is_same_v<T, OutboxMessageQueued>) {
          *type = fb::Event::OutboxMessageQueued;
          return fb::CreateOutboxMessageQueuedDirect(fbb, e.message_id.c_str(), e.to.c_str(),
                                                     e.purpose.c_str(), e.subject.c_str(),
                                                     e.body.c_str(), e.link.c_str(), e.created_at,
                                                     e.expires_at)
              .Union();
        } else if constexpr (std::is_same_v<T, ReceiptIssued>) {
          *type = fb::Event::ReceiptIssued;
          return fb::CreateReceiptIssuedDirect(fbb, e.invoice_id.c_str(), e.member_id.c_str(),
                                               e.receipt_number.c_str(), e.copy, e.amount,
                                               e.issued_on)
              .Union();
        } else if constexpr (std::is_same_v<T, PaymentReversed>) {
          *type = fb::Event::PaymentReversed;
          return fb::CreatePaymentReversedDirect(fbb, e.payment_id.c_str(), e.member_id.c_str(),
                                                 e.amount, static_cast<fb::PaymentMethod>(e.method),
                                                 e.reason.c_str())
              .Union();
        }
      },
      event);
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }
// Into a string that may hold an earlier envelope's field: its buffer is kept.
void AssignStr(std::string* out, const flatbuffers::String* s) {
  if (s) {
    out->assign(s->c_str(), s->size());
  } else {
    out->clear();
  }
}
std::optional<std::string> OptStr(const flatbuffers::String* s) {
  return s ? std::optional<std::string>(s->str()) : std::nullopt;
}

PersonName DecodeName(const fb::PersonName* n) {
  if (!n) return {};
  return {Str(n->family()), Str(n->given()), Str(n->family_kana()), Str(n->given_kana()),
          Str(n->romaji())};
}
PostalAddress DecodeAddress(const fb::PostalAddress* a) {
  return {Str(a->postal_code()), Str(a->prefecture()), Str(a->city()),
          Str(a->line1()),       Str(a->line2()),      Str(a->country())};
}

bool ValidStatus(fb::MemberStatus s) { return s <= fb::MemberStatus::MAX; }

Status DecodeEvent(const fb::Envelope& env, Event* out) {
  // Made only when it is returned: a Status that is not OK is an allocation.
  const auto bad = [] { return Status::Corruption("envelope carries an invalid event"); };
  // The verifier accepts a union whose type is set but whose table is absent (found by
  // fuzz/envelope_fuzz.cc); every case below reads the table.
  if (env.event() == nullptr) return bad();
  switch (env.event_type()) {
    case fb::Event::TenantConfigured: {
      const auto* e = env.event_as_TenantConfigured();
      *out = TenantConfigured{Str(e->name()), e->fiscal_year_start_month(), Str(e->timezone())};
      return Status::Ok();
    }
    case fb::Event::MemberTypeDefined: {
      const auto* e = env.event_as_MemberTypeDefined();
      if (e->kind() > fb::MemberKind::MAX) return bad();
      *out = MemberTypeDefined{Str(e->code()), Str(e->name()), static_cast<MemberKind>(e->kind())};
      return Status::Ok();
    }
    case fb::Event::FeeScheduleSet: {
      const auto* e = env.event_as_FeeScheduleSet();
      FeeScheduleSet v;
      v.fiscal_year = e->fiscal_year();
      if (e->fees()) {
        for (const fb::Fee* fee : *e->fees()) v.fees.emplace_back(Str(fee->member_type()), fee->amount());
      }
      *out = std::move(v);
      return Status::Ok();
    }
    case fb::Event::MemberApplied: {
      const auto* e = env.event_as_MemberApplied();
      MemberApplied v;
      v.member_id = Str(e->member_id());
      v.email = Str(e->email());
      v.member_type = Str(e->member_type());
      v.applied_on = e->applied_on();
      v.name = DecodeName(e->name());
      if (e->address()) v.address = DecodeAddress(e->address());
      v.affiliation = OptStr(e->affiliation());
      *out = std::move(v);
      return Status::Ok();
    }
    case fb::Event::MemberAdmitted: {
      const auto* e = env.event_as_MemberAdmitted();
      *out = MemberAdmitted{Str(e->member_id()), e->admitted_on(), e->replaces_application()};
      return Status::Ok();
    }
    case fb::Event::MemberStatusChanged: {
      const auto* e = env.event_as_MemberStatusChanged();
      if (!ValidStatus(e->status())) return bad();
      *out = MemberStatusChanged{Str(e->member_id()), static_cast<MemberStatus>(e->status()),
                                 e->effective_date(), Str(e->reason())};
      return Status::Ok();
    }
    case fb::Event::MemberNumberAssigned: {
      const auto* e = env.event_as_MemberNumberAssigned();
      *out = MemberNumberAssigned{Str(e->member_id()), Str(e->member_number())};
      return Status::Ok();
    }
    case fb::Event::MemberTypeChanged: {
      const auto* e = env.event_as_MemberTypeChanged();
      *out = MemberTypeChanged{Str(e->member_id()), Str(e->member_type()), e->effective_date()};
      return Status::Ok();
    }
    case fb::Event::MemberProfileUpdated: {
      const auto* e = env.event_as_MemberProfileUpdated();
      MemberProfileUpdated v;
      v.member_id = Str(e->member_id());
      if (e->name()) v.name = DecodeName(e->name());
      if (e->address()) v.address = DecodeAddress(e->address());
      v.affiliation = OptStr(e->affiliation());
      v.payment_method = OptStr(e->payment_method());
      if (e->directory_visible().has_value()) v.directory_visible = *e->directory_visible();
      *out = std::move(v);
      return Status::Ok();
    }
    case fb::Event::MemberEmailChanged: {
      const auto* e = env.event_as_MemberEmailChanged();
      *out = MemberEmailChanged{Str(e->member_id()), Str(e->email())};
      return Status::Ok();
    }
    case fb::Event::MemberAdjustmentSet: {
      const auto* e = env.event_as_MemberAdjustmentSet();
      if (e->kind() > fb::AdjustmentKind::MAX) return bad();
      *out = MemberAdjustmentSet{Str(e->member_id()), static_cast<AdjustmentKind>(e->kind()),
                                 e->amount(), Str(e->reason())};
      return Status::Ok();
    }
    case fb::Event::InvoiceBatchCreated: {
      const auto* e = env.event_as_InvoiceBatchCreated();
      if (e->category() > fb::InvoiceCategory::MAX) return bad();
      *out = InvoiceBatchCreated{Str(e->batch_id()),
                                 e->fiscal_year(),
                                 static_cast<InvoiceCategory>(e->category()),
                                 Str(e->title()),
                                 e->issue_date(),
                                 e->due_date(),
                                 e->billing_start(),
                                 e->invoice_count(),
                                 e->total()};
      return Status::Ok();
    }
    case fb::Event::InvoiceDrafted: {
      const auto* e = env.event_as_InvoiceDrafted();
      if (e->category() > fb::InvoiceCategory::MAX) return bad();
      InvoiceDrafted v;
      v.invoice_id = Str(e->invoice_id());
      v.batch_id = Str(e->batch_id());
      v.member_id = Str(e->member_id());
      v.fiscal_year = e->fiscal_year();
      v.category = static_cast<InvoiceCategory>(e->category());
      v.title = Str(e->title());
      v.issue_date = e->issue_date();
      v.due_date = e->due_date();
      v.member_type = Str(e->member_type());
      v.fee = e->fee();
      v.member_adjustment = e->member_adjustment();
      v.one_time_consumed = e->one_time_consumed();
      v.amount = e->amount();
      *out = std::move(v);
      return Status::Ok();
    }
    case fb::Event::InvoiceSnapshotTaken: {
      const auto* e = env.event_as_InvoiceSnapshotTaken();
      InvoiceSnapshotTaken v;
      v.invoice_id = Str(e->invoice_id());
      v.member_id = Str(e->member_id());
      v.member_type = Str(e->member_type());
      v.name = DecodeName(e->name());
      if (e->address()) v.address = DecodeAddress(e->address());
      *out = std::move(v);
      return Status::Ok();
    }
    case fb::Event::InvoiceBatchConfirmed: {
      *out = InvoiceBatchConfirmed{Str(env.event_as_InvoiceBatchConfirmed()->batch_id())};
      return Status::Ok();
    }
    case fb::Event::InvoiceIssued: {
      const auto* e = env.event_as_InvoiceIssued();
      if (e->category() > fb::InvoiceCategory::MAX) return bad();
      *out = InvoiceIssued{Str(e->invoice_id()), Str(e->member_id()), e->fiscal_year(),
                           static_cast<InvoiceCategory>(e->category()), e->amount()};
      return Status::Ok();
    }
    case fb::Event::InvoiceTitleChanged: {
      const auto* e = env.event_as_InvoiceTitleChanged();
      *out = InvoiceTitleChanged{Str(e->invoice_id()), Str(e->member_id()), Str(e->title())};
      return Status::Ok();
    }
    case fb::Event::InvoiceAdjusted: {
      const auto* e = env.event_as_InvoiceAdjusted();
      *out = InvoiceAdjusted{Str(e->invoice_id()), Str(e->member_id()), e->fiscal_year(),
                             e->amount(), e->posted(), Str(e->reason())};
      return Status::Ok();
    }
    case fb::Event::InvoiceCancelled: {
      const auto* e = env.event_as_InvoiceCancelled();
      if (e->category() > fb::InvoiceCategory::MAX) return bad();
      *out = InvoiceCancelled{Str(e->invoice_id()),
                              Str(e->member_id()),
                              e->fiscal_year(),
                              static_cast<InvoiceCategory>(e->category()),
                              e->issued_amount(),
                              e->posted_adjustments(),
                              Str(e->reason())};
      return Status::Ok();
    }
    case fb::Event::InvoiceBatchCancelled: {
      const auto* e = env.event_as_InvoiceBatchCancelled();
      *out = InvoiceBatchCancelled{Str(e->batch_id()), Str(e->reason())};
      return Status::Ok();
    }
    case fb::Event::PaymentRecorded: {
      const auto* e = env.event_as_PaymentRecorded();
      if (e->method() > fb::PaymentMethod::MAX) return bad();
      *out = PaymentRecorded{Str(e->payment_id()), Str(e->member_id()), e->amount(),
                             static_cast<PaymentMethod>(e->method()), e->received_on(),
                             Str(e->settlement_number())};
      return Status::Ok();
    }
    case fb::Event::PaymentNoteRecorded: {
      const auto* e = env.event_as_PaymentNoteRecorded();
      *out = PaymentNoteRecorded{Str(e->payment_id()), Str(e->member_id()), Str(e->payer_name()),
                                 Str(e->memo())};
      return Status::Ok();
    }
    case fb::Event::PaymentAllocated: {
      const auto* e = env.event_as_PaymentAllocated();
      *out = PaymentAllocated{Str(e->payment_id()), Str(e->member_id()), Str(e->invoice_id()),
                              e->fiscal_year(), e->amount()};
      return Status::Ok();
    }
    case fb::Event::AllocationReleased: {
      const auto* e = env.event_as_AllocationReleased();
      *out = AllocationReleased{Str(e->payment_id()), Str(e->member_id()), Str(e->invoice_id()),
                                e->fiscal_year(), e->amount()};
      return Status::Ok();
    }
    case fb::Event::PaymentReversed: {
      const auto* e = env.event_as_PaymentReversed();
      if (e->method() > fb::PaymentMethod::MAX) return bad();
      *out = PaymentReversed{Str(e->payment_id()), Str(e->member_id()), e->amount(),
                             static_cast<PaymentMethod>(e->method()), Str(e->reason())};
      return Status::Ok();
    }
    case fb::Event::StaffAccountCreated: {
      const auto* e = env.event_as_StaffAccountCreated();
      if (e->role() > fb::StaffRole::MAX) return bad();
      *out = StaffAccountCreated{Str(e->login()), static_cast<StaffRole>(e->role())};
      return Status::Ok();
    }
    case fb::Event::PasswordSet: {
      const auto* e = env.event_as_PasswordSet();
      if (e->subject_kind() > fb::SubjectKind::MAX) return bad();
      *out = PasswordSet{static_cast<SubjectKind>(e->subject_kind()), Str(e->subject()),
                         Str(e->password_hash())};
      return Status::Ok();
    }
    case fb::Event::PasswordResetIssued: {
      const auto* e = env.event_as_PasswordResetIssued();
      if (e->subject_kind() > fb::SubjectKind::MAX) return bad();
      *out = PasswordResetIssued{static_cast<SubjectKind>(e->subject_kind()), Str(e->subject()),
                                 Str(e->token_hash()), e->expires_at_us()};
      return Status::Ok();
    }
    case fb::Event::EmailChangeRequested: {
      const auto* e = env.event_as_EmailChangeRequested();
      *out = EmailChangeRequested{Str(e->member_id()), Str(e->new_email()), Str(e->token_hash()),
                                  e->expires_at_us()};
      return Status::Ok();
    }
    case fb::Event::TokenUsed: {
      *out = TokenUsed{Str(env.event_as_TokenUsed()->token_hash())};
      return Status::Ok();
    }
    case fb::Event::OutboxMessageQueued: {
      const auto* e = env.event_as_OutboxMessageQueued();
      *out = OutboxMessageQueued{Str(e->message_id()), Str(e->to()),      Str(e->purpose()),
                                 Str(e->subject()),    Str(e->body()),    Str(e->link()),
                                 e->created_at_us(),   e->expires_at_us()};
      return Status::Ok();
    }
    case fb::Event::ReceiptIssued: {
      const auto* e = env.event_as_ReceiptIssued();
      *out = ReceiptIssued{
          Str(e->invoice_id()), Str(e->member_id()), Str(e->receipt_number()), e->copy(),
          e->amount(),          e->issued_on()};
      return Status::Ok();
    }
    case fb::Event::NONE:
      break;
  }
  return Status::Corruption("envelope carries no known event type");
}

}  // namespace

std::string_view MemberStatusName(MemberStatus s) {
  switch (s) {
    case MemberStatus::kApplying: return "applying";
    case MemberStatus::kActive: return "active";
    case MemberStatus::kApplicationWithdrawn: return "application_withdrawn";
    case MemberStatus::kOnLeave: return "on_leave";
    case MemberStatus::kWithdrawn: return "withdrawn";
  }
  return "unknown";
}

std::optional<MemberStatus> ParseMemberStatus(std::string_view name) {
  for (auto s : {MemberStatus::kApplying, MemberStatus::kActive,
                 MemberStatus::kApplicationWithdrawn, MemberStatus::kOnLeave,
                 MemberStatus::kWithdrawn}) {
    if (MemberStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view InvoiceCategoryName(InvoiceCategory c) {
  switch (c) {
    case InvoiceCategory::kAnnual: return "annual";
    case InvoiceCategory::kAdmission: return "admission";
    case InvoiceCategory::kOther: return "other";
  }
  return "unknown";
}

std::optional<InvoiceCategory> ParseInvoiceCategory(std::string_view name) {
  for (auto c : {InvoiceCategory::kAnnual, InvoiceCategory::kAdmission, InvoiceCategory::kOther}) {
    if (InvoiceCategoryName(c) == name) return c;
  }
  return std::nullopt;
}

std::string_view AdjustmentKindName(AdjustmentKind k) {
  return k == AdjustmentKind::kPermanent ? "permanent" : "one_time";
}

std::optional<AdjustmentKind> ParseAdjustmentKind(std::string_view name) {
  if (name == "one_time") return AdjustmentKind::kOneTime;
  if (name == "permanent") return AdjustmentKind::kPermanent;
  return std::nullopt;
}

std::string_view PaymentMethodName(PaymentMethod m) {
  switch (m) {
    case PaymentMethod::kCreditCard: return "credit_card";
    case PaymentMethod::kCreditCardRecurring: return "credit_card_recurring";
    case PaymentMethod::kBankCheck: return "bank_check";
    case PaymentMethod::kBankTransfer: return "bank_transfer";
    case PaymentMethod::kPostalTransfer: return "postal_transfer";
    case PaymentMethod::kDirectDebit: return "direct_debit";
    case PaymentMethod::kConvenienceStore: return "convenience_store";
    case PaymentMethod::kCash: return "cash";
    case PaymentMethod::kOther: return "other";
  }
  return "unknown";
}

std::optional<PaymentMethod> ParsePaymentMethod(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(PaymentMethod::kOther); ++i) {
    const auto m = static_cast<PaymentMethod>(i);
    if (PaymentMethodName(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view StaffRoleName(StaffRole r) {
  return r == StaffRole::kAuditor ? "auditor" : "secretariat";
}

std::optional<StaffRole> ParseStaffRole(std::string_view name) {
  if (name == "secretariat") return StaffRole::kSecretariat;
  if (name == "auditor") return StaffRole::kAuditor;
  return std::nullopt;
}

std::string_view MemberKindName(MemberKind k) {
  return k == MemberKind::kCorporate ? "corporate" : "individual";
}

std::optional<MemberKind> ParseMemberKind(std::string_view name) {
  if (name == "individual") return MemberKind::kIndividual;
  if (name == "corporate") return MemberKind::kCorporate;
  return std::nullopt;
}

std::string_view EventTypeName(const Event& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

std::string_view EnvelopeEncoder::Encode(const EnvelopeMeta& m, const Event& event) {
  fbb_.Clear();
  fb::Event type = fb::Event::NONE;
  auto ev = EncodeEvent(fbb_, event, &type);
  auto tenant = fbb_.CreateString(m.tenant);
  auto stream = fbb_.CreateString(m.stream);
  auto actor = fbb_.CreateString(m.actor);
  auto command_id = fbb_.CreateString(m.command_id);
  auto prev = fbb_.CreateVector(m.prev_hash.data(), m.prev_hash.size());
  fb::EnvelopeBuilder b(fbb_);
  b.add_tenant(tenant);
  b.add_position(m.position);
  b.add_stream(stream);
  b.add_version(m.version);
  b.add_recorded_at_us(m.recorded_at);
  b.add_effective_date(m.effective_date);
  b.add_actor(actor);
  b.add_command_id(command_id);
  b.add_causation(m.causation);
  b.add_prev_hash(prev);
  b.add_event_type(type);
  b.add_event(ev);
  fb::FinishEnvelopeBuffer(fbb_, b.Finish());
  return std::string_view(reinterpret_cast<const char*>(fbb_.GetBufferPointer()), fbb_.GetSize());
}

Status DecodeEnvelope(std::string_view bytes, Envelope* out) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  // The root offset and the file identifier take 8 bytes; the verifier checks the identifier,
  // but only a buffer that long may be handed to it.
  constexpr size_t kPrefixBytes = 8;
  flatbuffers::Verifier verifier(data, bytes.size());
  if (bytes.size() < kPrefixBytes || !fb::VerifyEnvelopeBuffer(verifier)) {
    return Status::Corruption("bytes are not a valid envelope");
  }
  const fb::Envelope* env = fb::GetEnvelope(data);
  if (!env->stream() || !env->prev_hash() || env->prev_hash()->size() != 32) {
    return Status::Corruption("envelope lacks a stream or a 32-byte prev_hash");
  }
  EnvelopeMeta& m = out->meta;  // perhaps an earlier envelope's (a reader's reused page)
  AssignStr(&m.tenant, env->tenant());
  m.position = env->position();
  AssignStr(&m.stream, env->stream());
  m.version = env->version();
  m.recorded_at = env->recorded_at_us();
  m.effective_date = env->effective_date();
  AssignStr(&m.actor, env->actor());
  AssignStr(&m.command_id, env->command_id());
  m.causation = env->causation();
  std::memcpy(m.prev_hash.data(), env->prev_hash()->data(), 32);
  return DecodeEvent(*env, &out->event);
}

}  // namespace kaiin::events
