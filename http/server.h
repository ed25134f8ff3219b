// The HTTP/1.1 server (Boost.Beast, async, keep-alive). It does I/O only: each request is
// converted to an http::Request and handed to the handler, whose Responder may answer from any
// thread. Every read has a deadline and a header and body limit; an oversized body is answered
// 413, oversized headers 431, a malformed request 400, all as problem+json, and the connection is
// closed. Listen on loopback unless a proxy in front of it terminates TLS.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "events/status.h"
#include "http/message.h"

namespace kaiin::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see Server::port)
  int threads = 2;
  size_t request_body_bytes_max = 1 << 20;
  size_t request_header_bytes_max = 16 << 10;
  std::chrono::seconds read_timeout{30};   // a whole request, headers and body
  std::chrono::seconds write_timeout{30};
};

class Server {
 public:
  using Handler = std::function<void(const Request&, Responder)>;
  Server(ServerOptions options, Handler handler);
  ~Server();

  Status Start();  // binds, listens and starts the I/O threads
  uint16_t port() const;
  void Stop();  // stops accepting, stops the I/O threads; idempotent

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kaiin::http
