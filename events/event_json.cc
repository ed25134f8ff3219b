#include "events/event_json.h"

namespace kaiin::events {

void WriteEventData(const Event& event, JsonWriter* w) {
  w->BeginObject();
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, TenantConfigured>) {
          w->Field("name", e.name);
          w->Field("fiscal_year_start_month", e.fiscal_year_start_month);
          w->Field("timezone", e.timezone);
        }
      },
      event);
  w->EndObject();
}

void WriteEnvelopeJson(const Envelope& env, const Hash& hash, JsonWriter* w) {
  const EnvelopeMeta& m = env.meta;
  w->BeginObject();
  w->Field("position", m.position);
  w->Field("stream", m.stream);
  w->Field("version", m.version);
  w->Field("type", EventTypeName(env.event));
  w->Field("recorded_at", FormatTimestamp(m.recorded_at));
  w->Field("effective_date", FormatDate(m.effective_date));
  w->Field("actor", m.actor);
  w->Field("command_id", m.command_id);
  if (m.causation != 0) {
    w->Field("causation", m.causation);
  } else {
    w->Key("causation").Null();
  }
  w->Key("data");
  WriteEventData(env.event, w);
  w->Field("prev_hash", HashToHex(m.prev_hash));
  w->Field("hash", HashToHex(hash));
  w->EndObject();
}

}  // namespace kaiin::events
