// member_ledger rows:
//   "e/" member_id "/" fixed20(position) "/" fixed3(n)  -> I64(effective date) Str(event type)
//        Str(account) I64(debit) I64(credit) Str(invoice id) Str(payment id)
#include "projections/member_ledger.h"

#include "events/postings.h"
#include "events/text.h"
#include "projections/row_codec.h"

namespace kaiin::projections {
namespace {

std::string EntryKey(std::string_view member, uint64_t position, size_t n) {
  std::string key;
  key.reserve(2 + member.size() + 26);
  key.append("e/").append(member).push_back('/');
  AppendPadded(&key, position, 20);
  key.push_back('/');
  AppendPadded(&key, n, 3);
  return key;
}

struct Ids {
  std::string_view member, invoice, payment;
};

Ids IdsOf(const events::Event& event) {
  return std::visit(
      [](const auto& e) -> Ids {
        Ids ids;
        if constexpr (requires { e.member_id; }) ids.member = e.member_id;
        if constexpr (requires { e.invoice_id; }) ids.invoice = e.invoice_id;
        if constexpr (requires { e.payment_id; }) ids.payment = e.payment_id;
        return ids;
      },
      event);
}

}  // namespace

Status MemberLedgerProjection::Apply(const events::Envelope& env, Rows& rows) {
  const std::vector<events::Posting> postings = events::PostingsFor(env.event);
  if (postings.empty()) return Status::Ok();
  const Ids ids = IdsOf(env.event);
  size_t n = 0;
  for (const events::Posting& p : postings) {
    if (events::MemberAccountOf(p.account, ids.member) == events::MemberAccount::kNone) {
      continue;  // not the member's
    }
    // A new key (the event's position): never looked up.
    rows.Insert(EntryKey(ids.member, env.meta.position, n++),
                RowWriter()
                    .I64(env.meta.effective_date)
                    .Str(events::EventTypeName(env.event))
                    .Str(p.account)
                    .I64(p.debit)
                    .I64(p.credit)
                    .Str(ids.invoice)
                    .Str(ids.payment)
                    .Take());
  }
  return Status::Ok();
}

Result<std::vector<LedgerEntry>> ReadMemberLedger(const ProjectionStore& store,
                                                  std::string_view member_id,
                                                  std::optional<Date> as_of,
                                                  std::optional<uint64_t> as_of_position) {
  std::vector<LedgerEntry> out;
  Status error;
  const std::string prefix = "e/" + std::string(member_id) + "/";
  Status s = store.Scan(MemberLedgerProjection::kName, prefix, "",
                        [&](std::string_view key, std::string_view value) {
                          LedgerEntry e;
                          e.position = std::stoull(std::string(key.substr(prefix.size(), 20)));
                          if (as_of_position && e.position > *as_of_position) return false;
                          RowReader r(value);
                          if (!(r.I32(&e.effective_date) && r.Str(&e.event_type) &&
                                r.Str(&e.account) && r.I64(&e.debit) && r.I64(&e.credit) &&
                                r.Str(&e.invoice_id) && r.Str(&e.payment_id))) {
                            error = Status::Corruption("member ledger row unreadable");
                            return false;
                          }
                          if (!as_of || e.effective_date <= *as_of) out.push_back(std::move(e));
                          return true;
                        });
  if (!s.ok()) return s;
  if (!error.ok()) return error;
  return out;
}

}  // namespace kaiin::projections
