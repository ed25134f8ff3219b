// Helpers shared by the API's handler files (api.cc, api_members.cc). Internal to http/.
#pragma once

#include <charconv>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "events/hash.h"
#include "events/json_writer.h"
#include "events/status.h"
#include "http/message.h"
#include "ledger/event_log.h"

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

// Conditional GET (RFC 9110 §13.1.2, §13.2.1) for the read models, so a front end that polls
// gets a bodiless 304 while the answer stays the same.
//
// Gives a 200 with a whole body and no entity tag of its own a strong one made from the body
// (128 bits of its SHA-256 in hex, quoted) and `Cache-Control: private, no-cache` (a browser
// keeps the answer for this user and asks again each time, with If-None-Match). True if it did;
// false for an answer that is not to be tagged: an error, a streamed body, or one that carries
// a tag of its own (a member's version, for If-Match, which does not follow the balance).
bool TagBody(Response* res);
// Whether an If-None-Match value (`*`, or a list of entity tags) names `etag`, compared as GET
// compares them: a weak tag (W/"...") names the strong tag with the same quoted text.
bool NoneMatchNames(std::string_view if_none_match, std::string_view etag);
// The 304 that stands for the tagged answer `res`: no body; its ETag, Cache-Control and
// X-Projection-Position kept (the fields a 200 would have had that a cache updates from).
Response NotModified(const Response& res);

class JsonObjectReader;
// Finishes a request body and folds in the field errors the handler found itself.
Status FinishBody(JsonObjectReader& body, std::vector<FieldError> extra = {});

}  // namespace kaiin::http
