// The SIGKILL test through HTTP (issue 7): clients record payments with idempotency keys while
// kaiind is killed with SIGKILL and restarted, again and again; a client retries every request
// that got no answer, with the same key, until it is answered. Afterwards each payment is in
// the log exactly once, every member's balance matches the clients' own tally, and the
// auditor's verify passes (chain, ledger, projections rebuilt equal).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "replay/verify.h"
#include "tests/http/test_client.h"
#include "tests/test_util.h"

namespace kaiin::http {
namespace {

constexpr char kToken[] = "crash-test-token";
constexpr int kMembers = 8;
constexpr int kFee = 15000;

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Write-model snapshots while running, every this many events and without waiting for a quiet
// moment: kills land before, during and after their writes, and the starts after them load the
// latest that reached the disk.
constexpr char kSnapshotEvery[] = "25";

class Kaiind {
 public:
  Kaiind(std::string data_dir, uint16_t port) : data_dir_(std::move(data_dir)), port_(port) {}
  ~Kaiind() {
    if (pid_ > 0) Kill(SIGKILL);
  }

  // `bulk_min`: kaiind's --projection-bulk-min (0: its default). Waits until it is ready, unless
  // told not to.
  void Start(uint64_t bulk_min = 0, bool wait = true) {
    const std::string bulk = std::to_string(bulk_min);
    pid_ = fork();
    if (pid_ == 0) {
      // The access log goes to a file: nobody reads a pipe here, and a full one would stall.
      const std::string log = data_dir_ + "/../kaiind.log";
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      setenv("KAIIN_ADMIN_TOKEN", kToken, 1);
      const std::string listen = "127.0.0.1:" + std::to_string(port_);
      if (bulk_min > 0) {
        execl(KAIIND, "kaiind", "--data-dir", data_dir_.c_str(), "--listen", listen.c_str(),
              "--snapshot-every", kSnapshotEvery, "--snapshot-quiet-ms", "0",
              "--projection-bulk-min", bulk.c_str(), static_cast<char*>(nullptr));
      } else {
        execl(KAIIND, "kaiind", "--data-dir", data_dir_.c_str(), "--listen", listen.c_str(),
              "--snapshot-every", kSnapshotEvery, "--snapshot-quiet-ms", "0",
              static_cast<char*>(nullptr));
      }
      _exit(127);
    }
    if (!wait) return;
    for (int i = 0; i < 600; ++i) {  // up to 60 s for the start-up replay on a slow machine
      Client c(port_, 2);
      std::string body;
      if (c.connected() && c.Send(RawRequest("GET", "/readyz")) && c.Read(&body) == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "kaiind did not become ready";
  }

  // Returns the exit status (or the signal) as waitpid reports it.
  int Kill(int sig) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  std::string data_dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

// Sends one request on a fresh connection; -1 when no answer came (refused, reset, cut off).
int Send(uint16_t port, const std::string& method, const std::string& target,
         const std::string& body, std::string* answer, const std::string& key = "") {
  Client c(port, 5);
  if (!c.connected()) return -1;
  std::vector<std::pair<std::string, std::string>> headers{
      {"Authorization", std::string("Bearer ") + kToken}, {"Content-Type", "application/json"}};
  if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
  if (!c.Send(RawRequest(method, target, body, headers))) return -1;
  return c.Read(answer);
}

std::atomic<int> unanswered{0};  // requests sent again because no answer came

// Like Send, but retries until an answer that is not 503 comes (a restart takes a moment).
int Retry(uint16_t port, const std::string& method, const std::string& target,
          const std::string& body, std::string* answer, const std::string& key = "") {
  for (;;) {
    const int status = Send(port, method, target, body, answer, key);
    if (status != -1 && status != 503) return status;
    if (!key.empty()) unanswered.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string MemberId(int i) {
  std::string n = std::to_string(i + 1);
  return "m" + std::string(9 - n.size(), '0') + n;
}

int64_t NumberAfter(const std::string& body, const std::string& key, size_t from = 0) {
  const size_t at = body.find("\"" + key + "\":", from);
  if (at == std::string::npos) return -1;
  return std::atoll(body.c_str() + at + key.size() + 3);
}

TEST(HttpCrashTest, PaymentsRetriedAcrossKillsAreRecordedExactlyOnce) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  const uint16_t port = FreePort();
  Kaiind server(data, port);
  server.Start();
  const std::string t = "/v1/tenants/soc";
  std::string got;
  ASSERT_EQ(Retry(port, "PUT", t, R"({"name":"学会"})", &got), 201) << got;
  ASSERT_EQ(Retry(port, "PUT", t + "/member-types/regular", R"({"name":"正会員"})", &got), 201);
  ASSERT_EQ(Retry(port, "PUT", t + "/fee-schedules/2026", R"({"fees":{"regular":15000}})", &got), 200);
  std::string members;
  for (int i = 0; i < kMembers; ++i) {
    members += std::string(i ? "," : "") + R"({"email":"m)" + std::to_string(i) +
               R"(@example.jp","member_type":"regular","applied_on":"2020-04-01","admitted_on":"2020-04-01","name":{"family":"会員"}})";
  }
  ASSERT_EQ(Retry(port, "POST", t + "/member-imports", R"({"members":[)" + members + "]}", &got), 201) << got;
  ASSERT_EQ(Retry(port, "POST", t + "/invoice-batches",
                  R"({"fiscal_year":2026,"category":"annual","title":"2026年度年会費","issue_date":"2026-04-01","due_date":"2026-06-30"})",
                  &got),
            201)
      << got;
  const size_t at = got.find("\"batch_id\":\"") + 12;
  const std::string batch = got.substr(at, got.find('"', at) - at);
  ASSERT_EQ(Retry(port, "POST", t + "/invoice-batches/" + batch + "/confirm", "", &got), 200) << got;

  // Three clients pay until told to stop; each payment is retried with its key until answered.
  std::atomic<bool> stop{false};
  std::atomic<int> next{0};
  std::mutex mu;
  std::map<int, int64_t> paid;  // member -> the clients' tally
  int answered = 0, unexpected = 0;
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&] {
      while (!stop.load()) {
        const int i = next.fetch_add(1);
        const int member = i % kMembers;
        const int64_t amount = 1000 + (i * 37) % 4000;
        const std::string body = R"({"member_id":")" + MemberId(member) + R"(","amount":)" +
                                 std::to_string(amount) +
                                 R"(,"method":"bank_transfer","received_on":"2026-05-01","allocation":"oldest_first"})";
        std::string answer;
        const int status = Retry(port, "POST", t + "/payments", body, &answer, "pay-" + std::to_string(i));
        std::lock_guard<std::mutex> lock(mu);
        if (status == 201 || status == 200) {
          paid[member] += amount;
          ++answered;
        } else {
          ++unexpected;
          ADD_FAILURE() << "payment " << i << ": " << status << " " << answer;
        }
      }
    });
  }
  std::mt19937 rng(20261121);
  constexpr int kRounds = 8;
  // Every other restart finds the projection store gone and rebuilds it in bulk (the log read,
  // the rows built in memory, files ingested with the checkpoints) while the clients pay on; the
  // kill after such a restart comes 0–30 ms after it is ready, to land in the rebuild (which
  // starts as the server does). A last restart lets everything finish.
  // The first stop is a clean one (SIGTERM): it leaves a snapshot of the write model; kaiind
  // also takes one every kSnapshotEvery events while it runs. The starts after the kills load
  // the latest on the disk and replay only the events after it.
  for (int round = 0; round < kRounds; ++round) {
    const bool rebuilding = round % 2 == 0 && round > 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(rebuilding ? rng() % 30 : 200 + rng() % 500));
    if (round == 0) {
      const int status = server.Kill(SIGTERM);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    } else {
      const int status = server.Kill(SIGKILL);
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "round " << round;
    }
    if (round % 2 == 1) {
      std::filesystem::remove_all(data + "/tenants/soc/projections");
      server.Start(/*bulk_min=*/1);
    } else {
      server.Start();
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(unexpected, 0);
  EXPECT_GT(answered, kRounds);
  std::printf("%d payments answered, %d sends retried after no answer, %d kills\n", answered,
              unanswered.load(), kRounds);

  // Each payment once in the log (read page by page), with the tallied amounts.
  std::map<int, int64_t> logged;
  int recorded = 0;
  int64_t head = 0;
  for (std::string after = "0";;) {
    ASSERT_EQ(Retry(port, "GET", t + "/events?limit=1000&after=" + after, "", &got), 200);
    head = NumberAfter(got, "head", got.rfind("\"head\":"));
    for (size_t p = got.find("\"type\":\"PaymentRecorded\""); p != std::string::npos;
         p = got.find("\"type\":\"PaymentRecorded\"", p + 1)) {
      const size_t m = got.find("\"member_id\":\"", p) + 13;
      logged[std::atoi(got.c_str() + m + 1) - 1] += NumberAfter(got, "amount", p);
      ++recorded;
    }
    const size_t cursor = got.find("\"next_cursor\":\"");
    if (cursor == std::string::npos) break;
    after = got.substr(cursor + 15, got.find('"', cursor + 15) - cursor - 15);
  }
  EXPECT_EQ(recorded, answered);
  EXPECT_EQ(logged, paid);
  // Balances as the clients reckon them: oldest_first settles the fee, the rest is credit.
  for (int m = 0; m < kMembers; ++m) {
    ASSERT_EQ(Retry(port, "GET",
                    t + "/members/" + MemberId(m) + "?min_position=" + std::to_string(head), "",
                    &got),
              200);
    const size_t b = got.find("\"balance\":");
    EXPECT_EQ(NumberAfter(got, "outstanding", b), std::max<int64_t>(0, kFee - paid[m])) << got;
    EXPECT_EQ(NumberAfter(got, "credit", b), std::max<int64_t>(0, paid[m] - kFee)) << got;
  }
  const int status = server.Kill(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  replay::TenantReport report;
  ASSERT_TRUE(replay::VerifyTenant(data, "soc", dir.Sub("verify"), &report).ok());
  EXPECT_TRUE(report.ok()) << replay::FormatReport(report);
  EXPECT_NE(report.snapshot.find("equal to the log"), std::string::npos) << report.snapshot;
  // The starts after the first stop loaded the write model from a snapshot; only the very first
  // start replayed the log from the beginning. (kaiind's log is flushed once a second, so a kill
  // can take a start's line with it: counted loosely.)
  std::ifstream log(dir.path() + "/kaiind.log");
  int from_snapshot = 0, from_start = 0, taken_running = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("write model from the snapshot at") != std::string::npos) ++from_snapshot;
    if (line.find("write model replayed from") != std::string::npos) ++from_start;
    if (line.find("write-model snapshot at") != std::string::npos) ++taken_running;
  }
  EXPECT_GE(from_snapshot, 1);
  EXPECT_LE(from_start, 1);
  EXPECT_GE(taken_running, 1);
  std::printf("%d snapshots written while running; %d starts from a snapshot, %d from the start\n",
              taken_running, from_snapshot, from_start);
}

}  // namespace
}  // namespace kaiin::http
