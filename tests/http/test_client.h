// A blocking HTTP/1.1 client over loopback, for the tests that talk to a real socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

namespace kaiin::http {

// A blocking HTTP/1.1 client good enough for tests.
class Client {
 public:
  explicit Client(uint16_t port, int timeout_seconds = 10) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeout_seconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }

  // Whether every byte went out (the server may close early, after a 413: fine).
  bool Send(const std::string& raw) {
    size_t off = 0;
    while (off < raw.size()) {
      ssize_t n = send(fd_, raw.data() + off, raw.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += n;
    }
    return true;
  }

  // Reads one response: status code and body (by Content-Length). -1 on EOF.
  int Read(std::string* body, std::string* head = nullptr) {
    std::string buf = std::move(pending_);
    size_t header_end;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(&buf)) return -1;
    }
    const std::string h = buf.substr(0, header_end);
    size_t length = 0;
    const size_t cl = h.find("Content-Length: ");
    if (cl != std::string::npos) length = std::stoul(h.substr(cl + 16));
    while (buf.size() < header_end + 4 + length) {
      if (!Fill(&buf)) return -1;
    }
    *body = buf.substr(header_end + 4, length);
    pending_ = buf.substr(header_end + 4 + length);
    if (head) *head = h;
    return std::stoi(h.substr(9, 3));
  }

  // Reads everything until the server closes the connection.
  std::string ReadAll() {
    std::string out = std::move(pending_);
    while (Fill(&out)) {
    }
    return out;
  }

  bool Closed() {
    char c;
    return recv(fd_, &c, 1, 0) == 0;
  }

 private:
  bool Fill(std::string* buf) {
    char tmp[4096];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf->append(tmp, n);
    return true;
  }
  int fd_;
  bool connected_ = false;
  std::string pending_;
};

// One request's bytes. Adds Host and, with a body, Content-Length.
inline std::string RawRequest(const std::string& method, const std::string& target,
                              const std::string& body = "",
                              const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + body;
}

}  // namespace kaiin::http
