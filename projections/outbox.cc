// outbox rows:
//   "m/" fixed20(seq)                  -> message (row_codec)
//   "t/" lower(to) "\0" fixed20(seq)   -> ""  (by address)
// seq is the number in the message id ("msg<seq>"), so rows sort in sending order.
#include "projections/outbox.h"

#include <charconv>
#include <optional>

#include "events/text.h"
#include "projections/row_codec.h"

namespace kaiin::projections {
namespace {

// A message id ("msg" and its number) as a key part that sorts by the number; nullopt for
// anything else. A cursor comes from a client: nothing here may throw (found by
// fuzz/command_fuzz.cc: "msgX" made std::stoull throw through the HTTP thread).
std::optional<std::string> Seq(std::string_view message_id) {
  if (!message_id.starts_with("msg")) return std::nullopt;
  const std::string_view digits = message_id.substr(3);
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  std::string seq;
  AppendPadded(&seq, n, 20);
  return seq;
}

std::string Encode(const events::OutboxMessageQueued& m) {
  return RowWriter().Str(m.message_id).Str(m.to).Str(m.purpose).Str(m.subject).Str(m.body)
      .Str(m.link).I64(m.created_at).I64(m.expires_at).Take();
}

bool Decode(std::string_view b, events::OutboxMessageQueued* m) {
  RowReader r(b);
  return r.Str(&m->message_id) && r.Str(&m->to) && r.Str(&m->purpose) && r.Str(&m->subject) &&
         r.Str(&m->body) && r.Str(&m->link) && r.I64(&m->created_at) && r.I64(&m->expires_at) &&
         r.done();
}

}  // namespace

Status OutboxProjection::Apply(const events::Envelope& env, Rows& rows) {
  if (const auto* m = std::get_if<events::OutboxMessageQueued>(&env.event)) {
    const std::optional<std::string> found = Seq(m->message_id);
    if (!found) return Status::Corruption("outbox message id " + m->message_id);
    const std::string& seq = *found;
    // A message is written once and never read back here: its rows need no lookup.
    rows.Insert("m/" + seq, Encode(*m));
    std::string index = "t/" + AsciiLower(m->to);
    index.push_back('\0');
    rows.Insert(index + seq, "");
  }
  return Status::Ok();
}

Result<std::vector<events::OutboxMessageQueued>> ReadOutbox(const ProjectionStore& store,
                                                            std::string_view to,
                                                            std::string_view purpose,
                                                            std::string_view after, size_t limit) {
  std::vector<std::string> seqs;
  std::string start_seq;
  if (!after.empty()) {
    std::optional<std::string> seq = Seq(after);
    if (!seq) {
      return Status::InvalidArgument("validation_failed", "invalid cursor",
                                     {{"cursor", "a message id"}});
    }
    start_seq = std::move(*seq);
  }
  if (to.empty()) {
    Status s = store.Scan(OutboxProjection::kName, "m/", after.empty() ? "" : "m/" + start_seq + "~",
                          [&](std::string_view key, std::string_view) {
                            seqs.emplace_back(key.substr(2));
                            return seqs.size() < 100000;
                          });
    if (!s.ok()) return s;
  } else {
    std::string prefix = "t/" + AsciiLower(to);
    prefix.push_back('\0');
    Status s = store.Scan(OutboxProjection::kName, prefix, after.empty() ? "" : prefix + start_seq + "~",
                          [&](std::string_view key, std::string_view) {
                            seqs.emplace_back(key.substr(prefix.size()));
                            return seqs.size() < 100000;
                          });
    if (!s.ok()) return s;
  }
  std::vector<events::OutboxMessageQueued> out;
  for (const std::string& seq : seqs) {
    std::string bytes;
    Result<bool> found = store.Get(OutboxProjection::kName, "m/" + seq, &bytes);
    if (!found.ok()) return found.status();
    events::OutboxMessageQueued m;
    if (!*found || !Decode(bytes, &m)) return Status::Corruption("outbox row unreadable");
    if (!purpose.empty() && m.purpose != purpose) continue;
    out.push_back(std::move(m));
    if (out.size() >= limit) break;
  }
  return out;
}

}  // namespace kaiin::projections
