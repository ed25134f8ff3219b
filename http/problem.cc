#include "http/problem.h"

namespace kaiin::http {
namespace {

const char* Title(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Error";
}

Response Build(int status, std::string_view code, std::string_view detail,
               const std::vector<FieldError>& errors,
               const std::function<void(JsonWriter*)>& extra = nullptr) {
  JsonWriter w;
  w.BeginObject();
  w.Field("type", "https://kaiin.dev/problems/" + std::string(code));
  w.Field("title", Title(status));
  w.Field("status", status);
  w.Field("detail", detail);
  w.Field("code", code);
  if (!errors.empty()) {
    w.Key("errors").BeginArray();
    for (const FieldError& e : errors) {
      w.BeginObject().Field("field", e.field).Field("message", e.message).EndObject();
    }
    w.EndArray();
  }
  if (extra) extra(&w);
  w.EndObject();
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = w.Take();
  // 503 means "the same call may succeed later" (storage, overload, lag): say when to retry.
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kFailedPrecondition: return 409;
    // A stale If-Match is 412; other concurrency conflicts (expected stream version, a reused
    // idempotency key) are 409.
    case StatusCode::kAborted: return s.reason() == "version_conflict" ? 412 : 409;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kUnavailable: return s.reason() == "too_many_attempts" ? 429 : 503;
    case StatusCode::kCorruption: return 500;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

std::string_view ProblemCode(const Status& s) {
  return s.reason().empty() ? "internal" : std::string_view(s.reason());
}

Response Problem(const Status& s) {
  return Problem(s, nullptr);
}

Response Problem(const Status& s, const std::function<void(JsonWriter*)>& extra) {
  return Build(HttpStatusFor(s), ProblemCode(s), s.message(), s.field_errors(), extra);
}

Response Problem(int http_status, std::string_view code, std::string_view detail) {
  return Build(http_status, code, detail, {});
}

}  // namespace kaiin::http
