// billing rows:
//   "i/" invoice_id                    -> InvoiceRow
//   "mi/" member_id "/" invoice_id     -> ""   (a member's invoices; ids sort in creation order)
//   "b/" batch_id                      -> BatchRow
//   "p/" payment_id                    -> PaymentRow
//   "pd/" YYYY-MM-DD "/" payment_id    -> ""   (payments by the day they were received)
#include "projections/billing.h"

#include <algorithm>
#include <map>

#include "events/postings.h"
#include "projections/row_codec.h"

namespace kaiin::projections {
namespace {

// An invoice row's flags (its tail's last field).
constexpr uint64_t kConfirmed = 1;
constexpr uint64_t kReceiptVoid = 2;

std::string InvoiceKey(std::string_view id) { return "i/" + std::string(id); }
std::string BatchKey(std::string_view id) { return "b/" + std::string(id); }
std::string PaymentKey(std::string_view id) { return "p/" + std::string(id); }
constexpr std::string_view kPaymentDayPrefix = "pd/";
std::string PaymentDayKey(Date received_on, std::string_view id) {
  return std::string(kPaymentDayPrefix) + FormatDate(received_on) + "/" + std::string(id);
}

std::string Encode(const InvoiceRow& v) {
  RowWriter w;
  w.Str(v.invoice_id).Str(v.member_id).Str(v.batch_id).Str(v.title).Str(v.member_type);
  w.I64(v.fiscal_year).U64(static_cast<uint64_t>(v.category)).I64(v.issue_date).I64(v.due_date);
  w.I64(v.fee).I64(v.member_adjustment).I64(v.amount).I64(v.adjustments);
  w.Bool(v.cancelled).Str(v.receipt_number).I64(v.receipt_last_issued);
  PutPersonName(w, v.name);
  PutOptionalAddress(w, v.address);
  // The tail, fixed width so that an issue, an allocation or a release patches it in place
  // (InvoiceTail).
  w.Fixed64(static_cast<uint64_t>(v.allocated)).Fixed64(v.receipts);
  w.Fixed64((v.confirmed ? kConfirmed : 0) | (v.receipt_void ? kReceiptVoid : 0));
  return w.Take();
}

bool Decode(std::string_view bytes, InvoiceRow* v) {
  RowReader r(bytes);
  uint64_t category = 0, allocated = 0, receipts = 0, flags = 0;
  if (!(r.Str(&v->invoice_id) && r.Str(&v->member_id) && r.Str(&v->batch_id) && r.Str(&v->title) &&
        r.Str(&v->member_type) && r.I32(&v->fiscal_year) && r.U64(&category) && category <= 2 &&
        r.I32(&v->issue_date) && r.I32(&v->due_date) && r.I64(&v->fee) &&
        r.I64(&v->member_adjustment) && r.I64(&v->amount) && r.I64(&v->adjustments) &&
        r.Bool(&v->cancelled) && r.Str(&v->receipt_number) && r.I32(&v->receipt_last_issued) &&
        GetPersonName(r, &v->name) && GetOptionalAddress(r, &v->address) &&
        r.Fixed64(&allocated) && r.Fixed64(&receipts) && receipts <= UINT32_MAX &&
        r.Fixed64(&flags) && flags <= (kConfirmed | kReceiptVoid))) {
    return false;
  }
  v->category = static_cast<events::InvoiceCategory>(category);
  v->allocated = static_cast<int64_t>(allocated);
  v->receipts = static_cast<uint32_t>(receipts);
  v->confirmed = (flags & kConfirmed) != 0;
  v->receipt_void = (flags & kReceiptVoid) != 0;
  return r.done();
}

// An invoice row's fixed tail, patched in place: what allocations, releases and the issue change
// (the rest of the row is neither decoded nor encoded again), and the batch id from the head.
class InvoiceTail {
 public:
  // False when the row is too short to hold the tail and its first three fields.
  bool Open(std::string* bytes) {
    if (bytes->size() < kBytes) return false;
    tail_ = bytes->data() + bytes->size() - kBytes;
    RowReader r(std::string_view(*bytes).substr(0, bytes->size() - kBytes));
    return r.SkipStr() && r.SkipStr() && r.StrView(&batch_id_);
  }
  std::string_view batch_id() const { return batch_id_; }
  void AddAllocated(int64_t yen) {
    events::PatchFixed64(tail_, events::LoadFixed64(tail_) + static_cast<uint64_t>(yen));
  }
  // R2: what was paid changed after a receipt: the receipt is void.
  void VoidReceiptIfAny() {
    if (events::LoadFixed64(tail_ + 8) > 0) SetFlag(kReceiptVoid);
  }
  void SetFlag(uint64_t flag) {
    events::PatchFixed64(tail_ + 16, events::LoadFixed64(tail_ + 16) | flag);
  }
  static constexpr size_t kBytes = 24;

 private:
  char* tail_ = nullptr;
  std::string_view batch_id_;
};

std::string Encode(const BatchRow& v) {
  RowWriter w;
  w.Str(v.batch_id).Str(v.title).I64(v.fiscal_year).U64(static_cast<uint64_t>(v.category));
  w.I64(v.issue_date).I64(v.due_date).I64(v.billing_start).U64(v.invoice_count);
  w.U64(v.cancelled_count).I64(v.total).I64(v.allocated).Bool(v.confirmed).Bool(v.cancelled);
  return w.Take();
}

bool Decode(std::string_view bytes, BatchRow* v) {
  RowReader r(bytes);
  uint64_t category = 0;
  if (!(r.Str(&v->batch_id) && r.Str(&v->title) && r.I32(&v->fiscal_year) && r.U64(&category) &&
        category <= 2 && r.I32(&v->issue_date) && r.I32(&v->due_date) &&
        r.I32(&v->billing_start) && r.U64(&v->invoice_count) && r.U64(&v->cancelled_count) &&
        r.I64(&v->total) && r.I64(&v->allocated) && r.Bool(&v->confirmed) &&
        r.Bool(&v->cancelled))) {
    return false;
  }
  v->category = static_cast<events::InvoiceCategory>(category);
  return r.done();
}

// One entry of a payment's history, as its row ends with them.
void AppendEntry(RowWriter& w, std::string_view kind, std::string_view invoice_id, int fiscal_year,
                 int64_t amount, uint64_t position, Date date) {
  w.Str(kind).Str(invoice_id).I64(fiscal_year).I64(amount).U64(position).I64(date);
}

std::string Encode(const PaymentRow& v) {
  RowWriter w;
  w.Str(v.payment_id).Str(v.member_id).Str(v.settlement_number).Str(v.payer_name).Str(v.memo);
  w.Str(v.reversal_reason).I64(v.amount).U64(static_cast<uint64_t>(v.method)).I64(v.received_on);
  w.Bool(v.reversed);
  // The history last, uncounted, so that an allocation or a release appends its entry to the
  // row's bytes (AppendEntry) without decoding them.
  for (const auto& h : v.history) {
    AppendEntry(w, h.kind, h.invoice_id, h.fiscal_year, h.amount, h.position, h.date);
  }
  return w.Take();
}

bool Decode(std::string_view bytes, PaymentRow* v) {
  RowReader r(bytes);
  uint64_t method = 0;
  if (!(r.Str(&v->payment_id) && r.Str(&v->member_id) && r.Str(&v->settlement_number) &&
        r.Str(&v->payer_name) && r.Str(&v->memo) && r.Str(&v->reversal_reason) &&
        r.I64(&v->amount) && r.U64(&method) && method <= 8 && r.I32(&v->received_on) &&
        r.Bool(&v->reversed))) {
    return false;
  }
  v->method = static_cast<events::PaymentMethod>(method);
  v->history.clear();
  while (r.remaining() > 0) {
    AllocationEntry h;
    if (!(r.Str(&h.kind) && r.Str(&h.invoice_id) && r.I32(&h.fiscal_year) && r.I64(&h.amount) &&
          r.U64(&h.position) && r.I32(&h.date))) {
      return false;
    }
    v->history.push_back(std::move(h));
  }
  return r.done();
}

Status Unreadable(std::string_view key) {
  return Status::Corruption("billing row " + std::string(key) + " is unreadable");
}

// The bytes of a row an event names, which must exist: the rows of `what` (an invoice, a
// payment) are written by the events that create them.
Status GetExisting(Rows& rows, const std::string& key, std::string_view what,
                   std::string_view id, std::string* bytes) {
  Result<bool> found = rows.Get(key, bytes);
  if (!found.ok()) return found.status();
  if (!*found) {
    return Status::Corruption("billing: event for unknown " + std::string(what) + " " +
                              std::string(id));
  }
  return Status::Ok();
}

// Read-modify-write of one row.
template <typename Row>
class Edit {
 public:
  Edit(Rows& rows, std::string key) : rows_(rows), key_(std::move(key)) {}
  // Loads the row; false with an OK status when it does not exist.
  Result<bool> Load() {
    std::string bytes;
    Result<bool> found = rows_.Get(key_, &bytes);
    if (!found.ok() || !*found) return found;
    if (Status s = DecodeRow(bytes); !s.ok()) return s;
    return true;
  }
  // Loads a row an event names, which must exist (GetExisting: `what` and `id` name it).
  Status LoadExisting(std::string_view what, std::string_view id) {
    std::string bytes;
    if (Status s = GetExisting(rows_, key_, what, id, &bytes); !s.ok()) return s;
    return DecodeRow(bytes);
  }
  void Save() { rows_.Put(key_, Encode(row)); }
  Row row;

 private:
  Status DecodeRow(std::string_view bytes) {
    if (!Decode(bytes, &row)) return Unreadable(key_);
    return Status::Ok();
  }

  Rows& rows_;
  std::string key_;
};

// Applies `fn` to the batch's row, if it exists.
Status EditBatch(Rows& rows, std::string_view batch_id, const std::function<void(BatchRow&)>& fn) {
  Edit<BatchRow> batch(rows, BatchKey(batch_id));
  Result<bool> found = batch.Load();
  if (!found.ok()) return found.status();
  if (*found) {
    fn(batch.row);
    batch.Save();
  }
  return Status::Ok();
}

// Applies `fn` to the invoice and then `batch_fn` to its batch (given the invoice's amount before
// `fn`), if they exist.
Status OnInvoice(Rows& rows, const std::string& invoice_id,
                 const std::function<void(InvoiceRow&)>& fn,
                 const std::function<void(BatchRow&, int64_t amount_before)>& batch_fn = nullptr) {
  Edit<InvoiceRow> inv(rows, InvoiceKey(invoice_id));
  if (Status s = inv.LoadExisting("invoice", invoice_id); !s.ok()) return s;
  const int64_t amount_before = inv.row.amount;
  fn(inv.row);
  inv.Save();
  if (!batch_fn) return Status::Ok();
  return EditBatch(rows, inv.row.batch_id,
                   [&](BatchRow& b) { batch_fn(b, amount_before); });
}

Status OnPayment(Rows& rows, const std::string& payment_id, const std::function<void(PaymentRow&)>& fn) {
  if (payment_id.empty()) return Status::Ok();  // a credit application has no payment
  Edit<PaymentRow> p(rows, PaymentKey(payment_id));
  if (Status s = p.LoadExisting("payment", payment_id); !s.ok()) return s;
  fn(p.row);
  p.Save();
  return Status::Ok();
}

// OnInvoice for a change of the tail alone (InvoiceTail), patched in place; then `batch_fn` to
// the invoice's batch, if it exists.
Status PatchInvoice(Rows& rows, const std::string& invoice_id,
                    const std::function<void(InvoiceTail&)>& fn,
                    const std::function<void(BatchRow&)>& batch_fn = nullptr) {
  const std::string key = InvoiceKey(invoice_id);
  std::string bytes;
  if (Status s = GetExisting(rows, key, "invoice", invoice_id, &bytes); !s.ok()) return s;
  InvoiceTail tail;
  if (!tail.Open(&bytes)) return Unreadable(key);
  fn(tail);
  rows.Put(key, bytes);
  if (!batch_fn) return Status::Ok();
  return EditBatch(rows, tail.batch_id(), batch_fn);
}

// OnPayment for an allocation or a release: its entry appended to the row's history, in place.
Status AppendToPayment(Rows& rows, const std::string& payment_id, std::string_view kind,
                       std::string_view invoice_id, int fiscal_year, int64_t amount,
                       uint64_t position, Date date) {
  if (payment_id.empty()) return Status::Ok();  // a credit application has no payment
  const std::string key = PaymentKey(payment_id);
  std::string bytes;
  if (Status s = GetExisting(rows, key, "payment", payment_id, &bytes); !s.ok()) return s;
  RowWriter w;
  AppendEntry(w, kind, invoice_id, fiscal_year, amount, position, date);
  bytes.append(w.view());
  rows.Put(key, bytes);
  return Status::Ok();
}

// An allocation (PaymentAllocated) or its release (AllocationReleased), `change` being what it
// adds to the invoice's allocated amount: the entry of `kind` on the payment's history, then the
// invoice's and its batch's allocated amounts, an issued receipt made void (R2).
template <typename E>
Status ChangeAllocation(Rows& rows, const E& e, std::string_view kind, int64_t change,
                        uint64_t position, Date date) {
  if (Status s = AppendToPayment(rows, e.payment_id, kind, e.invoice_id, e.fiscal_year, e.amount,
                                 position, date);
      !s.ok()) {
    return s;
  }
  return PatchInvoice(
      rows, e.invoice_id,
      [&](InvoiceTail& t) {
        t.AddAllocated(change);
        t.VoidReceiptIfAny();
      },
      [&](BatchRow& b) { b.allocated += change; });
}

}  // namespace

std::string_view InvoiceRow::status() const {
  return events::DeriveInvoiceStatus(amount, allocated, cancelled);
}

std::vector<std::pair<std::string, int64_t>> PaymentRow::Current() const {
  std::map<std::string, int64_t> sum;
  for (const auto& h : history) sum[h.invoice_id] += h.kind == "allocated" ? h.amount : -h.amount;
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& [id, amount] : sum) {
    if (amount != 0) out.emplace_back(id, amount);
  }
  return out;
}

Status BillingProjection::Apply(const events::Envelope& env, Rows& rows) {
  const uint64_t position = env.meta.position;
  const Date date = env.meta.effective_date;
  return std::visit(
      [&](const auto& e) -> Status {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, events::InvoiceBatchCreated>) {
          BatchRow b;
          b.batch_id = e.batch_id;
          b.title = e.title;
          b.fiscal_year = e.fiscal_year;
          b.category = e.category;
          b.issue_date = e.issue_date;
          b.due_date = e.due_date;
          b.billing_start = e.billing_start;
          b.invoice_count = e.invoice_count;
          b.total = e.total;
          rows.Put(BatchKey(e.batch_id), Encode(b));
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, events::InvoiceDrafted>) {
          InvoiceRow v;
          v.invoice_id = e.invoice_id;
          v.member_id = e.member_id;
          v.batch_id = e.batch_id;
          v.title = e.title;
          v.member_type = e.member_type;
          v.fiscal_year = e.fiscal_year;
          v.category = e.category;
          v.issue_date = e.issue_date;
          v.due_date = e.due_date;
          v.fee = e.fee;
          v.member_adjustment = e.member_adjustment;
          v.amount = e.amount;
          rows.Put(InvoiceKey(e.invoice_id), Encode(v));
          rows.Insert("mi/" + e.member_id + "/" + e.invoice_id, "");  // written once, never read
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, events::InvoiceSnapshotTaken>) {
          return OnInvoice(rows, e.invoice_id, [&](InvoiceRow& v) {
            v.member_type = e.member_type;
            v.name = e.name;
            v.address = e.address;
          });
        } else if constexpr (std::is_same_v<T, events::InvoiceBatchConfirmed>) {
          Edit<BatchRow> b(rows, BatchKey(e.batch_id));
          Result<bool> found = b.Load();
          if (!found.ok()) return found.status();
          b.row.confirmed = true;
          if (*found) b.Save();
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, events::InvoiceIssued>) {
          return PatchInvoice(rows, e.invoice_id, [](InvoiceTail& t) { t.SetFlag(kConfirmed); });
        } else if constexpr (std::is_same_v<T, events::InvoiceTitleChanged>) {
          return OnInvoice(rows, e.invoice_id, [&](InvoiceRow& v) { v.title = e.title; });
        } else if constexpr (std::is_same_v<T, events::ReceiptIssued>) {
          return OnInvoice(rows, e.invoice_id, [&](InvoiceRow& v) {
            v.receipt_number = e.receipt_number;
            v.receipts = e.copy;
            v.receipt_last_issued = e.issued_on;
            v.receipt_void = false;
          });
        } else if constexpr (std::is_same_v<T, events::InvoiceAdjusted>) {
          return OnInvoice(
              rows, e.invoice_id,
              [&](InvoiceRow& v) {
                v.amount += e.amount;
                v.adjustments += e.amount;
                v.receipt_void = v.receipts > 0;  // R2
              },
              [&](BatchRow& b, int64_t) { b.total += e.amount; });
        } else if constexpr (std::is_same_v<T, events::InvoiceCancelled>) {
          return OnInvoice(
              rows, e.invoice_id, [&](InvoiceRow& v) { v.cancelled = true; },
              [&](BatchRow& b, int64_t amount_before) {
                b.total -= amount_before;
                ++b.cancelled_count;
              });
        } else if constexpr (std::is_same_v<T, events::InvoiceBatchCancelled>) {
          Edit<BatchRow> b(rows, BatchKey(e.batch_id));
          Result<bool> found = b.Load();
          if (!found.ok()) return found.status();
          b.row.cancelled = true;
          if (*found) b.Save();
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, events::PaymentRecorded>) {
          PaymentRow p;
          p.payment_id = e.payment_id;
          p.member_id = e.member_id;
          p.amount = e.amount;
          p.method = e.method;
          p.received_on = e.received_on;
          p.settlement_number = e.settlement_number;
          rows.Put(PaymentKey(e.payment_id), Encode(p));
          rows.Insert(PaymentDayKey(e.received_on, e.payment_id), "");  // written once, never read
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, events::PaymentNoteRecorded>) {
          return OnPayment(rows, e.payment_id, [&](PaymentRow& p) {
            p.payer_name = e.payer_name;
            p.memo = e.memo;
          });
        } else if constexpr (std::is_same_v<T, events::PaymentAllocated>) {
          return ChangeAllocation(rows, e, "allocated", e.amount, position, date);
        } else if constexpr (std::is_same_v<T, events::AllocationReleased>) {
          return ChangeAllocation(rows, e, "released", -e.amount, position, date);
        } else if constexpr (std::is_same_v<T, events::PaymentReversed>) {
          return OnPayment(rows, e.payment_id, [&](PaymentRow& p) {
            p.reversed = true;
            p.reversal_reason = e.reason;
          });
        } else {
          return Status::Ok();
        }
      },
      env.event);
}

Result<bool> ReadInvoice(const ProjectionStore& store, std::string_view id, InvoiceRow* row,
                         const ProjectionStore::View* at) {
  std::string bytes;
  Result<bool> found = store.Get(BillingProjection::kName, InvoiceKey(id), &bytes, at);
  if (!found.ok() || !*found) return found;
  if (!Decode(bytes, row)) return Status::Corruption("invoice row is unreadable");
  return true;
}

Result<bool> ReadPayment(const ProjectionStore& store, std::string_view id, PaymentRow* row) {
  std::string bytes;
  Result<bool> found = store.Get(BillingProjection::kName, PaymentKey(id), &bytes);
  if (!found.ok() || !*found) return found;
  if (!Decode(bytes, row)) return Status::Corruption("payment row is unreadable");
  return true;
}

Result<std::vector<InvoiceRow>> ReadMemberInvoices(const ProjectionStore& store,
                                                   std::string_view member_id,
                                                   const ProjectionStore::View* at) {
  std::vector<std::string> ids;
  const std::string prefix = "mi/" + std::string(member_id) + "/";
  Status s = store.Scan(
      BillingProjection::kName, prefix, "",
      [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(prefix.size()));
        return true;
      },
      at);
  if (!s.ok()) return s;
  std::vector<InvoiceRow> out;
  for (const std::string& id : ids) {
    InvoiceRow row;
    Result<bool> found = ReadInvoice(store, id, &row, at);
    if (!found.ok()) return found.status();
    if (*found) out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<BatchRow>> ReadBatches(const ProjectionStore& store, std::string_view after,
                                          size_t limit) {
  std::vector<BatchRow> out;
  Status error;
  std::string start = BatchKey(after);
  if (!after.empty()) start.push_back('\0');
  Status s = store.Scan(BillingProjection::kName, "b/", start,
                        [&](std::string_view, std::string_view value) {
                          BatchRow b;
                          if (!Decode(value, &b)) {
                            error = Status::Corruption("batch row is unreadable");
                            return false;
                          }
                          out.push_back(std::move(b));
                          return out.size() < limit;
                        });
  if (!s.ok()) return s;
  if (!error.ok()) return error;
  return out;
}

Result<PaymentPage> ReadPaymentsReceived(const ProjectionStore& store, const PaymentQuery& q) {
  PaymentPage page;
  std::string start(kPaymentDayPrefix);
  if (q.from) start += FormatDate(*q.from);
  if (!q.after.empty()) {  // after the cursor's row, and never before the span
    std::string after = std::string(kPaymentDayPrefix) + q.after;
    after.push_back('\0');
    start = std::max(start, after);
  }
  const std::string last_day = q.to ? FormatDate(*q.to) : "";
  std::string last_key;  // the index row looked at last, where a page cut short continues
  size_t scanned = 0;
  bool more = false;
  Status error;
  Status s =
      store.Scan(BillingProjection::kName, kPaymentDayPrefix, start,
                 [&](std::string_view key, std::string_view) {
                   const std::string_view rest = key.substr(kPaymentDayPrefix.size());
                   if (q.to && rest.substr(0, last_day.size()) > last_day) return false;
                   if (page.items.size() == q.limit || scanned == PaymentQuery::kScanRowsMax) {
                     more = true;  // a row beyond the page
                     return false;
                   }
                   ++scanned;
                   last_key = rest;
                   const std::string_view id = rest.substr(rest.find('/') + 1);
                   PaymentRow row;
                   Result<bool> found = ReadPayment(store, id, &row);
                   if (found.ok() && !*found) {
                     found = Status::Corruption("billing: no payment " + std::string(id));
                   }
                   if (!found.ok()) {
                     error = found.status();
                     return false;
                   }
                   if (!q.method || row.method == *q.method) {
                     page.items.push_back(std::move(row));
                   }
                   return true;
                 });
  if (!s.ok()) return s;
  if (!error.ok()) return error;
  if (more) page.next_after = last_key;
  return page;
}

}  // namespace kaiin::projections
