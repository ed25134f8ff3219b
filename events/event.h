// The domain events as C++ value types, and the envelope that carries them.
//
// Every event type has one encoder and one decoder (codec.cc) and one JSON writer
// (event_json.cc), each a switch over the variant, so that adding an event type is one edit per
// place and the compiler points at the missing ones. Money events carry ids and amounts only,
// never personal data (STYLE.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "events/date.h"
#include "events/hash.h"

namespace kaiin::events {

struct TenantConfigured {
  static constexpr std::string_view kType = "TenantConfigured";
  std::string name;
  int fiscal_year_start_month = 4;
  std::string timezone;
  bool operator==(const TenantConfigured&) const = default;
};

enum class MemberStatus : uint8_t {
  kApplying = 0,
  kActive,
  kApplicationWithdrawn,
  kOnLeave,
  kWithdrawn,
};
std::string_view MemberStatusName(MemberStatus status);  // "applying", "active", ...
std::optional<MemberStatus> ParseMemberStatus(std::string_view name);

enum class MemberKind : uint8_t { kIndividual = 0, kCorporate };
std::string_view MemberKindName(MemberKind kind);  // "individual", "corporate"
std::optional<MemberKind> ParseMemberKind(std::string_view name);

struct PersonName {
  std::string family, given, family_kana, given_kana, romaji;
  bool operator==(const PersonName&) const = default;
};

struct PostalAddress {
  std::string postal_code, prefecture, city, line1, line2, country;
  bool operator==(const PostalAddress&) const = default;
};

struct MemberTypeDefined {
  static constexpr std::string_view kType = "MemberTypeDefined";
  std::string code;
  std::string name;
  MemberKind kind = MemberKind::kIndividual;
  bool operator==(const MemberTypeDefined&) const = default;
};

struct FeeScheduleSet {
  static constexpr std::string_view kType = "FeeScheduleSet";
  int fiscal_year = 0;
  std::vector<std::pair<std::string, int64_t>> fees;  // member type -> yen, sorted by type
  bool operator==(const FeeScheduleSet&) const = default;
};

struct MemberApplied {
  static constexpr std::string_view kType = "MemberApplied";
  std::string member_id;
  std::string email;
  std::string member_type;
  Date applied_on = 0;
  PersonName name;
  std::optional<PostalAddress> address;
  std::optional<std::string> affiliation;
  bool operator==(const MemberApplied&) const = default;
};

struct MemberAdmitted {
  static constexpr std::string_view kType = "MemberAdmitted";
  std::string member_id;
  Date admitted_on = 0;
  bool replaces_application = false;
  bool operator==(const MemberAdmitted&) const = default;
};

struct MemberStatusChanged {
  static constexpr std::string_view kType = "MemberStatusChanged";
  std::string member_id;
  MemberStatus status = MemberStatus::kActive;
  Date effective_date = 0;
  std::string reason;
  bool operator==(const MemberStatusChanged&) const = default;
};

struct MemberNumberAssigned {
  static constexpr std::string_view kType = "MemberNumberAssigned";
  std::string member_id;
  std::string member_number;
  bool operator==(const MemberNumberAssigned&) const = default;
};

struct MemberTypeChanged {
  static constexpr std::string_view kType = "MemberTypeChanged";
  std::string member_id;
  std::string member_type;
  Date effective_date = 0;
  bool operator==(const MemberTypeChanged&) const = default;
};

// Fields left empty (nullopt) are unchanged.
struct MemberProfileUpdated {
  static constexpr std::string_view kType = "MemberProfileUpdated";
  std::string member_id;
  std::optional<PersonName> name;
  std::optional<PostalAddress> address;
  std::optional<std::string> affiliation;
  std::optional<std::string> payment_method;
  std::optional<bool> directory_visible;
  bool operator==(const MemberProfileUpdated&) const = default;
};

struct MemberEmailChanged {
  static constexpr std::string_view kType = "MemberEmailChanged";
  std::string member_id;
  std::string email;
  bool operator==(const MemberEmailChanged&) const = default;
};

enum class InvoiceCategory : uint8_t { kAnnual = 0, kAdmission, kOther };
std::string_view InvoiceCategoryName(InvoiceCategory c);  // "annual", "admission", "other"
std::optional<InvoiceCategory> ParseInvoiceCategory(std::string_view name);

enum class AdjustmentKind : uint8_t { kOneTime = 0, kPermanent };
std::string_view AdjustmentKindName(AdjustmentKind k);  // "one_time", "permanent"
std::optional<AdjustmentKind> ParseAdjustmentKind(std::string_view name);

// P1.
enum class PaymentMethod : uint8_t {
  kCreditCard = 0,
  kCreditCardRecurring,
  kBankCheck,
  kBankTransfer,
  kPostalTransfer,
  kDirectDebit,
  kConvenienceStore,
  kCash,
  kOther,
};
std::string_view PaymentMethodName(PaymentMethod m);  // "credit_card", ...
std::optional<PaymentMethod> ParsePaymentMethod(std::string_view name);

struct MemberAdjustmentSet {
  static constexpr std::string_view kType = "MemberAdjustmentSet";
  std::string member_id;
  AdjustmentKind kind = AdjustmentKind::kOneTime;
  int64_t amount = 0;
  std::string reason;
  bool operator==(const MemberAdjustmentSet&) const = default;
};

struct InvoiceBatchCreated {
  static constexpr std::string_view kType = "InvoiceBatchCreated";
  std::string batch_id;
  int fiscal_year = 0;
  InvoiceCategory category = InvoiceCategory::kAnnual;
  std::string title;
  Date issue_date = 0, due_date = 0, billing_start = 0;
  uint32_t invoice_count = 0;
  int64_t total = 0;
  bool operator==(const InvoiceBatchCreated&) const = default;
};

struct InvoiceDrafted {
  static constexpr std::string_view kType = "InvoiceDrafted";
  std::string invoice_id, batch_id, member_id;
  int fiscal_year = 0;
  InvoiceCategory category = InvoiceCategory::kAnnual;
  std::string title;
  Date issue_date = 0, due_date = 0;
  std::string member_type;
  int64_t fee = 0, member_adjustment = 0, one_time_consumed = 0, amount = 0;
  bool operator==(const InvoiceDrafted&) const = default;
};

struct InvoiceSnapshotTaken {
  static constexpr std::string_view kType = "InvoiceSnapshotTaken";
  std::string invoice_id, member_id, member_type;
  PersonName name;
  std::optional<PostalAddress> address;
  bool operator==(const InvoiceSnapshotTaken&) const = default;
};

struct InvoiceBatchConfirmed {
  static constexpr std::string_view kType = "InvoiceBatchConfirmed";
  std::string batch_id;
  bool operator==(const InvoiceBatchConfirmed&) const = default;
};

struct InvoiceIssued {
  static constexpr std::string_view kType = "InvoiceIssued";
  std::string invoice_id, member_id;
  int fiscal_year = 0;
  InvoiceCategory category = InvoiceCategory::kAnnual;
  int64_t amount = 0;
  bool operator==(const InvoiceIssued&) const = default;
};

struct InvoiceTitleChanged {
  static constexpr std::string_view kType = "InvoiceTitleChanged";
  std::string invoice_id, member_id, title;
  bool operator==(const InvoiceTitleChanged&) const = default;
};

struct InvoiceAdjusted {
  static constexpr std::string_view kType = "InvoiceAdjusted";
  std::string invoice_id, member_id;
  int fiscal_year = 0;
  int64_t amount = 0;  // the change
  bool posted = false;
  std::string reason;
  bool operator==(const InvoiceAdjusted&) const = default;
};

struct InvoiceCancelled {
  static constexpr std::string_view kType = "InvoiceCancelled";
  std::string invoice_id, member_id;
  int fiscal_year = 0;
  InvoiceCategory category = InvoiceCategory::kAnnual;
  int64_t issued_amount = 0, posted_adjustments = 0;
  std::string reason;
  bool operator==(const InvoiceCancelled&) const = default;
};

struct InvoiceBatchCancelled {
  static constexpr std::string_view kType = "InvoiceBatchCancelled";
  std::string batch_id, reason;
  bool operator==(const InvoiceBatchCancelled&) const = default;
};

struct PaymentRecorded {
  static constexpr std::string_view kType = "PaymentRecorded";
  std::string payment_id, member_id;
  int64_t amount = 0;
  PaymentMethod method = PaymentMethod::kBankTransfer;
  Date received_on = 0;
  std::string settlement_number;
  bool operator==(const PaymentRecorded&) const = default;
};

struct PaymentNoteRecorded {
  static constexpr std::string_view kType = "PaymentNoteRecorded";
  std::string payment_id, member_id, payer_name, memo;
  bool operator==(const PaymentNoteRecorded&) const = default;
};

struct PaymentAllocated {
  static constexpr std::string_view kType = "PaymentAllocated";
  std::string payment_id;  // empty: an application of the member's credit (P6)
  std::string member_id, invoice_id;
  int fiscal_year = 0;
  int64_t amount = 0;
  bool operator==(const PaymentAllocated&) const = default;
};

struct AllocationReleased {
  static constexpr std::string_view kType = "AllocationReleased";
  std::string payment_id, member_id, invoice_id;
  int fiscal_year = 0;
  int64_t amount = 0;
  bool operator==(const AllocationReleased&) const = default;
};

struct PaymentReversed {
  static constexpr std::string_view kType = "PaymentReversed";
  std::string payment_id, member_id;
  int64_t amount = 0;
  PaymentMethod method = PaymentMethod::kBankTransfer;
  std::string reason;
  bool operator==(const PaymentReversed&) const = default;
};

enum class SubjectKind : uint8_t { kStaff = 0, kMember };
enum class StaffRole : uint8_t { kSecretariat = 0, kAuditor };
std::string_view StaffRoleName(StaffRole r);  // "secretariat", "auditor"
std::optional<StaffRole> ParseStaffRole(std::string_view name);

struct StaffAccountCreated {
  static constexpr std::string_view kType = "StaffAccountCreated";
  std::string login;
  StaffRole role = StaffRole::kSecretariat;
  bool operator==(const StaffAccountCreated&) const = default;
};

struct PasswordSet {
  static constexpr std::string_view kType = "PasswordSet";
  SubjectKind subject_kind = SubjectKind::kMember;
  std::string subject, password_hash;
  bool operator==(const PasswordSet&) const = default;
};

struct PasswordResetIssued {
  static constexpr std::string_view kType = "PasswordResetIssued";
  SubjectKind subject_kind = SubjectKind::kMember;
  std::string subject, token_hash;
  TimestampMicros expires_at = 0;
  bool operator==(const PasswordResetIssued&) const = default;
};

struct EmailChangeRequested {
  static constexpr std::string_view kType = "EmailChangeRequested";
  std::string member_id, new_email, token_hash;
  TimestampMicros expires_at = 0;
  bool operator==(const EmailChangeRequested&) const = default;
};

struct TokenUsed {
  static constexpr std::string_view kType = "TokenUsed";
  std::string token_hash;
  bool operator==(const TokenUsed&) const = default;
};

struct OutboxMessageQueued {
  static constexpr std::string_view kType = "OutboxMessageQueued";
  std::string message_id, to, purpose, subject, body, link;
  TimestampMicros created_at = 0, expires_at = 0;
  bool operator==(const OutboxMessageQueued&) const = default;
};

struct ReceiptIssued {
  static constexpr std::string_view kType = "ReceiptIssued";
  std::string invoice_id, member_id, receipt_number;
  uint32_t copy = 1;  // 1: the receipt; 2 and on: reissues (再発行)
  int64_t amount = 0;
  Date issued_on = 0;
  bool operator==(const ReceiptIssued&) const = default;
};

using Event =
    std::variant<TenantConfigured, MemberTypeDefined, FeeScheduleSet, MemberApplied, MemberAdmitted,
                 MemberStatusChanged, MemberNumberAssigned, MemberTypeChanged, MemberProfileUpdated,
                 MemberEmailChanged, MemberAdjustmentSet, InvoiceBatchCreated, InvoiceDrafted,
                 InvoiceSnapshotTaken, InvoiceBatchConfirmed, InvoiceIssued, InvoiceTitleChanged,
                 InvoiceAdjusted, InvoiceCancelled, InvoiceBatchCancelled, PaymentRecorded,
                 PaymentNoteRecorded, PaymentAllocated, AllocationReleased, PaymentReversed,
                 StaffAccountCreated, PasswordSet, PasswordResetIssued, EmailChangeRequested,
                 TokenUsed, OutboxMessageQueued, ReceiptIssued>;

// The event type's name as it appears in the API and in projections ("TenantConfigured").
std::string_view EventTypeName(const Event& event);

struct EnvelopeMeta {
  std::string tenant;
  uint64_t position = 0;
  std::string stream;
  uint64_t version = 0;
  TimestampMicros recorded_at = 0;
  Date effective_date = 0;
  std::string actor;
  std::string command_id;
  uint64_t causation = 0;
  Hash prev_hash{};
};

struct Envelope {
  EnvelopeMeta meta;
  Event event;
};

// An envelope as stored: its position and the exact bytes that were hashed.
struct RecordedEvent {
  uint64_t position = 0;
  std::string bytes;
};

}  // namespace kaiin::events
