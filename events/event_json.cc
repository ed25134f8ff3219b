#include "events/event_json.h"

namespace kaiin::events {

namespace {

void WriteName(const PersonName& n, JsonWriter* w) {
  w->BeginObject();
  w->Field("family", n.family).Field("given", n.given);
  w->Field("family_kana", n.family_kana).Field("given_kana", n.given_kana);
  w->Field("romaji", n.romaji);
  w->EndObject();
}

}  // namespace

void WritePostalAddress(const PostalAddress& a, JsonWriter* w) {
  w->BeginObject();
  w->Field("postal_code", a.postal_code).Field("prefecture", a.prefecture);
  w->Field("city", a.city).Field("line1", a.line1).Field("line2", a.line2);
  w->Field("country", a.country);
  w->EndObject();
}

void WritePersonName(const PersonName& n, JsonWriter* w) { WriteName(n, w); }

void WriteEventData(const Event& event, JsonWriter* w) {
  w->BeginObject();
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, TenantConfigured>) {
          w->Field("name", e.name);
          w->Field("fiscal_year_start_month", e.fiscal_year_start_month);
          w->Field("timezone", e.timezone);
        } else if constexpr (std::is_same_v<T, MemberTypeDefined>) {
          w->Field("code", e.code).Field("name", e.name).Field("kind", MemberKindName(e.kind));
        } else if constexpr (std::is_same_v<T, FeeScheduleSet>) {
          w->Field("fiscal_year", e.fiscal_year);
          w->Key("fees").BeginObject();
          for (const auto& [type, amount] : e.fees) w->Field(type, amount);
          w->EndObject();
        } else if constexpr (std::is_same_v<T, MemberApplied>) {
          w->Field("member_id", e.member_id).Field("email", e.email);
          w->Field("member_type", e.member_type).Field("applied_on", FormatDate(e.applied_on));
          w->Key("name");
          WriteName(e.name, w);
          if (e.address) {
            w->Key("address");
            WritePostalAddress(*e.address, w);
          }
          if (e.affiliation) w->Field("affiliation", *e.affiliation);
        } else if constexpr (std::is_same_v<T, MemberAdmitted>) {
          w->Field("member_id", e.member_id).Field("admitted_on", FormatDate(e.admitted_on));
          w->Field("replaces_application", e.replaces_application);
        } else if constexpr (std::is_same_v<T, MemberStatusChanged>) {
          w->Field("member_id", e.member_id).Field("status", MemberStatusName(e.status));
          w->Field("effective_date", FormatDate(e.effective_date)).Field("reason", e.reason);
        } else if constexpr (std::is_same_v<T, MemberNumberAssigned>) {
          w->Field("member_id", e.member_id).Field("member_number", e.member_number);
        } else if constexpr (std::is_same_v<T, MemberTypeChanged>) {
          w->Field("member_id", e.member_id).Field("member_type", e.member_type);
          w->Field("effective_date", FormatDate(e.effective_date));
        } else if constexpr (std::is_same_v<T, MemberProfileUpdated>) {
          w->Field("member_id", e.member_id);
          if (e.name) {
            w->Key("name");
            WriteName(*e.name, w);
          }
          if (e.address) {
            w->Key("address");
            WritePostalAddress(*e.address, w);
          }
          if (e.affiliation) w->Field("affiliation", *e.affiliation);
          if (e.payment_method) w->Field("payment_method", *e.payment_method);
          if (e.directory_visible) w->Field("directory_visible", *e.directory_visible);
        } else if constexpr (std::is_same_v<T, MemberEmailChanged>) {
          w->Field("member_id", e.member_id).Field("email", e.email);
        } else if constexpr (std::is_same_v<T, MemberAdjustmentSet>) {
          w->Field("member_id", e.member_id).Field("kind", AdjustmentKindName(e.kind));
          w->Field("amount", e.amount).Field("reason", e.reason);
        } else if constexpr (std::is_same_v<T, InvoiceBatchCreated>) {
          w->Field("batch_id", e.batch_id).Field("fiscal_year", e.fiscal_year);
          w->Field("category", InvoiceCategoryName(e.category)).Field("title", e.title);
          w->Field("issue_date", FormatDate(e.issue_date)).Field("due_date", FormatDate(e.due_date));
          w->Field("billing_start", FormatDate(e.billing_start));
          w->Field("invoice_count", static_cast<uint64_t>(e.invoice_count)).Field("total", e.total);
        } else if constexpr (std::is_same_v<T, InvoiceDrafted>) {
          w->Field("invoice_id", e.invoice_id).Field("batch_id", e.batch_id);
          w->Field("member_id", e.member_id).Field("fiscal_year", e.fiscal_year);
          w->Field("category", InvoiceCategoryName(e.category)).Field("title", e.title);
          w->Field("issue_date", FormatDate(e.issue_date)).Field("due_date", FormatDate(e.due_date));
          w->Field("member_type", e.member_type).Field("fee", e.fee);
          w->Field("member_adjustment", e.member_adjustment);
          w->Field("one_time_consumed", e.one_time_consumed).Field("amount", e.amount);
        } else if constexpr (std::is_same_v<T, InvoiceSnapshotTaken>) {
          w->Field("invoice_id", e.invoice_id).Field("member_id", e.member_id);
          w->Field("member_type", e.member_type);
          w->Key("name");
          WriteName(e.name, w);
          if (e.address) {
            w->Key("address");
            WritePostalAddress(*e.address, w);
          }
        } else if constexpr (std::is_same_v<T, InvoiceBatchConfirmed>) {
          w->Field("batch_id", e.batch_id);
        } else if constexpr (std::is_same_v<T, InvoiceIssued>) {
          w->Field("invoice_id", e.invoice_id).Field("member_id", e.member_id);
          w->Field("fiscal_year", e.fiscal_year).Field("category", InvoiceCategoryName(e.category));
          w->Field("amount", e.amount);
        } else if constexpr (std::is_same_v<T, InvoiceTitleChanged>) {
          w->Field("invoice_id", e.invoice_id).Field("member_id", e.member_id);
          w->Field("title", e.title);
        } else if constexpr (std::is_same_v<T, InvoiceAdjusted>) {
          w->Field("invoice_id", e.invoice_id).Field("member_id", e.member_id);
          w->Field("fiscal_year", e.fiscal_year).Field("amount", e.amount);
          w->Field("posted", e.posted).Field("reason", e.reason);
        } else if constexpr (std::is_same_v<T, InvoiceCancelled>) {
          w->Field("invoice_id", e.invoice_id).Field("member_id", e.member_id);
          w->Field("fiscal_year", e.fiscal_year).Field("category", InvoiceCategoryName(e.category));
          w->Field("issued_amount", e.issued_amount);
          w->Field("posted_adjustments", e.posted_adjustments).Field("reason", e.reason);
        } else if constexpr (std::is_same_v<T, InvoiceBatchCancelled>) {
          w->Field("batch_id", e.batch_id).Field("reason", e.reason);
        } else if constexpr (std::is_same_v<T, PaymentRecorded>) {
          w->Field("payment_id", e.payment_id).Field("member_id", e.member_id);
          w->Field("amount", e.amount).Field("method", PaymentMethodName(e.method));
          w->Field("received_on", FormatDate(e.received_on));
          w->Field("settlement_number", e.settlement_number);
        } else if constexpr (std::is_same_v<T, PaymentNoteRecorded>) {
          w->Field("payment_id", e.payment_id).Field("member_id", e.member_id);
          w->Field("payer_name", e.payer_name).Field("memo", e.memo);
        } else if constexpr (std::is_same_v<T, PaymentAllocated>) {
          w->Field("payment_id", e.payment_id).Field("member_id", e.member_id);
          w->Field("invoice_id", e.invoice_id).Field("fiscal_year", e.fiscal_year);
          w->Field("amount", e.amount);
        } else if constexpr (std::is_same_v<T, AllocationReleased>) {
          w->Field("payment_id", e.payment_id).Field("member_id", e.member_id);
          w->Field("invoice_id", e.invoice_id).Field("fiscal_year", e.fiscal_year);
          w->Field("amount", e.amount);
        } else if constexpr (std::is_same_v<T, PaymentReversed>) {
          w->Field("payment_id", e.payment_id).Field("member_id", e.member_id);
          w->Field("amount", e.amount).Field("method", PaymentMethodName(e.method));
          w->Field("reason", e.reason);
        } else if constexpr (std::is_same_v<T, StaffAccountCreated>) {
          w->Field("login", e.login).Field("role", StaffRoleName(e.role));
        } else if constexpr (std::is_same_v<T, PasswordSet>) {
          // The hash is never shown, not even to auditors (seed: passwords cannot be seen).
          w->Field("subject_kind", e.subject_kind == SubjectKind::kStaff ? "staff" : "member");
          w->Field("subject", e.subject);
        } else if constexpr (std::is_same_v<T, PasswordResetIssued>) {
          w->Field("subject_kind", e.subject_kind == SubjectKind::kStaff ? "staff" : "member");
          w->Field("subject", e.subject).Field("expires_at", FormatTimestamp(e.expires_at));
        } else if constexpr (std::is_same_v<T, EmailChangeRequested>) {
          w->Field("member_id", e.member_id).Field("new_email", e.new_email);
          w->Field("expires_at", FormatTimestamp(e.expires_at));
        } else if constexpr (std::is_same_v<T, TokenUsed>) {
          // Nothing to show: which token was used is an internal link to its request.
        } else if constexpr (std::is_same_v<T, OutboxMessageQueued>) {
          w->Field("message_id", e.message_id).Field("to", e.to).Field("purpose", e.purpose);
          w->Field("created_at", FormatTimestamp(e.created_at));
        } else if constexpr (std::is_same_v<T, ReceiptIssued>) {
          w->Field("invoice_id", e.invoice_id).Field("member_id", e.member_id);
          w->Field("receipt_number", e.receipt_number).Field("copy", static_cast<int64_t>(e.copy));
          w->Field("amount", e.amount).Field("issued_on", FormatDate(e.issued_on));
        }
      },
      event);
  w->EndObject();
}

void WriteEnvelopeJson(const Envelope& env, const Hash& hash, JsonWriter* w) {
  const EnvelopeMeta& m = env.meta;
  w->BeginObject();
  w->Field("position", m.position);
  w->Field("stream", m.stream);
  w->Field("version", m.version);
  w->Field("type", EventTypeName(env.event));
  w->Field("recorded_at", FormatTimestamp(m.recorded_at));
  w->Field("effective_date", FormatDate(m.effective_date));
  w->Field("actor", m.actor);
  w->Field("command_id", m.command_id);
  if (m.causation != 0) {
    w->Field("causation", m.causation);
  } else {
    w->Key("causation").Null();
  }
  w->Key("data");
  WriteEventData(env.event, w);
  w->Field("prev_hash", HashToHex(m.prev_hash));
  w->Field("hash", HashToHex(hash));
  w->EndObject();
}

}  // namespace kaiin::events
