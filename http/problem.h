// application/problem+json answers, and the one table that maps Status codes to HTTP statuses.
#pragma once

#include "events/status.h"
#include "http/message.h"

namespace kaiin::http {

int HttpStatusFor(const Status& status);
// {"type", "title", "status", "detail", "code"} and "errors" for field errors.
Response Problem(const Status& status);
Response Problem(int http_status, std::string_view code, std::string_view detail);

}  // namespace kaiin::http
