#include "events/codec.h"

#include <cstring>

#include "kaiin_events_generated.h"

namespace kaiin::events {
namespace {

flatbuffers::Offset<void> EncodeEvent(flatbuffers::FlatBufferBuilder& fbb, const Event& event,
                                      fb::Event* type) {
  return std::visit(
      [&](const auto& e) -> flatbuffers::Offset<void> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, TenantConfigured>) {
          *type = fb::Event::TenantConfigured;
          return fb::CreateTenantConfiguredDirect(
                     fbb, e.name.c_str(), static_cast<uint8_t>(e.fiscal_year_start_month),
                     e.timezone.c_str())
              .Union();
        }
      },
      event);
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

Status DecodeEvent(const fb::Envelope& env, Event* out) {
  switch (env.event_type()) {
    case fb::Event::TenantConfigured: {
      const fb::TenantConfigured* e = env.event_as_TenantConfigured();
      TenantConfigured v;
      v.name = Str(e->name());
      v.fiscal_year_start_month = e->fiscal_year_start_month();
      v.timezone = Str(e->timezone());
      *out = std::move(v);
      return Status::Ok();
    }
    case fb::Event::NONE:
      break;
  }
  return Status::Corruption("envelope carries no known event type");
}

}  // namespace

std::string_view EventTypeName(const Event& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

std::string_view EnvelopeEncoder::Encode(const EnvelopeMeta& m, const Event& event) {
  fbb_.Clear();
  fb::Event type = fb::Event::NONE;
  auto ev = EncodeEvent(fbb_, event, &type);
  auto tenant = fbb_.CreateString(m.tenant);
  auto stream = fbb_.CreateString(m.stream);
  auto actor = fbb_.CreateString(m.actor);
  auto command_id = fbb_.CreateString(m.command_id);
  auto prev = fbb_.CreateVector(m.prev_hash.data(), m.prev_hash.size());
  fb::EnvelopeBuilder b(fbb_);
  b.add_tenant(tenant);
  b.add_position(m.position);
  b.add_stream(stream);
  b.add_version(m.version);
  b.add_recorded_at_us(m.recorded_at);
  b.add_effective_date(m.effective_date);
  b.add_actor(actor);
  b.add_command_id(command_id);
  b.add_causation(m.causation);
  b.add_prev_hash(prev);
  b.add_event_type(type);
  b.add_event(ev);
  fb::FinishEnvelopeBuffer(fbb_, b.Finish());
  return std::string_view(reinterpret_cast<const char*>(fbb_.GetBufferPointer()), fbb_.GetSize());
}

Status DecodeEnvelope(std::string_view bytes, Envelope* out) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  // The root offset and the file identifier take 8 bytes; the verifier checks the identifier,
  // but only a buffer that long may be handed to it.
  constexpr size_t kPrefixBytes = 8;
  flatbuffers::Verifier verifier(data, bytes.size());
  if (bytes.size() < kPrefixBytes || !fb::VerifyEnvelopeBuffer(verifier)) {
    return Status::Corruption("bytes are not a valid envelope");
  }
  const fb::Envelope* env = fb::GetEnvelope(data);
  if (!env->stream() || !env->prev_hash() || env->prev_hash()->size() != 32) {
    return Status::Corruption("envelope lacks a stream or a 32-byte prev_hash");
  }
  EnvelopeMeta& m = out->meta;
  m.tenant = Str(env->tenant());
  m.position = env->position();
  m.stream = env->stream()->str();
  m.version = env->version();
  m.recorded_at = env->recorded_at_us();
  m.effective_date = env->effective_date();
  m.actor = Str(env->actor());
  m.command_id = Str(env->command_id());
  m.causation = env->causation();
  std::memcpy(m.prev_hash.data(), env->prev_hash()->data(), 32);
  return DecodeEvent(*env, &out->event);
}

}  // namespace kaiin::events
