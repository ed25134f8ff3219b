// Billing and payments endpoints (API.md: Billing, Payments). Commands go through
// Api::RunCommand; queries read the billing and member_view projections.
#include <charconv>

#include "commands/billing.h"
#include "events/json_writer.h"
#include "events/event_json.h"
#include "http/api.h"
#include "http/api_util.h"
#include "http/json_input.h"
#include "http/problem.h"
#include "projections/billing.h"

namespace kaiin::http {
namespace {

using commands::Decision;
using commands::TenantModel;

constexpr int64_t kYenMax = commands::kYenMax;



std::vector<commands::AllocationRequest> ReadAllocations(JsonObjectReader& body, bool required) {
  std::vector<commands::AllocationRequest> out;
  if (auto items = body.ObjectArray("allocations", required, commands::kAllocationsMax)) {
    for (auto& item : *items) {
      out.push_back({item->String("invoice_id", true, 64).value_or(""),
                     item->Int("amount", true, 1, kYenMax).value_or(0)});
      item->Finish();
    }
  }
  return out;
}

void WriteInvoice(const projections::InvoiceRow& v, JsonWriter& w) {
  w.BeginObject();
  w.Field("invoice_id", v.invoice_id).Field("member_id", v.member_id).Field("batch_id", v.batch_id);
  w.Field("fiscal_year", v.fiscal_year).Field("category", events::InvoiceCategoryName(v.category));
  w.Field("title", v.title).Field("issue_date", FormatDate(v.issue_date));
  w.Field("due_date", FormatDate(v.due_date));
  w.Field("fee", v.fee).Field("member_adjustment", v.member_adjustment);
  w.Field("adjustments", v.adjustments).Field("amount", v.amount);
  w.Field("allocated", v.allocated).Field("outstanding", v.cancelled ? 0 : v.amount - v.allocated);
  w.Field("status", v.status()).Field("confirmed", v.confirmed);
  // R2: the number, how many copies were issued, the last one's date, and whether what the
  // invoice asks or was paid changed since (the receipt is void; the next one takes a new number).
  w.Key("receipt");
  if (v.receipts > 0) {
    w.BeginObject().Field("receipt_number", v.receipt_number);
    w.Field("copies", static_cast<int64_t>(v.receipts));
    w.Field("last_issued_on", FormatDate(v.receipt_last_issued));
    w.Field("void", v.receipt_void).EndObject();
  } else {
    w.Null();
  }
  w.Key("member_snapshot").BeginObject().Field("member_type", v.member_type).Key("name");
  events::WritePersonName(v.name, &w);
  w.Key("address");
  if (v.address) {
    events::WritePostalAddress(*v.address, &w);
  } else {
    w.Null();
  }
  w.EndObject();
  w.EndObject();
}

void WriteAllocations(const Decision& d, JsonWriter& w, int64_t* allocated) {
  w.Key("allocations").BeginArray();
  for (const auto& e : d) {
    if (const auto* a = std::get_if<events::PaymentAllocated>(&e.event)) {
      w.BeginObject().Field("invoice_id", a->invoice_id).Field("fiscal_year", a->fiscal_year);
      w.Field("amount", a->amount).EndObject();
      *allocated += a->amount;
    }
  }
  w.EndArray();
}

}  // namespace

void Api::AddBillingRoutes() {
  const std::string t = "/v1/tenants/{tenant}";
  Route("POST", t + "/members/{id}/adjustments", &Api::PostMemberAdjustment);
  Route("POST", t + "/invoice-batches", &Api::PostInvoiceBatch);
  Route("GET", t + "/invoice-batches", &Api::GetInvoiceBatches);
  Route("POST", t + "/invoice-batches/{id}/confirm", &Api::PostBatchConfirm);
  Route("POST", t + "/invoice-batches/{id}/cancel", &Api::PostBatchCancel);
  Route("GET", t + "/invoices/{id}", &Api::GetInvoice);
  Route("PATCH", t + "/invoices/{id}", &Api::PatchInvoice);
  Route("POST", t + "/invoices/{id}/adjustments", &Api::PostInvoiceAdjustment);
  Route("POST", t + "/invoices/{id}/cancel", &Api::PostInvoiceCancel);
  Route("POST", t + "/invoices/{id}/receipts", &Api::PostReceipt);
  Route("POST", t + "/invoice-cancellations", &Api::PostInvoiceCancellations);
  Route("GET", t + "/members/{id}/invoices", &Api::GetMemberInvoices);
  Route("POST", t + "/payments", &Api::PostPayment);
  Route("GET", t + "/payments", &Api::ListPayments);
  Route("GET", t + "/payments/{id}", &Api::GetPayment);
  Route("POST", t + "/payments/{id}/reversal", &Api::PostPaymentReversal);
  Route("POST", t + "/payments/{id}/reallocation", &Api::PostPaymentReallocation);
  Route("POST", t + "/members/{id}/credit-applications", &Api::PostCreditApplication);
  AddReadRoutes();
}

// A receipt (領収書) for an invoice paid in full, by the secretariat or the invoice's member
// (R1–R3, docs/billing.md): every issue is an event; the first numbers the receipt, later ones
// reissue it.
void Api::PostReceipt(const Request& r, const Params& p, Responder respond) {
  Principal who;
  Tenant* t = BeginTenant(r, p, Access::kAnyone, respond, &who);
  if (!t) return;
  if (!who.is_member() && !who.is_secretariat()) {  // an auditor reads; issuing writes
    return respond(Problem(Status::PermissionDenied("this role may not do that here")));
  }
  auto body = JsonObjectReader::Parse(r.body.empty() ? "{}" : r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  const commands::IssueReceipt cmd{p.at("id"), who.is_member() ? who.subject : ""};
  RunCommand(
      t, r, Decider(cmd),
      [](const Decision& d, const TenantModel& m, ledger::WriteContext&) {
        const auto& e = std::get<events::ReceiptIssued>(d.front().event);
        const commands::InvoiceRecord& inv = *m.FindInvoice(e.invoice_id);
        const commands::MemberRecord* member = m.FindMember(e.member_id);
        return std::pair(
            201, JsonObject([&](JsonWriter& w) {
              w.Field("receipt_number", e.receipt_number);
              w.Field("copy", static_cast<int64_t>(e.copy)).Field("reissue", e.copy > 1);
              w.Field("invoice_id", e.invoice_id).Field("member_id", e.member_id);
              w.Field("issued_on", FormatDate(e.issued_on));
              w.Field("society", m.tenant.settings.name).Key("addressee");
              events::WritePersonName(member ? member->Profile().name : events::PersonName{}, &w);
              w.Key("lines").BeginArray().BeginObject();
              w.Field("fiscal_year", inv.fiscal_year);
              w.Field("category", events::InvoiceCategoryName(inv.category));
              w.Field("title", inv.title).Field("amount", e.amount);
              w.EndObject().EndArray().Field("total", e.amount);
            }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostMemberAdjustment(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  std::vector<FieldError> errors;
  commands::SetMemberAdjustment cmd;
  cmd.member_id = p.at("id");
  if (auto kind = (*body)->String("kind", true, 32)) {
    auto parsed = events::ParseAdjustmentKind(*kind);
    if (!parsed) errors.push_back({"kind", "must be one_time or permanent"});
    cmd.kind = parsed.value_or(events::AdjustmentKind::kOneTime);
  }
  cmd.amount = (*body)->Int("amount", true, -kYenMax, kYenMax).value_or(0);
  cmd.reason = (*body)->String("reason", false, 1000).value_or("");
  if (Status s = FinishBody(**body, std::move(errors)); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision&, const TenantModel& m, ledger::WriteContext&) {
        const commands::MemberRecord& rec = m.members.at(cmd.member_id);
        return std::pair(201, JsonObject([&](JsonWriter& w) {
                           w.Field("member_id", cmd.member_id);
                           w.Field("kind", events::AdjustmentKindName(cmd.kind));
                           w.Field("amount", cmd.amount);
                           w.Field("pending_one_time", rec.pending_one_time);
                           w.Field("permanent", rec.permanent_adjustment);
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostInvoiceBatch(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  std::vector<FieldError> errors;
  commands::CreateInvoiceBatch cmd;
  cmd.fiscal_year = static_cast<int>((*body)->Int("fiscal_year", true, 1900, 9999).value_or(0));
  if (auto category = (*body)->String("category", true, 32)) {
    auto parsed = events::ParseInvoiceCategory(*category);
    if (!parsed) errors.push_back({"category", "must be annual, admission or other"});
    cmd.category = parsed.value_or(events::InvoiceCategory::kAnnual);
  }
  cmd.title = (*body)->String("title", true, 200).value_or("");
  cmd.issue_date = (*body)->DateField("issue_date", true).value_or(0);
  cmd.due_date = (*body)->DateField("due_date", true).value_or(0);
  cmd.billing_start = (*body)->DateField("billing_start_date", false);
  cmd.exclude_member_types =
      (*body)->StringArray("exclude_member_types", false, 100, 32).value_or(std::vector<std::string>{});
  cmd.member_ids = (*body)->StringArray("member_ids", false, 1'000'000, 64);
  cmd.amount = (*body)->Int("amount", false, 0, kYenMax);
  cmd.invoices_max = (t->log().command_events_max() - 1) / 2;  // two events each, and the batch's
  if (Status s = FinishBody(**body, std::move(errors)); !s.ok()) return respond(Problem(s));
  auto excluded = std::make_shared<std::vector<commands::Exclusion>>();
  RunCommand(
      t, r,
      [cmd, excluded](const TenantModel& m, Date today) {
        excluded->clear();
        return commands::DecideBatch(m, cmd, today, excluded.get());
      },
      [excluded](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        const auto& b = std::get<events::InvoiceBatchCreated>(d.front().event);
        return std::pair(201, JsonObject([&](JsonWriter& w) {
                           w.Field("batch_id", b.batch_id).Field("fiscal_year", b.fiscal_year);
                           w.Field("category", events::InvoiceCategoryName(b.category));
                           w.Field("billing_start", FormatDate(b.billing_start));
                           w.Field("invoice_count", static_cast<uint64_t>(b.invoice_count));
                           w.Field("total_amount", b.total).Field("confirmed", false);
                           w.Key("excluded").BeginArray();
                           for (const auto& e : *excluded) {
                             w.BeginObject().Field("member_id", e.member_id);
                             w.Field("reason", e.reason).EndObject();
                           }
                           w.EndArray();
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostBatchConfirm(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  const commands::ConfirmBatch cmd{p.at("id")};
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("batch_id", cmd.batch_id).Field("confirmed", true);
                           w.Field("invoices_issued", static_cast<uint64_t>(d.empty() ? 0 : d.size() - 1));
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostBatchCancel(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body.empty() ? "{}" : r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const commands::CancelBatch cmd{p.at("id"), (*body)->String("reason", false, 1000).value_or("")};
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("batch_id", cmd.batch_id).Field("cancelled", true);
                           w.Field("invoices_cancelled", static_cast<uint64_t>(d.empty() ? 0 : d.size() - 1));
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::GetInvoiceBatches(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  Status error;
  const size_t limit = QueryPageLimit(r, &error);
  if (!error.ok()) return respond(Problem(error));
  const std::string after(r.Query("cursor").value_or(""));
  Query(t, r, std::move(respond), [t, limit, after]() -> Response {
    auto batches = projections::ReadBatches(t->store(), after, limit + 1);
    if (!batches.ok()) return Problem(batches.status());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (size_t i = 0; i < std::min(limit, batches->size()); ++i) {
      const auto& b = (*batches)[i];
      w.BeginObject().Field("batch_id", b.batch_id).Field("fiscal_year", b.fiscal_year);
      w.Field("category", events::InvoiceCategoryName(b.category)).Field("title", b.title);
      w.Field("issue_date", FormatDate(b.issue_date)).Field("due_date", FormatDate(b.due_date));
      w.Field("billing_start", FormatDate(b.billing_start));
      w.Field("invoice_count", b.invoice_count).Field("cancelled_count", b.cancelled_count);
      w.Field("total_amount", b.total).Field("allocated", b.allocated);
      w.Field("outstanding", b.total - b.allocated);
      w.Field("status", b.cancelled ? "cancelled" : (b.confirmed ? "confirmed" : "draft"));
      w.EndObject();
    }
    w.EndArray();
    if (batches->size() > limit) {
      w.Field("next_cursor", (*batches)[limit - 1].batch_id);
    } else {
      w.Key("next_cursor").Null();
    }
    w.EndObject();
    return JsonResponse(200, w.Take());
  });
}

void Api::GetInvoice(const Request& r, const Params& p, Responder respond) {
  Principal who;
  Tenant* t = BeginTenant(r, p, Access::kAnyone, respond, &who);
  if (!t) return;
  Query(t, r, std::move(respond), [t, id = p.at("id"), who]() -> Response {
    projections::InvoiceRow row;
    Result<bool> found = projections::ReadInvoice(t->store(), id, &row);
    if (!found.ok()) return Problem(found.status());
    // A member sees only their own confirmed invoices (B6); others' are as if absent.
    if (found.ok() && *found && who.is_member() &&
        (row.member_id != who.subject || !row.confirmed)) {
      return Problem(Status::NotFound("no invoice " + id));
    }
    if (!*found) return Problem(Status::NotFound("no invoice " + id));
    JsonWriter w;
    WriteInvoice(row, w);
    return JsonResponse(200, w.Take());
  });
}

void Api::GetMemberInvoices(const Request& r, const Params& p, Responder respond) {
  Principal who;
  Tenant* t = BeginTenant(r, p, Access::kSelf, respond, &who);
  if (!t) return;
  const bool member = who.is_member();
  const auto settled = r.Query("include_settled");
  if (settled && *settled != "true" && *settled != "false") {
    return respond(Problem(Status::InvalidArgument("validation_failed", "invalid query",
                                                   {{"include_settled", "true or false"}})));
  }
  const bool include_settled = settled && *settled == "true";
  Query(t, r, std::move(respond), [t, id = p.at("id"), include_settled, member]() -> Response {
    auto invoices = projections::ReadMemberInvoices(t->store(), id);
    if (!invoices.ok()) return Problem(invoices.status());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& v : *invoices) {
      if (member && !v.confirmed) continue;  // B6: drafts are invisible to the member
      const std::string_view status = v.status();
      const bool open = status == "unpaid" || status == "partially_paid";
      if (open || include_settled) WriteInvoice(v, w);
    }
    w.EndArray().Key("next_cursor").Null().EndObject();
    return JsonResponse(200, w.Take());
  });
}

void Api::PatchInvoice(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const commands::ChangeInvoiceTitle cmd{p.at("id"), (*body)->String("title", true, 200).value_or("")};
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision&, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("invoice_id", cmd.invoice_id).Field("title", cmd.title);
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostInvoiceAdjustment(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const commands::AdjustInvoice cmd{p.at("id"),
                                    (*body)->Int("amount", true, -kYenMax, kYenMax).value_or(0),
                                    (*body)->String("reason", false, 1000).value_or("")};
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision&, const TenantModel& m, ledger::WriteContext&) {
        const commands::InvoiceRecord& inv = m.invoices.at(cmd.invoice_id);
        return std::pair(201, JsonObject([&](JsonWriter& w) {
                           w.Field("invoice_id", cmd.invoice_id).Field("amount", inv.amount);
                           w.Field("outstanding", inv.outstanding());
                           w.Field("status", commands::InvoiceStatus(inv));
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostInvoiceCancel(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body.empty() ? "{}" : r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const commands::CancelInvoices cmd{{p.at("id")}, (*body)->String("reason", false, 1000).value_or("")};
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision&, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("invoice_id", cmd.invoice_ids[0]).Field("status", "cancelled");
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostInvoiceCancellations(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::CancelInvoices cmd;
  cmd.invoice_ids = (*body)->StringArray("invoice_ids", true, commands::kInvoiceListMax, 64)
                        .value_or(std::vector<std::string>{});
  cmd.reason = (*body)->String("reason", false, 1000).value_or("");
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("cancelled", static_cast<uint64_t>(d.size()));
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostPayment(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  if (!r.Header("idempotency-key")) {  // P8
    return respond(Problem(Status::InvalidArgument(
        "idempotency_key_required", "payments need an Idempotency-Key header",
        {{"Idempotency-Key", "is required for payments"}})));
  }
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  std::vector<FieldError> errors;
  commands::RecordPayment cmd;
  cmd.member_id = (*body)->String("member_id", true, 64).value_or("");
  cmd.amount = (*body)->Int("amount", true, 1, kYenMax).value_or(0);
  if (auto method = (*body)->String("method", true, 64)) {
    auto parsed = events::ParsePaymentMethod(*method);
    if (!parsed) errors.push_back({"method", "not a payment method"});
    cmd.method = parsed.value_or(events::PaymentMethod::kOther);
  }
  cmd.received_on = (*body)->DateField("received_on", true).value_or(0);
  cmd.payer_name = (*body)->String("payer_name", false, 1000).value_or("");
  cmd.settlement_number = (*body)->String("settlement_number", false, 200).value_or("");
  cmd.memo = (*body)->String("memo", false, 1000).value_or("");
  const bool explicit_allocations = (*body)->Has("allocations");
  cmd.allocations = ReadAllocations(**body, false);
  if (auto mode = (*body)->String("allocation", false, 32)) {
    if (explicit_allocations) errors.push_back({"allocation", "give allocations or allocation, not both"});
    if (*mode == "oldest_first") {
      cmd.mode = commands::AllocationMode::kOldestFirst;
    } else if (*mode == "none") {
      cmd.mode = commands::AllocationMode::kNone;
    } else {
      errors.push_back({"allocation", "must be oldest_first or none"});
    }
  }
  if (explicit_allocations) cmd.mode = commands::AllocationMode::kExplicit;
  if (Status s = FinishBody(**body, std::move(errors)); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        const auto& recorded = std::get<events::PaymentRecorded>(d.front().event);
        return std::pair(201, JsonObject([&](JsonWriter& w) {
                           w.Field("payment_id", recorded.payment_id);
                           w.Field("member_id", recorded.member_id).Field("amount", recorded.amount);
                           int64_t allocated = 0;
                           WriteAllocations(d, w, &allocated);
                           w.Field("unallocated", recorded.amount - allocated);
                         }));
      },
      std::nullopt, std::move(respond));
}

namespace {

// A payment as GET {T}/payments/{id} gives it; the list leaves out its allocation history.
void WritePayment(const projections::PaymentRow& row, bool history, JsonWriter& w) {
  w.BeginObject().Field("payment_id", row.payment_id).Field("member_id", row.member_id);
  w.Field("amount", row.amount).Field("method", events::PaymentMethodName(row.method));
  w.Field("received_on", FormatDate(row.received_on));
  w.Field("payer_name", row.payer_name).Field("settlement_number", row.settlement_number);
  w.Field("memo", row.memo).Field("reversed", row.reversed);
  if (row.reversed) w.Field("reversal_reason", row.reversal_reason);
  int64_t allocated = 0;
  w.Key("allocations").BeginArray();
  for (const auto& [invoice, amount] : row.Current()) {
    w.BeginObject().Field("invoice_id", invoice).Field("amount", amount).EndObject();
    allocated += amount;
  }
  w.EndArray();
  w.Field("unallocated", row.reversed ? 0 : row.amount - allocated);
  if (history) {
    w.Key("allocation_history").BeginArray();
    for (const auto& h : row.history) {
      w.BeginObject().Field("kind", h.kind).Field("invoice_id", h.invoice_id);
      w.Field("fiscal_year", h.fiscal_year).Field("amount", h.amount);
      w.Field("position", h.position).Field("effective_date", FormatDate(h.date)).EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

void Api::GetPayment(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  Query(t, r, std::move(respond), [t, id = p.at("id")]() -> Response {
    projections::PaymentRow row;
    Result<bool> found = projections::ReadPayment(t->store(), id, &row);
    if (!found.ok()) return Problem(found.status());
    if (!*found) return Problem(Status::NotFound("no payment " + id));
    JsonWriter w;
    WritePayment(row, /*history=*/true, w);
    return JsonResponse(200, w.Take());
  });
}

// The payments received in a span of days (入金一覧), for the secretariat's reconciliation with
// the bank statement: by day, then in the order recorded; reversed ones included and marked.
void Api::ListPayments(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kRead, respond);
  if (!t) return;
  Status error;
  projections::PaymentQuery q;
  q.limit = QueryPageLimit(r, &error);
  if (!error.ok()) return respond(Problem(error));
  auto bad = [&](const char* field, const char* message) {
    respond(
        Problem(Status::InvalidArgument("validation_failed", "invalid query", {{field, message}})));
  };
  for (const auto& [name, out] : {std::pair{"received_from", &q.from}, {"received_to", &q.to}}) {
    if (auto v = r.Query(name)) {
      *out = ParseDate(*v);
      if (!*out) return bad(name, "must be a date YYYY-MM-DD");
    }
  }
  if (auto v = r.Query("method")) {
    q.method = events::ParsePaymentMethod(*v);
    if (!q.method) return bad("method", "is not a payment method");
  }
  if (auto v = r.Query("cursor")) {
    // The cursor is "YYYY-MM-DD/<payment id>", as the previous page gave it.
    const size_t slash = v->find('/');
    if (slash == std::string_view::npos || !ParseDate(v->substr(0, slash)) ||
        slash + 1 == v->size()) {
      return bad("cursor", "is not a cursor this list gave");
    }
    q.after = std::string(*v);
  }
  Query(t, r, std::move(respond), [t, q]() -> Response {
    auto page = projections::ReadPaymentsReceived(t->store(), q);
    if (!page.ok()) return Problem(page.status());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const projections::PaymentRow& row : page->items) WritePayment(row, false, w);
    w.EndArray().Key("next_cursor");
    if (page->next_after.empty()) {
      w.Null();
    } else {
      w.String(page->next_after);
    }
    w.EndObject();
    return JsonResponse(200, w.Take());
  });
}

void Api::PostPaymentReversal(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body.empty() ? "{}" : r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const commands::ReversePayment cmd{p.at("id"), (*body)->String("reason", false, 1000).value_or("")};
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision& d, const TenantModel&, ledger::WriteContext&) {
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("payment_id", cmd.payment_id).Field("reversed", true);
                           w.Field("allocations_released", static_cast<uint64_t>(d.size() - 1));
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostPaymentReallocation(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  commands::ReallocatePayment cmd;
  cmd.payment_id = p.at("id");
  cmd.allocations = ReadAllocations(**body, true);
  cmd.reason = (*body)->String("reason", false, 1000).value_or("");
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision& d, const TenantModel& m, ledger::WriteContext&) {
        const commands::PaymentRecord& pay = m.payments.at(cmd.payment_id);
        return std::pair(200, JsonObject([&](JsonWriter& w) {
                           w.Field("payment_id", cmd.payment_id);
                           int64_t allocated = 0;
                           w.Key("allocations").BeginArray();
                           for (const auto& a : pay.allocations) {
                             w.BeginObject().Field("invoice_id", a.invoice_id.str());
                             w.Field("amount", a.amount).EndObject();
                             allocated += a.amount;
                           }
                           w.EndArray();
                           w.Field("unallocated", pay.amount - allocated);
                           w.Field("changed", !d.empty());
                         }));
      },
      std::nullopt, std::move(respond));
}

void Api::PostCreditApplication(const Request& r, const Params& p, Responder respond) {
  Tenant* t = BeginTenant(r, p, Access::kWrite, respond);
  if (!t) return;
  auto body = JsonObjectReader::Parse(r.body);
  if (!body.ok()) return respond(Problem(body.status()));
  const commands::ApplyCredit cmd{p.at("id"), (*body)->String("invoice_id", true, 64).value_or(""),
                                  (*body)->Int("amount", true, 1, kYenMax).value_or(0)};
  if (Status s = (*body)->Finish(); !s.ok()) return respond(Problem(s));
  RunCommand(
      t, r, Decider(cmd),
      [cmd](const Decision&, const TenantModel& m, ledger::WriteContext&) {
        return std::pair(201, JsonObject([&](JsonWriter& w) {
                           w.Field("member_id", cmd.member_id).Field("invoice_id", cmd.invoice_id);
                           w.Field("amount", cmd.amount);
                           w.Field("credit", m.members.at(cmd.member_id).credit);
                         }));
      },
      std::nullopt, std::move(respond));
}

}  // namespace kaiin::http
