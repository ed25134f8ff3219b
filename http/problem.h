// application/problem+json answers, and the one table that maps Status codes to HTTP statuses.
#pragma once

#include <functional>

#include "events/json_writer.h"
#include "events/status.h"
#include "http/message.h"

namespace kaiin::http {

int HttpStatusFor(const Status& status);
// The answer's "code": the status's reason ("internal" when it has none).
std::string_view ProblemCode(const Status& status);
// {"type", "title", "status", "detail", "code"} and "errors" for field errors.
Response Problem(const Status& status);
// The same with members of the answer's own after "code" (RFC 9457 extension members), written
// by `extra` into the open object.
Response Problem(const Status& status, const std::function<void(JsonWriter*)>& extra);
Response Problem(int http_status, std::string_view code, std::string_view detail);

}  // namespace kaiin::http
