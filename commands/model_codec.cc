#include "commands/model_codec.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "events/key_prefix.h"
#include "events/row_codec.h"

namespace kaiin::commands {
namespace {

using events::RowReader;
using events::RowWriter;

// Enum values are written as numbers and read back only if they name a value.
template <typename E>
bool GetEnum(RowReader& r, E last, E* out) {
  uint64_t v = 0;
  if (!r.U64(&v) || v > static_cast<uint64_t>(last)) return false;
  *out = static_cast<E>(v);
  return true;
}

bool GetDate(RowReader& r, Date* d) { return r.I32(d); }

bool GetI64(RowReader& r, int64_t* v) { return r.I64(v); }

bool GetU32(RowReader& r, uint32_t* v) {
  uint64_t w = 0;
  if (!r.U64(&w) || w > UINT32_MAX) return false;
  *v = static_cast<uint32_t>(w);
  return true;
}

bool GetInt(RowReader& r, int* v) {
  int64_t w = 0;
  if (!r.I64(&w) || w < INT32_MIN || w > INT32_MAX) return false;
  *v = static_cast<int>(w);
  return true;
}

// A map's entries in key order (unordered maps iterate in no fixed order).
template <typename Map>
std::vector<const typename Map::value_type*> Sorted(const Map& map) {
  std::vector<const typename Map::value_type*> entries;
  entries.reserve(map.size());
  auto by_key = [](auto* a, auto* b) { return a->first < b->first; };
  if constexpr (requires { map.bucket_count(); }) {
    // Sorting a million e-mail addresses by prefixes held beside the pointers, instead of through
    // the pointers into a hash map's scattered nodes, took a quarter off encoding a snapshot.
    struct Keyed {
      events::KeyPrefix prefix;
      const typename Map::value_type* entry;
    };
    std::vector<Keyed> keyed;
    keyed.reserve(map.size());
    for (const auto& e : map) keyed.push_back({events::KeyPrefixOf(e.first), &e});
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
      return a.prefix != b.prefix ? a.prefix < b.prefix : a.entry->first < b.entry->first;
    });
    for (const Keyed& k : keyed) entries.push_back(k.entry);
  } else {  // an ordered map: in key order already, which one pass checks
    for (const auto& e : map) entries.push_back(&e);
    if (!std::is_sorted(entries.begin(), entries.end(), by_key)) {
      std::sort(entries.begin(), entries.end(), by_key);
    }
  }
  return entries;
}

// Where an encoding goes: kept whole in its writer, or handed to a sink in pieces, each cut at
// the end of a map's entry once it holds piece_bytes (so a piece may run past that by one
// entry). After the sink refuses a piece, nothing more is handed on and ok() is false.
class ModelOut {
 public:
  ModelOut(size_t piece_bytes, const ModelSink* sink) : piece_bytes_(piece_bytes), sink_(sink) {}
  RowWriter& writer() { return w_; }
  bool ok() const { return ok_; }
  void EntryEnd() {
    if (sink_ != nullptr && w_.size() >= piece_bytes_) Hand();
  }
  // Hands on what is left; whether the sink took every piece.
  bool Finish() {
    if (sink_ != nullptr && w_.size() > 0) Hand();
    return ok_;
  }

 private:
  void Hand() {
    if (ok_) ok_ = (*sink_)(w_.view());
    w_.Clear();
  }

  RowWriter w_;
  const size_t piece_bytes_;
  const ModelSink* const sink_;
  bool ok_ = true;
};

template <typename Map, typename PutValue>
void PutMap(ModelOut& out, const Map& map, PutValue put) {
  RowWriter& w = out.writer();
  w.U64(map.size());
  auto entry = [&](const std::string& key, const auto& value) {
    w.Str(key);
    if constexpr (std::is_invocable_v<PutValue, const std::string&, decltype(value)>) {
      put(key, value);  // the value's encoding repeats its key
    } else {
      put(value);
    }
    out.EntryEnd();
  };
  if constexpr (requires { Map::kIteratesInKeyOrder; }) {  // a SequencedMap
    for (const auto& [key, value] : map) {
      if (!out.ok()) return;
      entry(key, value);
    }
  } else {
    for (const auto* e : Sorted(map)) {
      if (!out.ok()) return;
      entry(e->first, e->second);
    }
  }
}

// Reads what PutMap wrote for a map with string keys; `get` reads one value.
template <typename Map, typename GetValue>
bool GetMap(RowReader& r, Map* map, GetValue get) {
  uint64_t n = 0;
  if (!r.U64(&n) || n > r.remaining()) return false;  // every entry takes at least a byte
  map->clear();
  // Sized once: growing a map of millions of payments rehashes every entry at each step.
  if constexpr (requires { map->reserve(n); }) map->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    typename Map::mapped_type value{};
    if (!r.Str(&key)) return false;
    if constexpr (std::is_invocable_v<GetValue, const std::string&, decltype(value)&>) {
      if (!get(key, value)) return false;
    } else {
      if (!get(value)) return false;
    }
    map->emplace(std::move(key), std::move(value));
  }
  return true;
}

bool GetId(RowReader& r, CompactId* id) {
  std::string_view s;
  if (!r.StrView(&s)) return false;
  *id = CompactId(s);
  return true;
}

void PutIds(RowWriter& w, const std::vector<CompactId>& v) {
  w.U64(v.size());
  for (const auto& id : v) w.Str(id.str());
}

bool GetIds(RowReader& r, std::vector<CompactId>* v) {
  uint64_t n = 0;
  if (!r.U64(&n) || n > r.remaining()) return false;  // every id takes at least a byte
  v->clear();
  v->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!GetId(r, &v->emplace_back())) return false;
  }
  return true;
}

void PutMember(RowWriter& w, const MemberRecord& m) {
  w.Str(m.id).Str(m.email).I64(m.applied_on);
  w.U64(m.statuses.size());
  for (const auto& s : m.statuses) w.U64(static_cast<uint64_t>(s.status)).I64(s.date);
  w.U64(m.types.size());
  for (const auto& t : m.types) w.Str(t.member_type).I64(t.date);
  w.Str(m.member_number).U64(m.admission_seq).I64(m.admitted_on);
  w.Raw(m.profile).Bool(m.directory_visible);  // the profile's fields as SetProfile wrote them
  w.I64(m.pending_one_time).I64(m.permanent_adjustment).I64(m.credit);
  PutIds(w, m.invoice_ids);
}

// The profile's fields (MemberRecord::SetProfile's bytes), checked and kept as they are.
bool GetProfile(RowReader& r, std::string* profile) {
  const size_t from = r.position();
  if (!(events::SkipPersonName(r) && events::SkipOptionalAddress(r) && r.SkipStr() &&
        r.SkipStr())) {  // then affiliation, payment method
    return false;
  }
  profile->assign(r.Since(from));
  return true;
}

bool GetMember(RowReader& r, MemberRecord& m) {
  uint64_t n = 0;
  if (!(r.Str(&m.id) && r.Str(&m.email) && GetDate(r, &m.applied_on) && r.U64(&n))) return false;
  for (uint64_t i = 0; i < n; ++i) {
    events::StatusEntry s;
    if (!GetEnum(r, events::MemberStatus::kWithdrawn, &s.status) || !GetDate(r, &s.date)) {
      return false;
    }
    m.statuses.push_back(s);
  }
  if (!r.U64(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    events::TypeEntry t;
    if (!r.Str(&t.member_type) || !GetDate(r, &t.date)) return false;
    m.types.push_back(std::move(t));
  }
  // A member always has a status and a type (LatestStatus reads the last one).
  return !m.statuses.empty() && !m.types.empty() && r.Str(&m.member_number) &&
         r.U64(&m.admission_seq) && GetDate(r, &m.admitted_on) &&
         GetProfile(r, &m.profile) && r.Bool(&m.directory_visible) &&
         r.I64(&m.pending_one_time) && r.I64(&m.permanent_adjustment) && r.I64(&m.credit) &&
         GetIds(r, &m.invoice_ids);
}

// An invoice's and a payment's encoding hold their id again after the map's key (the records
// kept it until they were made smaller): written from the key, read back and checked against it.
bool GetKey(RowReader& r, const std::string& key) {
  std::string_view id;
  return r.StrView(&id) && id == key;
}

void PutInvoice(RowWriter& w, const std::string& id, const InvoiceRecord& v) {
  w.Str(id).Str(v.member_id.str()).Str(v.batch_id.str()).I64(v.fiscal_year);
  w.U64(static_cast<uint64_t>(v.category)).Str(v.title).I64(v.issue_date).I64(v.due_date);
  w.I64(v.amount).I64(v.allocated).I64(v.issued_amount).I64(v.posted_adjustments);
  w.I64(v.one_time_consumed).Bool(v.issued).Bool(v.cancelled).U64(v.seq);
  w.U64(v.receipt_seq).U64(v.receipts);
}

bool GetInvoice(RowReader& r, const std::string& id, InvoiceRecord& v) {
  return GetKey(r, id) && GetId(r, &v.member_id) && GetId(r, &v.batch_id) &&
         GetInt(r, &v.fiscal_year) && GetEnum(r, events::InvoiceCategory::kOther, &v.category) &&
         r.Str(&v.title) && GetDate(r, &v.issue_date) && GetDate(r, &v.due_date) &&
         GetI64(r, &v.amount) && GetI64(r, &v.allocated) && GetI64(r, &v.issued_amount) &&
         GetI64(r, &v.posted_adjustments) && GetI64(r, &v.one_time_consumed) && r.Bool(&v.issued) &&
         r.Bool(&v.cancelled) && r.U64(&v.seq) && r.U64(&v.receipt_seq) && GetU32(r, &v.receipts);
}

void PutPayment(RowWriter& w, const std::string& id, const PaymentRecord& p) {
  w.Str(id).Str(p.member_id.str()).I64(p.amount).U64(static_cast<uint64_t>(p.method));
  w.I64(p.received_on).Bool(p.reversed).U64(p.position);
  w.U64(p.allocations.size());
  for (const auto& a : p.allocations) w.Str(a.invoice_id.str()).I64(a.amount).U64(a.position);
}

bool GetPayment(RowReader& r, const std::string& id, PaymentRecord& p) {
  uint64_t n = 0;
  if (!(GetKey(r, id) && GetId(r, &p.member_id) && r.I64(&p.amount) &&
        GetEnum(r, events::PaymentMethod::kOther, &p.method) && GetDate(r, &p.received_on) &&
        r.Bool(&p.reversed) && r.U64(&p.position) && r.U64(&n))) {
    return false;
  }
  if (n > r.remaining()) return false;
  p.allocations.resize(n);
  for (AllocationRecord& a : p.allocations) {
    if (!(GetId(r, &a.invoice_id) && r.I64(&a.amount) && r.U64(&a.position))) return false;
  }
  return true;
}

void PutBatch(RowWriter& w, const BatchRecord& b) {
  w.Str(b.id).I64(b.fiscal_year).U64(static_cast<uint64_t>(b.category)).Str(b.title);
  w.Bool(b.confirmed).Bool(b.cancelled);
  PutIds(w, b.invoice_ids);
}

bool GetBatch(RowReader& r, BatchRecord& b) {
  return r.Str(&b.id) && GetInt(r, &b.fiscal_year) &&
         GetEnum(r, events::InvoiceCategory::kOther, &b.category) && r.Str(&b.title) &&
         r.Bool(&b.confirmed) && r.Bool(&b.cancelled) && GetIds(r, &b.invoice_ids);
}

void PutToken(RowWriter& w, const TokenRecord& t) {
  w.U64(static_cast<uint64_t>(t.kind)).Str(t.subject).Str(t.new_email).Bool(t.email_change);
  w.I64(t.expires_at).Bool(t.used);
}

bool GetToken(RowReader& r, TokenRecord& t) {
  return GetEnum(r, events::SubjectKind::kMember, &t.kind) && r.Str(&t.subject) &&
         r.Str(&t.new_email) && r.Bool(&t.email_change) && r.I64(&t.expires_at) &&
         r.Bool(&t.used);
}

void Encode(const TenantModel& m, ModelOut& out) {
  RowWriter& w = out.writer();
  w.U64(kModelFormat);
  w.U64(m.tenant.version).Str(m.tenant.settings.name);
  w.I64(m.tenant.settings.fiscal_year_start_month).Str(m.tenant.settings.timezone);
  PutMap(out, m.member_types, [&w](const events::MemberTypeDefined& t) {
    w.Str(t.code).Str(t.name).U64(static_cast<uint64_t>(t.kind));
  });
  w.U64(m.fee_schedules.size());
  for (const auto& [fy, fees] : m.fee_schedules) {
    w.I64(fy);
    PutMap(out, fees, [&w](int64_t yen) { w.I64(yen); });
  }
  PutMap(out, m.members, [&w](const MemberRecord& r) { PutMember(w, r); });
  PutMap(out, m.email_owner, [&w](const CompactId& id) { w.Str(id.str()); });
  PutMap(out, m.number_owner, [&w](const CompactId& id) { w.Str(id.str()); });
  w.U64(m.member_seq).U64(m.admission_seq).U64(m.numeric_number_max).U64(m.numeric_number_width);
  PutMap(out, m.invoices,
         [&w](const std::string& id, const InvoiceRecord& r) { PutInvoice(w, id, r); });
  PutMap(out, m.payments,
         [&w](const std::string& id, const PaymentRecord& r) { PutPayment(w, id, r); });
  PutMap(out, m.batches, [&w](const BatchRecord& r) { PutBatch(w, r); });
  w.U64(m.invoice_seq).U64(m.batch_seq).U64(m.payment_seq);
  PutMap(out, m.staff, [&w](events::StaffRole role) { w.U64(static_cast<uint64_t>(role)); });
  PutMap(out, m.tokens, [&w](const TokenRecord& t) { PutToken(w, t); });
  PutMap(out, m.latest_token, [&w](const std::string& hash) { w.Str(hash); });
  w.U64(m.message_seq).U64(m.receipt_seq).U64(m.position);
}

}  // namespace

std::string EncodeModel(const TenantModel& m) {
  ModelOut out(0, nullptr);
  // Room for what such a model encodes to (a million members ~190 MB, 2M invoices ~150 MB, 6M
  // payments ~300 MB, by the 21M-event tenant of docs/benchmarks.md), a little more than needed:
  // pages reserved but never written are not resident.
  out.writer().Reserve(4096 + m.members.size() * 256 + m.invoices.size() * 96 +
                       m.payments.size() * 64 +
                       (m.email_owner.size() + m.number_owner.size()) * 48);
  Encode(m, out);
  return out.writer().Take();
}

bool EncodeModelInPieces(const TenantModel& m, size_t piece_bytes, const ModelSink& sink) {
  ModelOut out(piece_bytes, &sink);
  out.writer().Reserve(piece_bytes + piece_bytes / 4);
  Encode(m, out);
  return out.Finish();
}

Status DecodeModel(std::string_view bytes, TenantModel* out) {
  RowReader r(bytes);
  TenantModel m;
  uint64_t format = 0;
  if (!r.U64(&format) || format != kModelFormat) {
    return Status::Corruption("write-model snapshot of another format");
  }
  bool ok = r.U64(&m.tenant.version) && r.Str(&m.tenant.settings.name) &&
            GetInt(r, &m.tenant.settings.fiscal_year_start_month) &&
            r.Str(&m.tenant.settings.timezone) &&
            GetMap(r, &m.member_types, [&r](events::MemberTypeDefined& t) {
              return r.Str(&t.code) && r.Str(&t.name) &&
                     GetEnum(r, events::MemberKind::kCorporate, &t.kind);
            });
  uint64_t years = 0;
  ok = ok && r.U64(&years);
  for (uint64_t i = 0; ok && i < years; ++i) {
    int fy = 0;
    std::map<std::string, int64_t> fees;
    ok = GetInt(r, &fy) && GetMap(r, &fees, [&r](int64_t& yen) { return r.I64(&yen); });
    m.fee_schedules[fy] = std::move(fees);
  }
  auto get_string = [&r](std::string& s) { return r.Str(&s); };
  auto get_id = [&r](CompactId& id) { return GetId(r, &id); };
  ok = ok && GetMap(r, &m.members, [&r](MemberRecord& v) { return GetMember(r, v); }) &&
       GetMap(r, &m.email_owner, get_id) && GetMap(r, &m.number_owner, get_id) &&
       r.U64(&m.member_seq) && r.U64(&m.admission_seq) && r.U64(&m.numeric_number_max);
  uint64_t width = 0;
  ok = ok && r.U64(&width);
  m.numeric_number_width = static_cast<size_t>(width);
  ok = ok &&
       GetMap(r, &m.invoices,
              [&r](const std::string& id, InvoiceRecord& v) { return GetInvoice(r, id, v); }) &&
       GetMap(r, &m.payments,
              [&r](const std::string& id, PaymentRecord& v) { return GetPayment(r, id, v); }) &&
       GetMap(r, &m.batches, [&r](BatchRecord& v) { return GetBatch(r, v); }) &&
       r.U64(&m.invoice_seq) && r.U64(&m.batch_seq) && r.U64(&m.payment_seq) &&
       GetMap(r, &m.staff,
              [&r](events::StaffRole& role) {
                return GetEnum(r, events::StaffRole::kAuditor, &role);
              }) &&
       GetMap(r, &m.tokens, [&r](TokenRecord& t) { return GetToken(r, t); }) &&
       GetMap(r, &m.latest_token, get_string) && r.U64(&m.message_seq) && r.U64(&m.receipt_seq) &&
       r.U64(&m.position) && r.done();
  if (!ok) return Status::Corruption("write-model snapshot is unreadable");
  *out = std::move(m);
  return Status::Ok();
}

}  // namespace kaiin::commands
