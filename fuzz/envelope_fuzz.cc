// libFuzzer target: the envelope decoder and verifier (events/codec.h) on arbitrary bytes, as
// they could come from a damaged disk or a copy handed to the auditor. A decoded envelope is also
// rendered as JSON (every event type's fields), so whatever the verifier lets through must be
// safe to read.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "events/codec.h"
#include "events/event_json.h"
#include "events/hash.h"
#include "events/json_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Stored values are copied out of RocksDB blocks before decoding (alignment), as here.
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  kaiin::events::Envelope env;
  if (!kaiin::events::DecodeEnvelope(bytes, &env).ok()) return 0;
  kaiin::JsonWriter w;
  kaiin::events::WriteEnvelopeJson(env, kaiin::events::Sha256(bytes), &w);
  return 0;
}
