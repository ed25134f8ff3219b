#include "http/server.h"

#include <pthread.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>
#include <vector>

#include "http/problem.h"

namespace kaiin::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Each connection runs on a strand of the server's io_context, named by its concrete type: with
// beast::tcp_stream's type-erased executor (net::any_io_executor) every handler's hand-off went
// through a copy of that executor, a shared count and indirect calls.
using Executor = net::strand<net::io_context::executor_type>;
using Socket = tcp::socket::rebind_executor<Executor>::other;
using Stream = beast::basic_stream<tcp, Executor>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket&& socket, const ServerOptions* options, const Server::Handler* handler)
      : stream_(std::move(socket)), options_(options), handler_(handler) {
    // Once per connection, not once per request (a system call each).
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string();
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(options_->request_body_bytes_max);
    parser_->header_limit(static_cast<uint32_t>(options_->request_header_bytes_max));
    stream_.expires_after(options_->read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->OnRead(ec);
                      });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream) return DoClose();
    if (ec == bhttp::error::body_limit) {
      return Write(Problem(413, "body_too_large",
                           "the request body exceeds " +
                               std::to_string(options_->request_body_bytes_max) + " bytes"),
                   /*close=*/true);
    }
    if (ec == bhttp::error::header_limit) {
      return Write(Problem(431, "headers_too_large", "the request headers are too large"), true);
    }
    if (ec == beast::error::timeout) return DoClose();  // slow or idle client
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return Write(Problem(400, "bad_request", "malformed HTTP request: " + ec.message()), true);
    }
    if (ec) return DoClose();

    bhttp::request<bhttp::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    Request r;
    r.method = std::string(req.method_string().data(), req.method_string().size());
    if (!r.SetTarget(std::string_view(req.target().data(), req.target().size()))) {
      return Write(Problem(400, "bad_request", "malformed request target"), true);
    }
    for (const auto& field : req) {
      std::string name(field.name_string().data(), field.name_string().size());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers.emplace_back(std::move(name),
                             std::string(field.value().data(), field.value().size()));
    }
    r.body = std::move(req.body());
    r.remote = remote_;
    // An answer given at once (a query, most often) is written at once, on this thread; one
    // given later on another thread (a command's, once durable) comes through the session's
    // strand. A post for every answer cost a hand-off through the scheduler, and often a wake-up
    // of the other I/O thread.
    (*handler_)(r, [self = shared_from_this()](Response res) {
      net::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->Write(std::move(res), false);
      });
    });
  }

  void Write(Response res, bool close) {
    if (res.stream) return WriteStreamed(std::move(res));
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(res.status));
    for (auto& [k, v] : res.headers) response_.set(k, v);
    response_.keep_alive(keep_alive_ && !close);
    // A 304 has no body and says nothing of one: no Content-Type, and no Content-Length (which
    // would have to be the 200's length; RFC 9110 §15.4.5).
    if (res.status != 304) {
      response_.set(bhttp::field::content_type, res.content_type);
      response_.body() = std::move(res.body);
      response_.prepare_payload();
    }
    stream_.expires_after(options_->write_timeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->DoClose();
                         if (!self->response_.keep_alive()) return self->DoClose();
                         self->DoRead();
                       });
  }

  // A chunked answer: the header, then each chunk the generator gives, then the last chunk.
  void WriteStreamed(Response res) {
    generator_ = std::move(res.stream);
    pending_chunk_ = std::move(res.body);
    header_.emplace();
    header_->version(version_);
    header_->result(static_cast<unsigned>(res.status));
    header_->set(bhttp::field::content_type, res.content_type);
    for (auto& [k, v] : res.headers) header_->set(k, v);
    header_->keep_alive(keep_alive_);
    header_->chunked(true);
    serializer_.emplace(*header_);
    stream_.expires_after(options_->write_timeout);
    bhttp::async_write_header(stream_, *serializer_,
                              [self = shared_from_this()](beast::error_code ec, size_t) {
                                if (ec) return self->DoClose();
                                self->WriteNextChunk();
                              });
  }

  void WriteNextChunk() {
    Response::Chunk step = Response::Chunk::kMore;
    while (pending_chunk_.empty() && step == Response::Chunk::kMore) {
      step = generator_(&pending_chunk_);
    }
    if (step == Response::Chunk::kFailed) {
      // No last chunk: the client sees the connection end inside the body, not a whole file.
      generator_ = nullptr;
      pending_chunk_.clear();
      return DoClose();
    }
    stream_.expires_after(options_->write_timeout);
    if (pending_chunk_.empty()) {
      net::async_write(stream_, bhttp::make_chunk_last(),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         self->generator_ = nullptr;
                         if (ec || !self->keep_alive_) return self->DoClose();
                         self->DoRead();
                       });
      return;
    }
    chunk_ = std::move(pending_chunk_);
    pending_chunk_.clear();
    if (step == Response::Chunk::kLast) {
      generator_ = [](std::string*) { return Response::Chunk::kLast; };
    }
    net::async_write(stream_, bhttp::make_chunk(net::buffer(chunk_)),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->DoClose();
                       self->WriteNextChunk();
                     });
  }

  void DoClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  std::optional<bhttp::response<bhttp::empty_body>> header_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer_;
  std::function<Response::Chunk(std::string*)> generator_;
  std::string chunk_, pending_chunk_;
  const ServerOptions* options_;
  const Server::Handler* handler_;
  std::string remote_;  // the peer's address, empty if it could not be read
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;

  void DoAccept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, Socket s) {
      if (ec == net::error::operation_aborted) return;  // the acceptor was closed
      if (!ec) std::make_shared<Session>(std::move(s), &options, &handler)->Run();
      DoAccept();
    });
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

Server::~Server() { Stop(); }

Status Server::Start() {
  beast::error_code ec;
  const auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::InvalidArgument("invalid_listen", "invalid listen address");
  const tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("listen_failed", "cannot listen: " + ec.message());
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->DoAccept();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), "kaiin-http");  // as top -H and perf show it
      impl_->ioc.run();
    });
  }
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->port; }

void Server::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  net::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace kaiin::http
