// config rows:
//   "type/" code            -> Str(name) U64(kind)
//   "fees/" fixed6(fy)      -> U64(n) then n × (Str(member type) I64(yen))
#include "projections/config.h"

#include <cstdio>

#include "projections/row_codec.h"

namespace kaiin::projections {
namespace {

std::string FeesKey(int fy) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "fees/%06d", fy);
  return buf;
}

}  // namespace

Status ConfigProjection::Apply(const events::Envelope& event, Rows& rows) {
  if (const auto* e = std::get_if<events::MemberTypeDefined>(&event.event)) {
    rows.Put("type/" + e->code, RowWriter().Str(e->name).U64(static_cast<uint64_t>(e->kind)).Take());
  } else if (const auto* f = std::get_if<events::FeeScheduleSet>(&event.event)) {
    RowWriter w;
    w.U64(f->fees.size());
    for (const auto& [type, amount] : f->fees) w.Str(type).I64(amount);
    rows.Put(FeesKey(f->fiscal_year), w.Take());
  }
  return Status::Ok();
}

Result<std::vector<events::MemberTypeDefined>> ReadMemberTypes(const ProjectionStore& store) {
  std::vector<events::MemberTypeDefined> types;
  Status error;
  Status s = store.Scan(ConfigProjection::kName, "type/", "",
                        [&](std::string_view k, std::string_view v) {
                          events::MemberTypeDefined t;
                          t.code = std::string(k.substr(5));
                          RowReader r(v);
                          uint64_t kind = 0;
                          if (!r.Str(&t.name) || !r.U64(&kind) || kind > 1) {
                            error = Status::Corruption("config row is unreadable");
                            return false;
                          }
                          t.kind = static_cast<events::MemberKind>(kind);
                          types.push_back(std::move(t));
                          return true;
                        });
  if (!s.ok()) return s;
  if (!error.ok()) return error;
  return types;
}

Result<std::optional<std::map<std::string, int64_t>>> ReadFeeSchedule(const ProjectionStore& store,
                                                                      int fiscal_year) {
  std::string v;
  Result<bool> found = store.Get(ConfigProjection::kName, FeesKey(fiscal_year), &v);
  if (!found.ok()) return found.status();
  if (!*found) return std::optional<std::map<std::string, int64_t>>();
  RowReader r(v);
  uint64_t n = 0;
  std::map<std::string, int64_t> fees;
  if (!r.U64(&n)) return Status::Corruption("config row is unreadable");
  for (uint64_t i = 0; i < n; ++i) {
    std::string type;
    int64_t amount;
    if (!r.Str(&type) || !r.I64(&amount)) return Status::Corruption("config row is unreadable");
    fees[type] = amount;
  }
  return std::optional<std::map<std::string, int64_t>>(std::move(fees));
}

}  // namespace kaiin::projections
