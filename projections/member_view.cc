// member_view rows:
//   "m/" member_id                                      -> MemberRow (row_codec, see Encode below)
//   "x/" field "/" NormalizeSearch(value) '\0' member_id -> ""  (search index)
// index fields: e e-mail, n member number, f family, g given, fk family kana, gk given kana,
//               fn family+given, fnk family kana+given kana, r romaji
#include "projections/member_view.h"

#include <algorithm>
#include <set>

#include "events/postings.h"
#include "projections/row_codec.h"
#include "projections/search_text.h"

namespace kaiin::projections {
namespace {

constexpr size_t kScanRowsMax = 20000;  // rows one list call may look at
constexpr char kMemberPrefix[] = "m/";
constexpr char kIndexPrefix[] = "x/";
// A member row ends in four fixed 8-byte integers: version, last_position, outstanding, credit.
constexpr size_t kTailBytes = 32;

std::string MemberKey(std::string_view id) { return kMemberPrefix + std::string(id); }

// The fields the search index is built from.
struct Indexed {
  std::string email, member_number;
  events::PersonName name;
  bool operator==(const Indexed&) const = default;
};

Indexed IndexedOf(const MemberRow& row) { return {row.email, row.member_number, row.name}; }

std::vector<std::string> IndexKeys(const Indexed& f, std::string_view member_id) {
  std::vector<std::string> keys;
  auto add = [&](std::string_view field, std::string_view value) {
    const std::string v = NormalizeSearch(value);
    if (v.empty()) return;
    std::string k = kIndexPrefix + std::string(field) + "/" + v;
    k.push_back('\0');
    k += member_id;
    keys.push_back(std::move(k));
  };
  add("e", f.email);
  add("n", f.member_number);
  add("f", f.name.family);
  add("g", f.name.given);
  add("fk", f.name.family_kana);
  add("gk", f.name.given_kana);
  add("fn", f.name.family + f.name.given);
  add("fnk", f.name.family_kana + f.name.given_kana);
  add("r", f.name.romaji);
  return keys;
}

// Applies one member (profile or history) event to the row; other events leave it as it is.
void ApplyToRow(const events::Event& event, MemberRow* row) {
  std::visit(
      [row](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, events::MemberApplied>) {
          *row = MemberRow{};
          row->member_id = e.member_id;
          row->email = e.email;
          row->name = e.name;
          row->address = e.address;
          row->affiliation = e.affiliation.value_or("");
          row->applied_on = e.applied_on;
          row->statuses = {{events::MemberStatus::kApplying, e.applied_on}};
          row->types = {{e.member_type, e.applied_on}};
        } else if constexpr (std::is_same_v<T, events::MemberAdmitted>) {
          if (e.replaces_application && !row->statuses.empty()) row->statuses.pop_back();
          row->statuses.push_back({events::MemberStatus::kActive, e.admitted_on});
          row->admitted = true;
          row->admitted_on = e.admitted_on;
        } else if constexpr (std::is_same_v<T, events::MemberStatusChanged>) {
          row->statuses.push_back({e.status, e.effective_date});
        } else if constexpr (std::is_same_v<T, events::MemberNumberAssigned>) {
          row->member_number = e.member_number;
        } else if constexpr (std::is_same_v<T, events::MemberTypeChanged>) {
          row->types.push_back({e.member_type, e.effective_date});
        } else if constexpr (std::is_same_v<T, events::MemberProfileUpdated>) {
          if (e.name) row->name = *e.name;
          if (e.address) row->address = *e.address;
          if (e.affiliation) row->affiliation = *e.affiliation;
          if (e.payment_method) row->payment_method = *e.payment_method;
          if (e.directory_visible) row->directory_visible = *e.directory_visible;
        } else if constexpr (std::is_same_v<T, events::MemberEmailChanged>) {
          row->email = e.email;
        }
      },
      event);
}

std::string_view MemberIdOf(const events::Event& event) {
  return std::visit(
      [](const auto& e) -> std::string_view {
        if constexpr (requires { e.member_id; }) {
          return e.member_id;
        } else {
          return {};
        }
      },
      event);
}

// `affiliation` is q.affiliation folded by NormalizeSearch.
bool Matches(const MemberRow& row, const MemberQuery& q, std::string_view affiliation) {
  const events::MemberStatus status = events::StatusOn(row.statuses, q.today).status;
  if (q.status && status != *q.status) return false;
  if (q.directory && !(row.directory_visible && (status == events::MemberStatus::kActive ||
                                                 status == events::MemberStatus::kOnLeave))) {
    return false;
  }
  if (!affiliation.empty() &&
      NormalizeSearch(row.affiliation).find(affiliation) == std::string::npos) {
    return false;
  }
  if (!q.member_type.empty() && events::TypeOn(row.types, q.today).member_type != q.member_type) {
    return false;
  }
  return true;
}

// The events that change a member's profile or history (the rest change at most its balance).
bool IsProfileEvent(const events::Event& e) {
  return std::holds_alternative<events::MemberApplied>(e) ||
         std::holds_alternative<events::MemberAdmitted>(e) ||
         std::holds_alternative<events::MemberStatusChanged>(e) ||
         std::holds_alternative<events::MemberNumberAssigned>(e) ||
         std::holds_alternative<events::MemberTypeChanged>(e) ||
         std::holds_alternative<events::MemberProfileUpdated>(e) ||
         std::holds_alternative<events::MemberEmailChanged>(e);
}

}  // namespace

std::string EncodeMemberRow(const MemberRow& row) {
  RowWriter w;
  w.Str(row.member_id).Str(row.email).Str(row.member_number);
  PutPersonName(w, row.name);
  PutOptionalAddress(w, row.address);
  w.Str(row.affiliation).Str(row.payment_method).Bool(row.directory_visible);
  w.I64(row.applied_on).Bool(row.admitted).I64(row.admitted_on);
  w.U64(row.statuses.size());
  for (const auto& s : row.statuses) w.U64(static_cast<uint64_t>(s.status)).I64(s.date);
  w.U64(row.types.size());
  for (const auto& t : row.types) w.Str(t.member_type).I64(t.date);
  // The tail, fixed width so that a balance event patches it in place (PatchTail).
  w.Fixed64(row.version).Fixed64(row.last_position);
  w.Fixed64(static_cast<uint64_t>(row.outstanding)).Fixed64(static_cast<uint64_t>(row.credit));
  return w.Take();
}

bool DecodeMemberRow(std::string_view bytes, MemberRow* row) {
  RowReader r(bytes);
  if (!(r.Str(&row->member_id) && r.Str(&row->email) && r.Str(&row->member_number) &&
        GetPersonName(r, &row->name) && GetOptionalAddress(r, &row->address))) {
    return false;
  }
  uint64_t n = 0;
  if (!(r.Str(&row->affiliation) && r.Str(&row->payment_method) && r.Bool(&row->directory_visible) &&
        r.I32(&row->applied_on) && r.Bool(&row->admitted) && r.I32(&row->admitted_on) && r.U64(&n))) {
    return false;
  }
  row->statuses.clear();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t status;
    events::StatusEntry e;
    if (!r.U64(&status) || status > static_cast<uint64_t>(events::MemberStatus::kWithdrawn) ||
        !r.I32(&e.date)) {
      return false;
    }
    e.status = static_cast<events::MemberStatus>(status);
    row->statuses.push_back(e);
  }
  if (!r.U64(&n)) return false;
  row->types.clear();
  for (uint64_t i = 0; i < n; ++i) {
    events::TypeEntry t;
    if (!r.Str(&t.member_type) || !r.I32(&t.date)) return false;
    row->types.push_back(std::move(t));
  }
  uint64_t outstanding = 0, credit = 0;
  if (!(r.Fixed64(&row->version) && r.Fixed64(&row->last_position) && r.Fixed64(&outstanding) &&
        r.Fixed64(&credit) && r.done() && !row->statuses.empty() && !row->types.empty())) {
    return false;
  }
  row->outstanding = static_cast<int64_t>(outstanding);
  row->credit = static_cast<int64_t>(credit);
  return true;
}

Status MemberViewProjection::Apply(const events::Envelope& event, Rows& rows) {
  const std::string_view id = MemberIdOf(event.event);
  if (id.empty()) return Status::Ok();
  const std::vector<events::Posting> postings = events::PostingsFor(event.event);
  constexpr std::string_view kStreamPrefix = "member-";
  const bool own_stream = event.meta.stream.starts_with(kStreamPrefix) &&
                          std::string_view(event.meta.stream).substr(kStreamPrefix.size()) == id;
  // Only profile events can change the indexed fields (names, e-mail, number).
  const bool profile_event = IsProfileEvent(event.event);
  if (postings.empty() && !own_stream && !profile_event) return Status::Ok();
  // Money events of the member move its balance (L1 postings of its own accounts).
  int64_t outstanding_delta = 0, credit_delta = 0;
  bool balance_moved = false;
  for (const events::Posting& p : postings) {
    const events::MemberAccount account = events::MemberAccountOf(p.account, id);
    if (account == events::MemberAccount::kReceivable) {
      outstanding_delta += p.debit - p.credit;
      balance_moved = true;
    } else if (account == events::MemberAccount::kCredit) {
      credit_delta += p.credit - p.debit;
      balance_moved = true;
    }
  }
  if (!profile_event && !balance_moved && !own_stream) return Status::Ok();
  const std::string key = MemberKey(id);
  std::string stored;
  // A new member has no row yet: skip the read (half the events of a roster import).
  Result<bool> found =
      std::holds_alternative<events::MemberApplied>(event.event) ? false : rows.Get(key, &stored);
  if (!found.ok()) return found.status();
  if (!profile_event) {
    // Only the fixed tail changes (the balances, and the version on the member's own stream):
    // patched in place, the rest of the row neither decoded nor encoded again. Most of a log's
    // events are of this kind (invoices, payments, their allocations).
    if (!*found) return Status::Ok();  // not a member we know of
    if (stored.size() < kTailBytes) {
      return Status::Corruption("member_view row of " + std::string(id) + " is unreadable");
    }
    char* tail = stored.data() + stored.size() - kTailBytes;
    if (own_stream) {
      events::PatchFixed64(tail, event.meta.version);
      events::PatchFixed64(tail + 8, event.meta.position);
    }
    const auto outstanding = static_cast<int64_t>(events::LoadFixed64(tail + 16));
    const auto credit = static_cast<int64_t>(events::LoadFixed64(tail + 24));
    events::PatchFixed64(tail + 16, static_cast<uint64_t>(outstanding + outstanding_delta));
    events::PatchFixed64(tail + 24, static_cast<uint64_t>(credit + credit_delta));
    rows.Put(key, stored);
    return Status::Ok();
  }
  MemberRow row;
  if (*found && !DecodeMemberRow(stored, &row)) {
    return Status::Corruption("member_view row of " + std::string(id) + " is unreadable");
  }
  const Indexed before = *found ? IndexedOf(row) : Indexed{};
  ApplyToRow(event.event, &row);
  row.outstanding += outstanding_delta;
  row.credit += credit_delta;
  if (own_stream) {
    row.version = event.meta.version;
    row.last_position = event.meta.position;
  }
  // Touch only the index keys that changed, and none when no indexed field did (an admission,
  // a status or type change).
  const Indexed after = IndexedOf(row);
  if (!*found || !(after == before)) {
    const std::vector<std::string> old_keys =
        *found ? IndexKeys(before, id) : std::vector<std::string>{};
    const std::vector<std::string> new_keys = IndexKeys(after, id);
    for (const std::string& k : old_keys) {
      if (std::find(new_keys.begin(), new_keys.end(), k) == new_keys.end()) rows.Delete(k);
    }
    for (const std::string& k : new_keys) {
      if (!*found) {
        rows.Insert(k, "");  // a new member's keys (the id is in them): the first write of each
      } else if (std::find(old_keys.begin(), old_keys.end(), k) == old_keys.end()) {
        rows.Put(k, "");
      }
    }
  }
  rows.Put(key, EncodeMemberRow(row));
  return Status::Ok();
}

Result<bool> ReadMember(const ProjectionStore& store, std::string_view member_id, MemberRow* row,
                        const ProjectionStore::View* at) {
  std::string bytes;
  Result<bool> found = store.Get(MemberViewProjection::kName, MemberKey(member_id), &bytes, at);
  if (!found.ok() || !*found) return found;
  if (!DecodeMemberRow(bytes, row)) return Status::Corruption("member_view row is unreadable");
  return true;
}

Result<bool> ReadMember(ProjectionStore::OrderedReader& reader, std::string_view member_id,
                        MemberRow* row) {
  std::string bytes;
  Result<bool> found = reader.Get(MemberKey(member_id), &bytes);
  if (!found.ok() || !*found) return found;
  if (!DecodeMemberRow(bytes, row)) return Status::Corruption("member_view row is unreadable");
  return true;
}

Result<MemberPage> ListMembers(const ProjectionStore& store, const MemberQuery& q) {
  MemberPage page;
  std::vector<MemberRow> found;
  const size_t want = q.limit + 1;  // one more tells whether there is a next page
  size_t scanned = 0;
  std::string last_scanned;  // where a scan cut short by the bound continues
  Status error;
  const std::string needle = NormalizeSearch(q.q);
  const std::string affiliation = NormalizeSearch(q.affiliation);
  if (needle.empty()) {
    std::string start = MemberKey(q.after);
    if (!q.after.empty()) start.push_back('\0');
    Status s = store.Scan(
        MemberViewProjection::kName, kMemberPrefix, start,
        [&](std::string_view, std::string_view value) {
          MemberRow row;
          if (!DecodeMemberRow(value, &row)) {
            error = Status::Corruption("member_view row is unreadable");
            return false;
          }
          ++scanned;
          last_scanned = row.member_id;
          if (Matches(row, q, affiliation)) found.push_back(std::move(row));
          return found.size() < want && scanned < kScanRowsMax;
        },
        q.at);
    if (!s.ok()) return s;
  } else {
    std::set<std::string> ids;
    for (const char* field : {"e", "n", "f", "g", "fk", "gk", "fn", "fnk", "r"}) {
      if (q.directory && (std::string_view(field) == "e" || std::string_view(field) == "n")) {
        continue;  // names only
      }
      const std::string prefix = std::string(kIndexPrefix) + field + "/" + needle;
      Status s = store.Scan(
          MemberViewProjection::kName, prefix, "",
          [&](std::string_view key, std::string_view) {
            const std::string id(key.substr(key.rfind('\0') + 1));
            if (id > q.after) ids.insert(id);
            return ids.size() < kScanRowsMax;
          },
          q.at);
      if (!s.ok()) return s;
    }
    for (const std::string& id : ids) {
      MemberRow row;
      Result<bool> ok = ReadMember(store, id, &row, q.at);
      if (!ok.ok()) return ok.status();
      ++scanned;
      last_scanned = id;
      if (*ok && Matches(row, q, affiliation)) found.push_back(std::move(row));
      if (found.size() >= want || scanned >= kScanRowsMax) break;
    }
  }
  if (!error.ok()) return error;
  if (found.size() > q.limit) {
    found.resize(q.limit);
    page.next_after = found.back().member_id;
  } else if (scanned >= kScanRowsMax) {
    page.next_after = last_scanned;  // stopped by the scan bound, not by the end
  }
  page.items = std::move(found);
  return page;
}

}  // namespace kaiin::projections
