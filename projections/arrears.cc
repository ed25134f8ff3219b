// arrears rows:
//   "a/" member_id          -> ArrearsRow (only while the member has an open confirmed invoice)
//   "i/" invoice_id         -> member_id, fiscal year, category, amount, allocated, state
//                              (every invoice: drafts and settled ones too, to follow changes)
//   "t/" scope              -> totals: U64(members) U64(invoices) I64(outstanding)
//       scope: "all", "fy/<fy>", "cat/<category>", "fy/<fy>/<category>"
#include "projections/arrears.h"

#include <algorithm>
#include <set>

#include "projections/row_codec.h"

namespace kaiin::projections {
namespace {

constexpr uint64_t kDraft = 0, kIssued = 1, kCancelled = 2;

struct InvoiceState {
  std::string member_id;
  int fiscal_year = 0;
  uint64_t category = 0;
  int64_t amount = 0, allocated = 0;
  uint64_t state = kDraft;
};

std::string Encode(const InvoiceState& s) {
  return RowWriter().Str(s.member_id).I64(s.fiscal_year).U64(s.category).I64(s.amount)
      .I64(s.allocated).U64(s.state).Take();
}

bool Decode(std::string_view b, InvoiceState* s) {
  RowReader r(b);
  return r.Str(&s->member_id) && r.I32(&s->fiscal_year) && r.U64(&s->category) && s->category <= 2 &&
         r.I64(&s->amount) && r.I64(&s->allocated) && r.U64(&s->state) && r.done();
}

std::string Encode(const ArrearsRow& row) {
  RowWriter w;
  w.Str(row.member_id).U64(row.invoices.size());
  for (const auto& i : row.invoices) {
    w.Str(i.invoice_id).I64(i.fiscal_year).U64(static_cast<uint64_t>(i.category)).I64(i.amount)
        .I64(i.allocated);
  }
  return w.Take();
}

bool Decode(std::string_view b, ArrearsRow* row) {
  RowReader r(b);
  uint64_t n = 0;
  if (!r.Str(&row->member_id) || !r.U64(&n)) return false;
  row->invoices.clear();
  for (uint64_t k = 0; k < n; ++k) {
    ArrearsInvoice i;
    uint64_t category = 0;
    if (!(r.Str(&i.invoice_id) && r.I32(&i.fiscal_year) && r.U64(&category) && category <= 2 &&
          r.I64(&i.amount) && r.I64(&i.allocated))) {
      return false;
    }
    i.category = static_cast<events::InvoiceCategory>(category);
    row->invoices.push_back(std::move(i));
  }
  return r.done();
}

std::string Scope(std::optional<int> fy, std::optional<events::InvoiceCategory> category) {
  std::string s = "t/";
  if (!fy && !category) return s + "all";
  if (fy) s += "fy/" + std::to_string(*fy);
  if (fy && category) s += "/";
  if (category) s += (fy ? "" : "cat/") + std::string(events::InvoiceCategoryName(*category));
  return s;
}

// A totals scope: a fiscal year, a category, both or neither (Scope gives its row's key).
struct ScopeOf {
  std::optional<int> fiscal_year;
  std::optional<events::InvoiceCategory> category;
  bool operator==(const ScopeOf&) const = default;
};

struct Share {
  ScopeOf scope;
  ArrearsTotals totals;
};

// A member's contribution to every totals scope. A member has a few open invoices at most, so
// a flat list: every invoice change re-derives it twice (before and after).
std::vector<Share> Contribution(const ArrearsRow& row) {
  std::vector<Share> out;
  for (const ArrearsInvoice& i : row.invoices) {
    for (const ScopeOf& scope : {ScopeOf{}, ScopeOf{i.fiscal_year, std::nullopt},
                                 ScopeOf{std::nullopt, i.category},
                                 ScopeOf{i.fiscal_year, i.category}}) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const Share& s) { return s.scope == scope; });
      if (it == out.end()) it = out.insert(out.end(), Share{scope, ArrearsTotals{.members = 1}});
      it->totals.invoices += 1;
      it->totals.outstanding += i.amount - i.allocated;
    }
  }
  return out;
}

ArrearsTotals ShareOf(const std::vector<Share>& shares, const ScopeOf& scope) {
  for (const Share& s : shares) {
    if (s.scope == scope) return s.totals;
  }
  return {};
}

Status AddTotals(Rows& rows, const std::string& scope, int64_t members, int64_t invoices,
                 int64_t outstanding) {
  std::string bytes;
  Result<bool> found = rows.Get(scope, &bytes);
  if (!found.ok()) return found.status();
  ArrearsTotals t;
  if (*found) {
    RowReader r(bytes);
    int64_t o = 0;
    if (!(r.U64(&t.members) && r.U64(&t.invoices) && r.I64(&o))) {
      return Status::Corruption("arrears totals unreadable");
    }
    t.outstanding = o;
  }
  t.members += members;
  t.invoices += invoices;
  t.outstanding += outstanding;
  if (t.members == 0 && t.invoices == 0 && t.outstanding == 0) {
    rows.Delete(scope);
  } else {
    rows.Put(scope, RowWriter().U64(t.members).U64(t.invoices).I64(t.outstanding).Take());
  }
  return Status::Ok();
}

// Re-derives the member's arrears row after one of its invoices changed, and the totals.
Status Refresh(Rows& rows, const std::string& invoice_id, const InvoiceState& s) {
  const std::string key = "a/" + s.member_id;
  std::string bytes;
  Result<bool> found = rows.Get(key, &bytes);
  if (!found.ok()) return found.status();
  ArrearsRow row;
  row.member_id = s.member_id;
  if (*found && !Decode(bytes, &row)) return Status::Corruption("arrears row unreadable");
  const auto before = Contribution(row);
  std::erase_if(row.invoices, [&](const ArrearsInvoice& i) { return i.invoice_id == invoice_id; });
  if (s.state == kIssued && s.allocated < s.amount) {
    ArrearsInvoice i{invoice_id, s.fiscal_year, static_cast<events::InvoiceCategory>(s.category),
                     s.amount, s.allocated};
    auto at = std::lower_bound(row.invoices.begin(), row.invoices.end(), i,
                               [](const ArrearsInvoice& a, const ArrearsInvoice& b) {
                                 return std::pair(a.fiscal_year, a.invoice_id) <
                                        std::pair(b.fiscal_year, b.invoice_id);
                               });
    row.invoices.insert(at, std::move(i));
  }
  const auto after = Contribution(row);
  std::vector<ScopeOf> scopes;
  for (const auto* shares : {&before, &after}) {
    for (const Share& s : *shares) {
      if (std::find(scopes.begin(), scopes.end(), s.scope) == scopes.end()) {
        scopes.push_back(s.scope);
      }
    }
  }
  for (const ScopeOf& scope : scopes) {
    const ArrearsTotals b = ShareOf(before, scope);
    const ArrearsTotals a = ShareOf(after, scope);
    const int64_t members = static_cast<int64_t>(a.members) - static_cast<int64_t>(b.members);
    const int64_t invoices = static_cast<int64_t>(a.invoices) - static_cast<int64_t>(b.invoices);
    const int64_t outstanding = a.outstanding - b.outstanding;
    // An unchanged scope's row stays as it is (rewriting it would write the same bytes).
    if (members == 0 && invoices == 0 && outstanding == 0) continue;
    if (Status st = AddTotals(rows, Scope(scope.fiscal_year, scope.category), members, invoices,
                              outstanding);
        !st.ok()) {
      return st;
    }
  }
  if (row.invoices.empty()) {
    rows.Delete(key);
  } else {
    rows.Put(key, Encode(row));
  }
  return Status::Ok();
}

Status UpdateInvoice(Rows& rows, const std::string& invoice_id,
                     const std::function<void(InvoiceState&)>& fn) {
  const std::string key = "i/" + invoice_id;
  std::string bytes;
  Result<bool> found = rows.Get(key, &bytes);
  if (!found.ok()) return found.status();
  InvoiceState s;
  if (!*found || !Decode(bytes, &s)) return Status::Corruption("arrears: unknown invoice " + invoice_id);
  fn(s);
  rows.Put(key, Encode(s));
  return Refresh(rows, invoice_id, s);
}

}  // namespace

bool ArrearsFilter::Matches(const ArrearsRow& row) const {
  if (std::none_of(row.invoices.begin(), row.invoices.end(),
                   [&](const ArrearsInvoice& i) { return Selects(i); })) {
    return false;
  }
  if (min_years <= 1) return true;
  std::set<int> years;
  for (const auto& i : row.invoices) {
    if (!category || i.category == *category) years.insert(i.fiscal_year);
  }
  return static_cast<int>(years.size()) >= min_years;
}

Status ArrearsProjection::Apply(const events::Envelope& env, Rows& rows) {
  return std::visit(
      [&](const auto& e) -> Status {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, events::InvoiceDrafted>) {
          InvoiceState s{e.member_id, e.fiscal_year, static_cast<uint64_t>(e.category), e.amount,
                         0, kDraft};
          rows.Put("i/" + e.invoice_id, Encode(s));
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, events::InvoiceIssued>) {
          return UpdateInvoice(rows, e.invoice_id, [](InvoiceState& s) { s.state = kIssued; });
        } else if constexpr (std::is_same_v<T, events::InvoiceAdjusted>) {
          return UpdateInvoice(rows, e.invoice_id, [&](InvoiceState& s) { s.amount += e.amount; });
        } else if constexpr (std::is_same_v<T, events::InvoiceCancelled>) {
          return UpdateInvoice(rows, e.invoice_id, [](InvoiceState& s) { s.state = kCancelled; });
        } else if constexpr (std::is_same_v<T, events::PaymentAllocated>) {
          return UpdateInvoice(rows, e.invoice_id, [&](InvoiceState& s) { s.allocated += e.amount; });
        } else if constexpr (std::is_same_v<T, events::AllocationReleased>) {
          return UpdateInvoice(rows, e.invoice_id, [&](InvoiceState& s) { s.allocated -= e.amount; });
        } else {
          return Status::Ok();
        }
      },
      env.event);
}

Status ScanArrears(const ProjectionStore& store, const ArrearsFilter& filter, std::string_view after,
                   size_t limit, size_t scan_max,
                   const std::function<bool(const ArrearsRow&)>& keep,
                   std::vector<ArrearsRow>* out, std::string* scanned_to, bool* cut_short) {
  *cut_short = false;
  std::string start = "a/" + std::string(after);
  if (!after.empty()) start.push_back('\0');
  size_t scanned = 0;
  Status error;
  Status s = store.Scan(ArrearsProjection::kName, "a/", start,
                        [&](std::string_view, std::string_view value) {
                          ArrearsRow row;
                          if (!Decode(value, &row)) {
                            error = Status::Corruption("arrears row unreadable");
                            return false;
                          }
                          ++scanned;
                          *scanned_to = row.member_id;
                          if (filter.Matches(row) && keep(row)) out->push_back(std::move(row));
                          if (out->size() >= limit) return false;
                          if (scanned >= scan_max) {
                            *cut_short = true;
                            return false;
                          }
                          return true;
                        });
  if (!s.ok()) return s;
  return error;
}

Result<ArrearsTotals> ReadArrearsTotals(const ProjectionStore& store, std::optional<int> fiscal_year,
                                        std::optional<events::InvoiceCategory> category) {
  std::string bytes;
  Result<bool> found = store.Get(ArrearsProjection::kName, Scope(fiscal_year, category), &bytes);
  if (!found.ok()) return found.status();
  ArrearsTotals t;
  if (!*found) return t;
  RowReader r(bytes);
  if (!(r.U64(&t.members) && r.U64(&t.invoices) && r.I64(&t.outstanding))) {
    return Status::Corruption("arrears totals unreadable");
  }
  return t;
}

}  // namespace kaiin::projections
