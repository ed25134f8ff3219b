// fiscal_summary rows:
//   "inv/" invoice_id  -> fiscal year, member type, category, amount, allocated, state
//   "pay/" payment_id  -> payment method name
//   "fy/" fixed6(fy)   -> FiscalYearSummary (counts and breakdowns)
#include "projections/fiscal_summary.h"

#include <cstdio>

#include "events/postings.h"
#include "projections/row_codec.h"

namespace kaiin::projections {
namespace {

constexpr uint64_t kDraft = 0, kIssued = 1, kCancelled = 2;

struct Inv {
  int fiscal_year = 0;
  std::string member_type, category;
  int64_t amount = 0, allocated = 0;
  uint64_t state = kDraft;
  std::string_view status() const {
    return events::DeriveInvoiceStatus(amount, allocated, state == kCancelled);
  }
};

std::string FyKey(int fy) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "fy/%06d", fy);
  return buf;
}

std::string Encode(const Inv& v) {
  return RowWriter().I64(v.fiscal_year).Str(v.member_type).Str(v.category).I64(v.amount)
      .I64(v.allocated).U64(v.state).Take();
}

bool Decode(std::string_view b, Inv* v) {
  RowReader r(b);
  return r.I32(&v->fiscal_year) && r.Str(&v->member_type) && r.Str(&v->category) &&
         r.I64(&v->amount) && r.I64(&v->allocated) && r.U64(&v->state) && r.done();
}

void PutFigures(RowWriter& w, const SummaryFigures& f) {
  w.I64(f.invoiced).I64(f.adjustments).I64(f.cancelled).I64(f.collected).U64(f.invoices);
}

bool GetFigures(RowReader& r, SummaryFigures* f) {
  return r.I64(&f->invoiced) && r.I64(&f->adjustments) && r.I64(&f->cancelled) &&
         r.I64(&f->collected) && r.U64(&f->invoices);
}

std::string Encode(const FiscalYearSummary& s) {
  RowWriter w;
  w.I64(s.fiscal_year);
  PutFigures(w, s.total);
  w.U64(s.counts.size());
  for (const auto& [k, v] : s.counts) w.Str(k).U64(v);
  for (const auto* m : {&s.by_member_type, &s.by_category}) {
    w.U64(m->size());
    for (const auto& [k, v] : *m) {
      w.Str(k);
      PutFigures(w, v);
    }
  }
  w.U64(s.by_method.size());
  for (const auto& [k, v] : s.by_method) w.Str(k).I64(v);
  return w.Take();
}

bool Decode(std::string_view b, FiscalYearSummary* s) {
  RowReader r(b);
  uint64_t n = 0;
  if (!r.I32(&s->fiscal_year) || !GetFigures(r, &s->total) || !r.U64(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k;
    uint64_t v;
    if (!r.Str(&k) || !r.U64(&v)) return false;
    s->counts[k] = v;
  }
  for (auto* m : {&s->by_member_type, &s->by_category}) {
    if (!r.U64(&n)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      std::string k;
      SummaryFigures f;
      if (!r.Str(&k) || !GetFigures(r, &f)) return false;
      (*m)[k] = f;
    }
  }
  if (!r.U64(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k;
    int64_t v;
    if (!r.Str(&k) || !r.I64(&v)) return false;
    s->by_method[k] = v;
  }
  return r.done();
}

class Summaries {
 public:
  explicit Summaries(Rows& rows) : rows_(rows) {}

  Result<FiscalYearSummary*> Year(int fy) {
    auto it = loaded_.find(fy);
    if (it != loaded_.end()) return &it->second;
    FiscalYearSummary s;
    s.fiscal_year = fy;
    std::string bytes;
    Result<bool> found = rows_.Get(FyKey(fy), &bytes);
    if (!found.ok()) return found.status();
    if (*found && !Decode(bytes, &s)) return Status::Corruption("fiscal summary row unreadable");
    return &loaded_.emplace(fy, std::move(s)).first->second;
  }

  void Save() {
    for (const auto& [fy, s] : loaded_) rows_.Put(FyKey(fy), Encode(s));
  }

 private:
  Rows& rows_;
  std::map<int, FiscalYearSummary> loaded_;
};

// Applies `f` to the total and to the invoice's member type and category breakdowns.
void Each(FiscalYearSummary& s, const Inv& inv, const std::function<void(SummaryFigures&)>& f) {
  f(s.total);
  f(s.by_member_type[inv.member_type]);
  f(s.by_category[inv.category]);
}

void Count(FiscalYearSummary& s, std::string_view status, int64_t delta) {
  uint64_t& n = s.counts[std::string(status)];
  n = static_cast<uint64_t>(static_cast<int64_t>(n) + delta);
  if (n == 0) s.counts.erase(std::string(status));
}

Status LoadInvoice(Rows& rows, const std::string& id, Inv* inv) {
  std::string bytes;
  Result<bool> found = rows.Get("inv/" + id, &bytes);
  if (!found.ok()) return found.status();
  if (!*found || !Decode(bytes, inv)) return Status::Corruption("fiscal_summary: unknown invoice " + id);
  return Status::Ok();
}

Result<std::string> MethodOf(Rows& rows, const std::string& payment_id) {
  if (payment_id.empty()) return std::string("credit");  // a credit application (P6)
  std::string method;
  Result<bool> found = rows.Get("pay/" + payment_id, &method);
  if (!found.ok()) return found.status();
  if (!*found) return Status::Corruption("fiscal_summary: unknown payment " + payment_id);
  return method;
}

}  // namespace

Status FiscalSummaryProjection::Apply(const events::Envelope& env, Rows& rows) {
  Summaries summaries(rows);
  Status s = std::visit(
      [&](const auto& e) -> Status {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, events::InvoiceDrafted>) {
          rows.Put("inv/" + e.invoice_id,
                   Encode(Inv{e.fiscal_year, e.member_type,
                              std::string(events::InvoiceCategoryName(e.category)), e.amount, 0,
                              kDraft}));
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, events::PaymentRecorded>) {
          rows.Put("pay/" + e.payment_id, events::PaymentMethodName(e.method));
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, events::InvoiceIssued> ||
                             std::is_same_v<T, events::InvoiceAdjusted> ||
                             std::is_same_v<T, events::InvoiceCancelled> ||
                             std::is_same_v<T, events::PaymentAllocated> ||
                             std::is_same_v<T, events::AllocationReleased>) {
          Inv inv;
          if (Status st = LoadInvoice(rows, e.invoice_id, &inv); !st.ok()) return st;
          Result<FiscalYearSummary*> year = summaries.Year(inv.fiscal_year);
          if (!year.ok()) return year.status();
          FiscalYearSummary& y = **year;
          const bool issued_before = inv.state == kIssued;
          const std::string_view status_before = inv.status();
          if constexpr (std::is_same_v<T, events::InvoiceIssued>) {
            inv.state = kIssued;
            Each(y, inv, [&](SummaryFigures& f) {
              f.invoiced += e.amount;
              f.invoices += 1;
            });
          } else if constexpr (std::is_same_v<T, events::InvoiceAdjusted>) {
            inv.amount += e.amount;
            if (e.posted) Each(y, inv, [&](SummaryFigures& f) { f.adjustments += e.amount; });
          } else if constexpr (std::is_same_v<T, events::InvoiceCancelled>) {
            inv.state = kCancelled;
            const int64_t cancelled = e.issued_amount + e.posted_adjustments;
            Each(y, inv, [&](SummaryFigures& f) { f.cancelled += cancelled; });
          } else {
            const int64_t amount =
                std::is_same_v<T, events::PaymentAllocated> ? e.amount : -e.amount;
            inv.allocated += amount;
            Each(y, inv, [&](SummaryFigures& f) { f.collected += amount; });
            Result<std::string> method = MethodOf(rows, e.payment_id);
            if (!method.ok()) return method.status();
            y.by_method[*method] += amount;
          }
          // The status counts cover invoices that were issued (a draft cancelled before its
          // batch was confirmed never counts).
          if (issued_before) Count(y, status_before, -1);
          if (issued_before || std::is_same_v<T, events::InvoiceIssued>) Count(y, inv.status(), +1);
          rows.Put("inv/" + e.invoice_id, Encode(inv));
          return Status::Ok();
        } else {
          return Status::Ok();
        }
      },
      env.event);
  if (s.ok()) summaries.Save();
  return s;
}

Result<FiscalYearSummary> ReadFiscalYearSummary(const ProjectionStore& store, int fiscal_year) {
  FiscalYearSummary s;
  s.fiscal_year = fiscal_year;
  std::string bytes;
  Result<bool> found = store.Get(FiscalSummaryProjection::kName, FyKey(fiscal_year), &bytes);
  if (!found.ok()) return found.status();
  if (*found && !Decode(bytes, &s)) return Status::Corruption("fiscal summary row unreadable");
  return s;
}

}  // namespace kaiin::projections
