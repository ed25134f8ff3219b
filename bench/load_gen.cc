// kaiin-load: an open-loop HTTP load at a fixed rate, for the long mixed-traffic run
// (bench/load_10min.sh). Each of C connections sends its share of the rate on a fixed schedule;
// a request's latency counts from the moment it was due, not from when it was sent, so a stall
// of the server shows in the percentiles (no coordinated omission). 80% of the requests are
// queries (member view, arrears page, fiscal-year summary), 20% payments with their own
// Idempotency-Key. Every report interval it prints the requests, errors, p50/p99 and the
// server's resident memory (from /proc/PID/status).
//
//   kaiin-load --port P --token T --tenant T --members N --rate R --seconds S --connections C
//              --pid PID [--report 10] [--query PATH] [--key-prefix K]
//
// With --query, every request is `GET /v1/tenants/T/PATH` instead of the mix; `{member}` in PATH
// is replaced by a member id that changes from request to request (for the query targets of
// DESIGN.md §5, e.g. --query 'members/{member}' or --query 'arrears?limit=100').
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  int port = 8080;
  std::string token, tenant = "bench";
  long members = 1000;
  double rate = 1000;
  int seconds = 600, connections = 8, report = 10;
  long pid = 0;
  std::string query;  // empty: the 80/20 mix
  // Begins every payment's Idempotency-Key; a new one each run (the start time), so that a
  // second run on the same folder records payments instead of replaying the first run's.
  std::string key_prefix = std::to_string(
      std::chrono::system_clock::now().time_since_epoch() / std::chrono::milliseconds(1));
};

struct Window {  // what happened in one report interval
  std::mutex mu;
  std::vector<uint32_t> latency_us;
  long requests = 0, errors = 0, commands = 0;
};

class Connection {
 public:
  explicit Connection(int port) : port_(port) {}
  ~Connection() { Close(); }

  // Sends one request and reads its answer; returns the status, or -1 (the connection is reset).
  int RoundTrip(const std::string& request) {
    if (fd_ < 0 && !Connect()) return -1;
    for (size_t off = 0; off < request.size();) {
      const ssize_t n = send(fd_, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return Fail();
      off += n;
    }
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return Fail();
    }
    size_t length = 0;
    const size_t cl = buf_.find("Content-Length: ");
    if (cl != std::string::npos && cl < end) length = std::strtoul(buf_.c_str() + cl + 16, nullptr, 10);
    if (buf_.find("Transfer-Encoding: chunked") < end) return Fail();  // not used by this load
    while (buf_.size() < end + 4 + length) {
      if (!Fill()) return Fail();
    }
    const int status = std::atoi(buf_.c_str() + 9);
    last_body_ = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return status;
  }

 private:
  bool Connect() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      Close();
      return false;
    }
    return true;
  }
  bool Fill() {
    char tmp[16384];
    const ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, n);
    return true;
  }
  int Fail() {
    Close();
    return -1;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buf_.clear();
  }

 public:
  std::string last_body_;  // of the last answer

 private:
  int port_;
  int fd_ = -1;
  std::string buf_;
};

std::string MemberId(long i) {
  char b[24];
  std::snprintf(b, sizeof(b), "m%09ld", i);
  return b;
}

std::string Request(const Flags& f, int conn, long n) {
  const std::string t = "/v1/tenants/" + f.tenant;
  const std::string auth = "Authorization: Bearer " + f.token + "\r\n";
  const long member = (n * 7919 + conn * 104729) % f.members + 1;
  const int kind = static_cast<int>((n * 31 + conn) % 10);
  std::string target;
  if (!f.query.empty()) {
    target = t + "/" + f.query;
    if (const size_t at = target.find("{member}"); at != std::string::npos) {
      target.replace(at, 8, MemberId(member));
    }
    return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n";
  }
  if (kind < 2) {
    char body[256];
    const int len = std::snprintf(
        body, sizeof(body),
        R"({"member_id":"%s","amount":1000,"method":"bank_transfer","received_on":"2026-05-01","allocation":"oldest_first"})",
        MemberId(member).c_str());
    return "POST " + t + "/payments HTTP/1.1\r\nHost: x\r\n" + auth +
           "Content-Type: application/json\r\nIdempotency-Key: load-" + f.key_prefix + "-" +
           std::to_string(conn) + "-" +
           std::to_string(n) + "\r\nContent-Length: " + std::to_string(len) + "\r\n\r\n" + body;
  }
  if (kind < 6) {
    target = t + "/members/" + MemberId(member);
  } else if (kind < 8) {
    target = t + "/arrears?fiscal_year=2026&limit=50";
  } else {
    target = t + "/fiscal-years/2026/summary";
  }
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n";
}

long RssKiB(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

uint32_t Percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()));
  std::nth_element(v.begin(), v.begin() + i, v.end());
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--port") f.port = std::atoi(v.c_str());
    else if (a == "--token") f.token = v;
    else if (a == "--tenant") f.tenant = v;
    else if (a == "--members") f.members = std::atol(v.c_str());
    else if (a == "--rate") f.rate = std::atof(v.c_str());
    else if (a == "--seconds") f.seconds = std::atoi(v.c_str());
    else if (a == "--connections") f.connections = std::atoi(v.c_str());
    else if (a == "--pid") f.pid = std::atol(v.c_str());
    else if (a == "--report") f.report = std::atoi(v.c_str());
    else if (a == "--query") f.query = v;
    else if (a == "--key-prefix") f.key_prefix = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  Window window;
  std::vector<uint32_t> all;
  long total = 0, total_errors = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(f.seconds);
  const auto interval = std::chrono::duration<double>(f.connections / f.rate);
  std::atomic<int> reported{0};  // errors printed (the first few)
  std::vector<std::thread> threads;
  for (int c = 0; c < f.connections; ++c) {
    threads.emplace_back([&, c] {
      Connection conn(f.port);
      auto due = start + std::chrono::duration_cast<Clock::duration>(interval * c / f.connections);
      for (long n = 0; due < end; ++n) {
        std::this_thread::sleep_until(due);
        const std::string request = Request(f, c, n);
        const int status = conn.RoundTrip(request);
        if ((status < 200 || status > 299) && reported.fetch_add(1) < 5) {
          std::fprintf(stderr, "error %d: %s -> %s\n", status,
                       request.substr(0, request.find('\r')).c_str(), conn.last_body_.c_str());
        }
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due);
        {
          std::lock_guard<std::mutex> lock(window.mu);
          window.latency_us.push_back(static_cast<uint32_t>(us.count()));
          ++window.requests;
          if (status < 200 || status > 299) ++window.errors;
        }
        due += std::chrono::duration_cast<Clock::duration>(interval);
      }
    });
  }
  std::printf("| t (s) | requests | errors | p50 ms | p99 ms | max ms | kaiind RSS MiB |\n"
              "|---|---|---|---|---|---|---|\n");
  for (int t = f.report; t <= f.seconds; t += f.report) {
    std::this_thread::sleep_until(start + std::chrono::seconds(t));
    std::vector<uint32_t> lat;
    long requests, errors;
    {
      std::lock_guard<std::mutex> lock(window.mu);
      lat.swap(window.latency_us);
      requests = window.requests;
      errors = window.errors;
      window.requests = window.errors = 0;
    }
    all.insert(all.end(), lat.begin(), lat.end());
    total += requests;
    total_errors += errors;
    const uint32_t max = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
    std::printf("| %d | %ld | %ld | %.2f | %.2f | %.1f | %.1f |\n", t, requests, errors,
                Percentile(lat, 50) / 1000.0, Percentile(lat, 99) / 1000.0, max / 1000.0,
                f.pid ? RssKiB(f.pid) / 1024.0 : 0.0);
    std::fflush(stdout);
  }
  for (auto& th : threads) th.join();
  {
    std::lock_guard<std::mutex> lock(window.mu);
    all.insert(all.end(), window.latency_us.begin(), window.latency_us.end());
    total += window.requests;
    total_errors += window.errors;
  }
  std::vector<uint32_t> copy = all;
  std::printf("\ntotal: %ld requests in %d s (%.0f/s), %ld errors; p50 %.2f ms, p99 %.2f ms, "
              "p99.9 %.2f ms\n",
              total, f.seconds, total / static_cast<double>(f.seconds), total_errors,
              Percentile(copy, 50) / 1000.0, Percentile(copy, 99) / 1000.0,
              Percentile(copy, 99.9) / 1000.0);
  return total_errors == 0 ? 0 : 1;
}
