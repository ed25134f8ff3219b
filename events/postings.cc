#include "events/postings.h"

#include <optional>

namespace kaiin::events {
namespace {

std::string Revenue(int fy, InvoiceCategory c) {
  return "revenue:" + std::to_string(fy) + ":" + std::string(InvoiceCategoryName(c));
}
std::string Adjustment(int fy) { return "adjustment:" + std::to_string(fy); }
std::string Cash(PaymentMethod m) { return "cash:" + std::string(PaymentMethodName(m)); }

// Dr `debit_account` / Cr `credit_account` for `amount`; a negative amount swaps the sides.
void Move(std::vector<Posting>* out, const std::string& debit_account,
          const std::string& credit_account, int64_t amount) {
  if (amount == 0) return;
  if (amount < 0) {
    Move(out, credit_account, debit_account, -amount);
    return;
  }
  out->push_back({debit_account, amount, 0});
  out->push_back({credit_account, 0, amount});
}

}  // namespace

std::string ReceivableAccount(std::string_view member_id, std::string_view invoice_id) {
  return "receivable:" + std::string(member_id) + ":" + std::string(invoice_id);
}

std::string_view DeriveInvoiceStatus(int64_t amount, int64_t allocated, bool cancelled) {
  if (cancelled) return "cancelled";
  if (amount == 0) return "no_payment_required";  // B4
  if (allocated >= amount) return "paid";
  if (allocated > 0) return "partially_paid";
  return "unpaid";
}

std::string CreditAccount(std::string_view member_id) {
  return "credit:" + std::string(member_id);
}

MemberAccount MemberAccountOf(std::string_view account, std::string_view member_id) {
  // What follows "<kind>:<member_id>" in the account; nullopt when it does not begin so.
  const auto rest = [&](std::string_view kind) -> std::optional<std::string_view> {
    if (!(account.starts_with(kind) && account.substr(kind.size()).starts_with(':'))) {
      return std::nullopt;
    }
    const std::string_view after = account.substr(kind.size() + 1);
    if (!after.starts_with(member_id)) return std::nullopt;
    return after.substr(member_id.size());
  };
  if (const auto r = rest("receivable"); r && r->starts_with(':')) {
    return MemberAccount::kReceivable;
  }
  if (const auto r = rest("credit"); r && r->empty()) return MemberAccount::kCredit;
  return MemberAccount::kNone;
}

std::string_view AccountKind(std::string_view account) {
  for (std::string_view kind : {"receivable", "credit"}) {
    if (account.size() > kind.size() && account.starts_with(kind) && account[kind.size()] == ':') {
      return kind;
    }
  }
  return account;
}

std::vector<Posting> PostingsFor(const Event& event) {
  std::vector<Posting> out;
  std::visit(
      [&out](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, InvoiceIssued>) {
          Move(&out, ReceivableAccount(e.member_id, e.invoice_id), Revenue(e.fiscal_year, e.category),
               e.amount);
        } else if constexpr (std::is_same_v<T, InvoiceAdjusted>) {
          if (e.posted) {
            Move(&out, ReceivableAccount(e.member_id, e.invoice_id), Adjustment(e.fiscal_year),
                 e.amount);
          }
        } else if constexpr (std::is_same_v<T, InvoiceCancelled>) {
          const std::string receivable = ReceivableAccount(e.member_id, e.invoice_id);
          Move(&out, Revenue(e.fiscal_year, e.category), receivable, e.issued_amount);
          Move(&out, Adjustment(e.fiscal_year), receivable, e.posted_adjustments);
        } else if constexpr (std::is_same_v<T, PaymentRecorded>) {
          Move(&out, Cash(e.method), CreditAccount(e.member_id), e.amount);
        } else if constexpr (std::is_same_v<T, PaymentAllocated>) {
          Move(&out, CreditAccount(e.member_id), ReceivableAccount(e.member_id, e.invoice_id),
               e.amount);
        } else if constexpr (std::is_same_v<T, AllocationReleased>) {
          Move(&out, ReceivableAccount(e.member_id, e.invoice_id), CreditAccount(e.member_id),
               e.amount);
        } else if constexpr (std::is_same_v<T, PaymentReversed>) {
          Move(&out, CreditAccount(e.member_id), Cash(e.method), e.amount);
        }
      },
      event);
  return out;
}

}  // namespace kaiin::events
