// Plain request and response values: handlers are functions from Request to Response and never
// see Beast, so they can be tested without sockets (server.cc converts at the edge).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kaiin::http {

struct Request {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // "/v1/tenants/abc/events", without the query
  std::vector<std::pair<std::string, std::string>> query;    // percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;  // the peer's address, for login throttling

  std::optional<std::string_view> Header(std::string_view lower_name) const;
  std::optional<std::string_view> Query(std::string_view name) const;
  // Splits "path?query" into path and decoded query pairs. False if the target is malformed.
  bool SetTarget(std::string_view target);
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A streamed body (chunked transfer encoding), for answers too large to build in memory: the
  // server calls it until it returns kLast, sending each non-empty chunk as it comes. `body` is
  // sent first if not empty. kFailed (a read failed half-way): the chunk is dropped and the
  // connection closed without the last chunk, so the client knows the body is cut short; the
  // status line has gone out already and cannot say so.
  enum class Chunk { kMore, kLast, kFailed };
  std::function<Chunk(std::string* chunk)> stream;

  // The first header of that name, as the handler wrote it ("ETag").
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Handlers answer through a Responder, exactly once, from any thread: commands are answered by
// the tenant's writer thread once their events are durable.
using Responder = std::function<void(Response)>;

Response JsonResponse(int status, std::string body);

}  // namespace kaiin::http
