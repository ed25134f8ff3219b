// The envelope codec: Event + metadata <-> FlatBuffers bytes. The only place that touches the
// generated FlatBuffers code.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string_view>

#include "events/event.h"
#include "events/status.h"

namespace kaiin::events {

// Encodes envelopes into a reused buffer. Not thread-safe: one encoder per thread.
class EnvelopeEncoder {
 public:
  EnvelopeEncoder() : fbb_(1024) {}
  // The returned bytes stay valid until the next Encode call.
  std::string_view Encode(const EnvelopeMeta& meta, const Event& event);

 private:
  flatbuffers::FlatBufferBuilder fbb_;
};

// Verifies `bytes` with the FlatBuffers verifier and decodes them. Returns Corruption for bytes
// that are not a well-formed envelope (wrong identifier, bad offsets, unknown event type, a
// prev_hash that is not 32 bytes, a missing required field).
Status DecodeEnvelope(std::string_view bytes, Envelope* out);

}  // namespace kaiin::events
