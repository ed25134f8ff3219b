// Helpers shared by the API's handler files (api.cc, api_members.cc). Internal to http/.
#pragma once

#include <charconv>
#include <string>

#include <functional>
#include <vector>

#include "events/hash.h"
#include "events/json_writer.h"
#include "events/status.h"
#include "ledger/event_log.h"
#include "http/message.h"

namespace kaiin::http {

// `bytes` random bytes in hex, straight from the system's generator (tokens, secrets).
std::string RandomHex(size_t bytes);
// A new command's id: 16 random bytes in hex.
std::string CommandIdHex();

// What identifies a command for idempotency: the same key with another fingerprint is refused.
events::Hash Fingerprint(const Request& r);

// A command's stored result is "NNN" (HTTP status) followed by a JSON object; the answer adds
// the position of its last event, which is known only once the batch is written.
Response CommandResponse(const ledger::CommitResult& c);

// A JSON object whose fields `fill` writes.
std::string JsonObject(const std::function<void(JsonWriter&)>& fill);

class JsonObjectReader;
// Finishes a request body and folds in the field errors the handler found itself.
Status FinishBody(JsonObjectReader& body, std::vector<FieldError> extra = {});

}  // namespace kaiin::http
