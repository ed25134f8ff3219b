// Read models (API.md: Read models): arrears, fiscal-year summaries, the member ledger and the
// trial balance as of a date or a position, and the member billing CSV export. All read
// projections.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "commands/billing.h"
#include "events/json_writer.h"
#include "events/postings.h"
#include "http/api.h"
#include "http/problem.h"
#include "http/text_encoding.h"
#include "projections/account_balances.h"
#include "projections/arrears.h"
#include "projections/billing.h"
#include "projections/fiscal_summary.h"
#include "projections/member_ledger.h"
#include "projections/member_view.h"
#include "replay/balances.h"

namespace kaiin::http {
namespace {

constexpr size_t kArrearsScanRowsMax = 20000;     // rows one page may look at
constexpr size_t kArrearsTotalsScanMax = 1000000;  // rows a filtered total may look at
constexpr size_t kCsvMembersPerChunk = 500;

Status Bad(std::string field, std::string message) {
  return Status::InvalidArgument("validation_failed", "invalid query",
                                 {{std::move(field), std::move(message)}});
}

std::optional<int> ParseInt(std::string_view text) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

void WriteFigures(const projections::SummaryFigures& f, JsonWriter& w) {
  w.BeginObject().Field("invoiced", f.invoiced).Field("adjustments", f.adjustments);
  w.Field("cancelled", f.cancelled).Field("collected", f.collected);
  w.Field("outstanding", f.outstanding()).Field("invoices", f.invoices).EndObject();
}

void CsvField(std::string_view v, std::string* out) {
  const bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

// Fields separated by commas, no line end.
void CsvFields(std::initializer_list<std::string_view> fields, std::string* out) {
  bool first = true;
  for (std::string_view f : fields) {
    if (!first) out->push_back(',');
    first = false;
    CsvField(f, out);
  }
}

void CsvRow(std::initializer_list<std::string_view> fields, std::string* out) {
  CsvFields(fields, out);
  out->append("\r\n");
}

// The cut of an as-of query: `as_of=YYYY-MM-DD`, `as_of_position=N`, either or both (A3).
struct AsOf {
  std::optional<Date> date;
  std::optional<uint64_t> position;
};

// Reads the cut; an error names the field at fault.
Result<AsOf> ParseAsOf(const Request& r) {
  AsOf cut;
  if (auto text = r.Query("as_of")) {
    cut.date = ParseDate(*text);
    if (!cut.date) return Bad("as_of", "must be a date YYYY-MM-DD");
  }
  Status error;
  cut.position = QueryUint(r, "as_of_position", ~uint64_t{0} - 1, &error);
  if (!error.ok()) return error;
  return cut;
}

// The projection position an answer as of `cut` needs reached (0: none).
uint64_t NeededPosition(const AsOf& cut, uint64_t head) {
  return cut.position ? std::min(*cut.position, head) : 0;
}

// The projection's accounts as a trial balance, with its totals.
replay::TrialBalance AsTrialBalance(std::vector<projections::AccountBalance> accounts) {
  replay::TrialBalance balance;
  for (const projections::AccountBalance& a : accounts) {
    balance.total_debits += a.debits;
    balance.total_credits += a.credits;
  }
  balance.accounts = std::move(accounts);
  return balance;
}

Response TrialBalanceJson(const AsOf& cut, const replay::TrialBalance& balance) {
  const std::vector<replay::TrialBalanceLine> lines = replay::TrialBalanceLines(balance);
  auto figures = [](const replay::TrialBalanceLine& line, JsonWriter& w) {
    w.Field("debit", line.debits).Field("credit", line.credits);
    w.Field("debit_balance", line.debit_balance).Field("credit_balance", line.credit_balance);
  };
  JsonWriter w;
  w.BeginObject();
  if (cut.date) w.Field("as_of", FormatDate(*cut.date));
  if (cut.position) w.Field("as_of_position", *cut.position);
  w.Key("accounts").BeginArray();
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    w.BeginObject().Field("account", lines[i].account);
    figures(lines[i], w);
    w.EndObject();
  }
  w.EndArray();
  w.Key("total").BeginObject();
  figures(lines.back(), w);
  w.EndObject().EndObject();
  return JsonResponse(200, w.Take());
}

// `kaiin-replay balances`'s CSV, for Excel: a BOM and CRLF line ends.
Response TrialBalanceCsv(const replay::TrialBalance& balance) {
  Response res;
  res.content_type = "text/csv; charset=utf-8";
  res.headers.emplace_back("Content-Disposition", "attachment; filename=\"trial-balance.csv\"");
  res.body = "\xEF\xBB\xBF" + replay::FormatTrialBalanceCsv(balance, "\r\n");
  return res;
}

}  // namespace

void Api::AddReadRoutes() {
  const std::string t = "/v1/tenants/{tenant}";
  Route("GET", t + "/arrears", &Api::GetArrears);
  Route("GET", t + "/fiscal-years/{fy}/summary", &Api::GetFiscalYearSummary);
  Route("GET", t + "/members/{id}/ledger", &Api::GetMemberLedger);
  Route("GET", t + "/trial-balance", &Api::GetTrialBalance);
  Route("GET", t + "/exports/member-billing.csv", &Api::GetMemberBillingCsv);
  Route("GET", t + "/exports/trial-balance.csv", &Api::GetTrialBalanceCsv);
}

void Api::GetArrears(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  projections::ArrearsFilter filter;
  if (auto fy = r.Query("fiscal_year")) {
    filter.fiscal_year = ParseInt(*fy);
    if (!filter.fiscal_year) return respond(Problem(Bad("fiscal_year", "must be a year")));
  }
  if (auto category = r.Query("category")) {
    filter.category = events::ParseInvoiceCategory(*category);
    if (!filter.category) return respond(Problem(Bad("category", "annual, admission or other")));
  }
  if (auto years = r.Query("min_years")) {
    auto n = ParseInt(*years);
    if (!n || *n < 0 || *n > 100) return respond(Problem(Bad("min_years", "0..100")));
    filter.min_years = *n;
  }
  const std::string member_type(r.Query("member_type").value_or(""));
  Status error;
  const size_t limit = QueryPageLimit(r, &error);
  if (!error.ok()) return respond(Problem(error));
  const std::string after(r.Query("cursor").value_or(""));
  Query(t, r, std::move(respond), [t, filter, member_type, limit, after]() -> Response {
    const Date today = t->Today();
    // The member type filter reads the member view (the member's type as of today). Rows come
    // in member id order, so one ordered reader walks the member rows beside them.
    auto reader = t->store().NewOrderedReader(projections::MemberViewProjection::kName);
    if (!reader.ok()) return Problem(reader.status());
    // Reads the row's member into *m; whether the member's type passes the filter.
    auto type_matches = [&](const projections::ArrearsRow& row, projections::MemberRow* m,
                            bool* known) {
      Result<bool> found = projections::ReadMember(**reader, row.member_id, m);
      *known = found.ok() && *found;
      if (member_type.empty()) return true;
      return *known && events::TypeOn(m->types, today).member_type == member_type;
    };
    std::vector<std::optional<projections::MemberRow>> members;  // beside the rows kept
    members.reserve(limit + 1);
    auto keep = [&](const projections::ArrearsRow& row) {
      projections::MemberRow m;
      bool known = false;
      if (!type_matches(row, &m, &known)) return false;
      members.push_back(known ? std::optional(std::move(m)) : std::nullopt);
      return true;
    };
    std::vector<projections::ArrearsRow> rows;
    std::string scanned_to;
    bool cut_short = false;
    Status s = projections::ScanArrears(t->store(), filter, after, limit + 1, kArrearsScanRowsMax,
                                        keep, &rows, &scanned_to, &cut_short);
    if (!s.ok()) return Problem(s);
    std::string next;
    if (rows.size() > limit) {
      rows.resize(limit);
      next = rows.back().member_id;
    } else if (cut_short) {
      next = scanned_to;  // the scan bound stopped this page, not the end of the list
    }
    // Totals: kept for the fiscal year / category scopes; other filters add them up.
    projections::ArrearsTotals totals;
    if (member_type.empty() && filter.min_years <= 1) {
      auto kept = projections::ReadArrearsTotals(t->store(), filter.fiscal_year, filter.category);
      if (!kept.ok()) return Problem(kept.status());
      totals = *kept;
    } else {
      auto count = [&](const projections::ArrearsRow& row) {
        projections::MemberRow m;
        bool known = false;
        if (!member_type.empty() && !type_matches(row, &m, &known)) return false;
        ++totals.members;
        for (const auto& i : row.invoices) {
          if (!filter.Selects(i)) continue;
          ++totals.invoices;
          totals.outstanding += i.amount - i.allocated;
        }
        return false;  // counted; nothing kept
      };
      std::vector<projections::ArrearsRow> none;
      std::string to;
      bool truncated = false;
      Status st = projections::ScanArrears(t->store(), filter, "", kArrearsTotalsScanMax,
                                           kArrearsTotalsScanMax, count, &none, &to, &truncated);
      if (!st.ok()) return Problem(st);
    }
    JsonWriter w;
    w.Reserve(512 + rows.size() * 384);  // a member with one invoice: ~300 bytes
    w.BeginObject().Key("items").BeginArray();
    for (size_t k = 0; k < rows.size(); ++k) {
      const projections::ArrearsRow& row = rows[k];
      const projections::MemberRow* m = members[k] ? &*members[k] : nullptr;
      w.BeginObject().Field("member_id", row.member_id);
      if (m && !m->member_number.empty()) {
        w.Field("member_number", m->member_number);
      } else {
        w.Key("member_number").Null();
      }
      w.Field("name", m ? m->name.family + (m->name.given.empty() ? "" : " " + m->name.given) : "");
      w.Field("member_type", m ? events::TypeOn(m->types, today).member_type : "");
      w.Field("status", m ? events::MemberStatusName(events::StatusOn(m->statuses, today).status) : "");
      int64_t total = 0;
      w.Key("invoices").BeginArray();
      for (const auto& i : row.invoices) {
        if (!filter.Selects(i)) continue;
        w.BeginObject().Field("invoice_id", i.invoice_id).Field("fiscal_year", i.fiscal_year);
        w.Field("category", events::InvoiceCategoryName(i.category));
        w.Field("amount", i.amount).Field("allocated", i.allocated);
        w.Field("outstanding", i.amount - i.allocated);
        w.Field("status", events::DeriveInvoiceStatus(i.amount, i.allocated, false)).EndObject();
        total += i.amount - i.allocated;
      }
      w.EndArray().Field("total_outstanding", total).EndObject();
    }
    w.EndArray();
    if (next.empty()) {
      w.Key("next_cursor").Null();
    } else {
      w.Field("next_cursor", next);
    }
    w.Key("totals").BeginObject().Field("members", totals.members);
    w.Field("invoices", totals.invoices).Field("outstanding", totals.outstanding).EndObject();
    w.EndObject();
    return JsonResponse(200, w.Take());
  }, 0, Cache::kYes);
}

void Api::GetFiscalYearSummary(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  auto fy = ParseInt(p.at("fy"));
  if (!fy || *fy < 1900 || *fy > 9999) return respond(Problem(Bad("fiscal_year", "1900..9999")));
  Query(t, r, std::move(respond), [t, fy = *fy]() -> Response {
    auto summary = projections::ReadFiscalYearSummary(t->store(), fy);
    if (!summary.ok()) return Problem(summary.status());
    const auto& s = *summary;
    JsonWriter w;
    w.BeginObject().Field("fiscal_year", fy);
    w.Field("invoiced", s.total.invoiced).Field("adjustments", s.total.adjustments);
    w.Field("cancelled", s.total.cancelled).Field("collected", s.total.collected);
    w.Field("outstanding", s.total.outstanding()).Field("invoices", s.total.invoices);
    w.Key("counts").BeginObject();
    for (const char* status : {"unpaid", "partially_paid", "paid", "no_payment_required", "cancelled"}) {
      auto it = s.counts.find(status);
      w.Field(status, it == s.counts.end() ? uint64_t{0} : it->second);
    }
    w.EndObject();
    for (const auto& [key, map] : {std::pair{"by_member_type", &s.by_member_type},
                                   std::pair{"by_category", &s.by_category}}) {
      w.Key(key).BeginObject();
      for (const auto& [k, f] : *map) {
        w.Key(k);
        WriteFigures(f, w);
      }
      w.EndObject();
    }
    w.Key("by_method").BeginObject();
    for (const auto& [k, v] : s.by_method) w.Field(k, v);
    w.EndObject().EndObject();
    return JsonResponse(200, w.Take());
  }, 0, Cache::kYes);
}

void Api::GetMemberLedger(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kSelf, respond);
  if (!t) return;
  Result<AsOf> cut = ParseAsOf(r);
  if (!cut.ok()) return respond(Problem(cut.status()));
  const std::string id = p.at("id");
  Query(
      t, r, std::move(respond),
      [t, id, as_of = cut->date, as_of_position = cut->position]() -> Response {
        projections::MemberRow member;
        Result<bool> found = projections::ReadMember(t->store(), id, &member);
        if (!found.ok()) return Problem(found.status());
        if (!*found) return Problem(Status::NotFound("no member " + id));
        auto entries = projections::ReadMemberLedger(t->store(), id, as_of, as_of_position);
        if (!entries.ok()) return Problem(entries.status());
        std::map<std::string, std::pair<int64_t, int64_t>> accounts;
        for (const auto& e : *entries) {
          accounts[e.account].first += e.debit;
          accounts[e.account].second += e.credit;
        }
        int64_t outstanding = 0, credit = 0;
        JsonWriter w;
        w.BeginObject().Field("member_id", id);
        if (as_of) w.Field("as_of", FormatDate(*as_of));
        if (as_of_position) w.Field("as_of_position", *as_of_position);
        w.Key("accounts").BeginArray();
        for (const auto& [account, dc] : accounts) {
          // Each account's balance on its normal side: receivables are owed (debit), the
          // member's credit is held (credit).
          const bool is_credit = account.starts_with("credit:");
          const int64_t balance = is_credit ? dc.second - dc.first : dc.first - dc.second;
          (is_credit ? credit : outstanding) += balance;
          w.BeginObject().Field("account", account).Field("debit", dc.first);
          w.Field("credit", dc.second).Field("balance", balance).EndObject();
        }
        w.EndArray();
        w.Key("balance").BeginObject().Field("outstanding", outstanding);
        w.Field("credit", credit).EndObject();
        w.Key("entries").BeginArray();
        for (const auto& e : *entries) {
          w.BeginObject().Field("position", e.position);
          w.Field("effective_date", FormatDate(e.effective_date)).Field("type", e.event_type);
          w.Field("account", e.account).Field("debit", e.debit).Field("credit", e.credit);
          if (!e.invoice_id.empty()) w.Field("invoice_id", e.invoice_id);
          if (!e.payment_id.empty()) w.Field("payment_id", e.payment_id);
          w.EndObject();
        }
        w.EndArray().EndObject();
        return JsonResponse(200, w.Take());
      },
      NeededPosition(*cut, t->log().Head()));
}

void Api::GetTrialBalance(const Request& r, const Params& p, Responder respond) {
  AnswerTrialBalance(r, p, std::move(respond), /*csv=*/false);
}

void Api::GetTrialBalanceCsv(const Request& r, const Params& p, Responder respond) {
  AnswerTrialBalance(r, p, std::move(respond), /*csv=*/true);
}

void Api::AnswerTrialBalance(const Request& r, const Params& p, Responder respond, bool csv) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  Result<AsOf> cut = ParseAsOf(r);
  if (!cut.ok()) return respond(Problem(cut.status()));
  Query(
      t, r, std::move(respond),
      [t, cut = *cut, csv]() -> Response {
        auto accounts = projections::ReadTrialBalance(t->store(), cut.date, cut.position,
                                                      t->runtime().Position());
        if (!accounts.ok()) return Problem(accounts.status());
        const replay::TrialBalance balance = AsTrialBalance(std::move(*accounts));
        return csv ? TrialBalanceCsv(balance) : TrialBalanceJson(cut, balance);
      },
      NeededPosition(*cut, t->log().Head()), Cache::kYes);
}

void Api::GetMemberBillingCsv(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  const int start_month = t->settings().value.fiscal_year_start_month;
  const int current = commands::FiscalYearOf(t->Today(), start_month);
  int from = current - 4, to = 9999;  // the current year, four back, and any future ones
  if (auto v = r.Query("from_fiscal_year")) {
    auto n = ParseInt(*v);
    if (!n) return respond(Problem(Bad("from_fiscal_year", "must be a year")));
    from = *n;
  }
  if (auto v = r.Query("to_fiscal_year")) {
    auto n = ParseInt(*v);
    if (!n) return respond(Problem(Bad("to_fiscal_year", "must be a year")));
    to = *n;
  }
  const std::string encoding(r.Query("encoding").value_or("utf-8"));
  if (encoding != "utf-8" && encoding != "cp932") {
    return respond(Problem(Bad("encoding", "utf-8 or cp932")));
  }
  const auto drafts = r.Query("include_drafts");
  if (drafts && *drafts != "true" && *drafts != "false") {
    return respond(Problem(Bad("include_drafts", "true or false")));
  }
  const bool include_drafts = drafts && *drafts == "true";
  Query(t, r, std::move(respond), [t, from, to, encoding, include_drafts]() -> Response {
    // The whole file is read from one state of the store, taken now: a payment applied while
    // the file streams cannot show in one member's rows and not in another's, and the position
    // in the header is the one every row is at.
    constexpr std::string_view kReads[] = {projections::MemberViewProjection::kName,
                                           projections::BillingProjection::kName};
    for (std::string_view name : kReads) {
      if (Status s = t->store().ReadyToRead(name); !s.ok()) return Problem(s);
    }
    Result<std::unique_ptr<projections::ProjectionStore::View>> taken = t->store().NewView();
    if (!taken.ok()) return Problem(taken.status());
    std::shared_ptr<const projections::ProjectionStore::View> view = std::move(*taken);
    uint64_t position = ~uint64_t{0};
    for (std::string_view name : kReads) {
      Result<uint64_t> at = t->store().Checkpoint(name, view.get());
      if (!at.ok()) return Problem(at.status());
      position = std::min(position, *at);
    }
    Response res;
    res.headers.emplace_back("X-Projection-Position", std::to_string(position));
    res.content_type = encoding == "cp932" ? "text/csv; charset=Shift_JIS" : "text/csv; charset=utf-8";
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"member-billing.csv\"");
    const bool cp932 = encoding == "cp932";
    std::string head = cp932 ? "" : "\xEF\xBB\xBF";  // the BOM Excel wants for UTF-8
    CsvRow({"member_id",  "member_number", "family",      "given",          "family_kana",
            "given_kana", "email",         "member_type", "status",         "fiscal_year",
            "invoice_id", "category",      "title",       "issue_date",     "due_date",
            "amount",     "allocated",     "outstanding", "invoice_status", "confirmed"},
           &head);
    res.body = cp932 ? Utf8ToCp932(head) : head;
    // Members are read a page at a time, so 100k members are never in memory at once. A read
    // that fails half-way ends the answer without its last chunk: a file cut short must not
    // look whole to the secretariat's spreadsheet or an auditor's script.
    auto cursor = std::make_shared<std::string>();
    auto done = std::make_shared<bool>(false);
    const Date today = t->Today();
    res.stream = [t, view, cursor, done, from, to, cp932, today,
                  include_drafts](std::string* chunk) -> Response::Chunk {
      if (*done) return Response::Chunk::kLast;
      auto failed = [&](const kaiin::Status& s) {
        spdlog::error("tenant {}: member-billing.csv cut short: {}", t->id(), s.ToString());
        *done = true;
        return Response::Chunk::kFailed;
      };
      projections::MemberQuery q;
      q.today = today;
      q.after = *cursor;
      q.limit = kCsvMembersPerChunk;
      q.at = view.get();
      auto page = projections::ListMembers(t->store(), q);
      if (!page.ok()) return failed(page.status());
      std::string out;
      for (const auto& m : page->items) {
        const std::string type = events::TypeOn(m.types, today).member_type;
        const std::string status(events::MemberStatusName(events::StatusOn(m.statuses, today).status));
        auto invoices = projections::ReadMemberInvoices(t->store(), m.member_id, view.get());
        if (!invoices.ok()) return failed(invoices.status());
        std::string member;  // the member's columns, which start each of its rows
        CsvFields({m.member_id, m.member_number, m.name.family, m.name.given, m.name.family_kana,
                   m.name.given_kana, m.email, type, status},
                  &member);
        bool any = false;
        for (const auto& v : *invoices) {
          if (v.fiscal_year < from || v.fiscal_year > to) continue;
          if (!v.confirmed && !include_drafts) continue;
          any = true;
          out += member;
          out.push_back(',');
          CsvRow({std::to_string(v.fiscal_year), v.invoice_id,
                  events::InvoiceCategoryName(v.category), v.title, FormatDate(v.issue_date),
                  FormatDate(v.due_date), std::to_string(v.amount), std::to_string(v.allocated),
                  std::to_string(v.cancelled ? 0 : v.amount - v.allocated), v.status(),
                  v.confirmed ? "true" : "false"},
                 &out);
        }
        if (!any) {
          out += member;
          out.append(",,,,,,,,,,,\r\n");  // the eleven invoice columns empty
        }
      }
      *cursor = page->next_after;
      if (page->next_after.empty()) *done = true;
      *chunk = cp932 ? Utf8ToCp932(out) : std::move(out);
      return *done ? Response::Chunk::kLast : Response::Chunk::kMore;
    };
    return res;
  });
}

}  // namespace kaiin::http
