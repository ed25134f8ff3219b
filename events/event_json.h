// Events as JSON, for the API's `GET {T}/events` and for the auditor's tools.
#pragma once

#include "events/event.h"
#include "events/json_writer.h"

namespace kaiin::events {

void WritePersonName(const PersonName& name, JsonWriter* w);
void WritePostalAddress(const PostalAddress& address, JsonWriter* w);

// Writes the event's own fields as one JSON object (the API's `data`).
void WriteEventData(const Event& event, JsonWriter* w);

// Writes the whole envelope as the API's event object; `hash` is the SHA-256 of its bytes.
void WriteEnvelopeJson(const Envelope& envelope, const Hash& hash, JsonWriter* w);

}  // namespace kaiin::events
