// kill -9 at random moments while 8 threads append (DESIGN.md §6): after each restart every
// acknowledged command is present exactly once and whole, positions are gapless, the hash chain
// holds, idempotency keys survive, and kaiin-replay's verify passes (projections included).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "events/codec.h"
#include "ledger/data_layout.h"
#include "ledger/rocks_event_log.h"
#include "replay/verify.h"
#include "tests/test_util.h"

namespace kaiin {
namespace {

struct Ack {
  std::string key;
  uint64_t first = 0;
  uint64_t last = 0;
};

// How long a child may take to open the tenant (a recovery on a loaded machine) before the test
// gives up on it.
constexpr std::chrono::seconds kOpenLimit{60};

// Runs the child, kills it with SIGKILL `run_ms` after it started (`from_ready` false: the kill
// may land while it opens the tenant) or after it said "ready" (true: it is appending), and
// returns what it acknowledged. *ready_ms: when it said "ready", in ms after the start (-1: it
// did not before the kill).
std::vector<Ack> RunAndKill(const std::string& data_dir, int round, int run_ms, bool from_ready,
                            int* ready_ms) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execl(KAIIN_CRASH_CHILD, "kaiin_crash_child", data_dir.c_str(),
          std::to_string(round).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  // Drain the pipe while the child runs: a full pipe would stall its writers, and the kill would
  // then land while nothing is being appended.
  std::string out;
  char buf[65536];
  const auto started = std::chrono::steady_clock::now();
  *ready_ms = -1;
  auto deadline = from_ready ? started + kOpenLimit : started + std::chrono::milliseconds(run_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fds[0], POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n <= 0) break;  // the child died early: the status check below reports it
    out.append(buf, n);
    if (*ready_ms < 0 && out.find("ready\n") != std::string::npos) {
      const auto now = std::chrono::steady_clock::now();
      *ready_ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count());
      if (from_ready) deadline = now + std::chrono::milliseconds(run_ms);
    }
  }
  EXPECT_TRUE(!from_ready || *ready_ms >= 0) << "the child did not open the tenant within "
                                    << kOpenLimit.count() << " s";
  kill(pid, SIGKILL);
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) out.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child ended on its own (status " << status << ")";
  // "ack KEY FIRST LAST" lines, among whatever else the child logs; a last line the kill cut
  // short (no newline) is not one.
  std::vector<Ack> acks;
  out.erase(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string word;
    Ack a;
    if (fields >> word >> a.key >> a.first >> a.last && word == "ack") acks.push_back(a);
  }
  return acks;
}

TEST(CrashTest, KillNineLosesNoAcknowledgedCommandAndDuplicatesNone) {
  testing::TempDir dir;
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  constexpr int kRounds = 8;
  std::vector<Ack> all_acks;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Odd rounds count from the start, so some kills land while the tenant opens (on a loaded
    // machine an open can outlast the whole run); even rounds count from "ready", so every run
    // of the test kills children that are appending.
    const bool from_ready = round % 2 == 0;
    const int run_ms = std::uniform_int_distribution<int>(150, 700)(rng);
    int ready_ms = -1;
    std::vector<Ack> acks = RunAndKill(dir.path(), round, run_ms, from_ready, &ready_ms);
    all_acks.insert(all_acks.end(), acks.begin(), acks.end());

    ledger::LogOptions o;
    o.tenant = "crash";
    auto opened = ledger::RocksEventLog::Open(ledger::TenantLogPath(dir.path(), "crash"), o);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto& log = *opened;
    // Every acknowledged command, from every round so far, is there and whole.
    for (const Ack& a : all_acks) {
      ASSERT_EQ(a.last, a.first + 1);
      ASSERT_LE(a.last, log->Head()) << a.key << " was acknowledged but is gone";
      std::vector<events::RecordedEvent> two;
      ASSERT_TRUE(log->ReadAfter(a.first - 1, 2, &two).ok());
      ASSERT_EQ(two.size(), 2u);
      for (const auto& r : two) {
        events::Envelope env;
        ASSERT_TRUE(events::DecodeEnvelope(r.bytes, &env).ok());
        ASSERT_EQ(env.meta.command_id, a.key) << "position " << r.position;
      }
    }
    // No command is there twice or in part: every command id appears exactly twice.
    std::map<std::string, int> per_command;
    for (uint64_t after = 0;;) {
      std::vector<events::RecordedEvent> page;
      ASSERT_TRUE(log->ReadAfter(after, 5000, &page).ok());
      if (page.empty()) break;
      for (const auto& r : page) {
        events::Envelope env;
        ASSERT_TRUE(events::DecodeEnvelope(r.bytes, &env).ok());
        ++per_command[env.meta.command_id];
      }
      after = page.back().position;
    }
    for (const auto& [id, n] : per_command) ASSERT_EQ(n, 2) << id;
    ledger::ChainReport chain;
    ASSERT_TRUE(log->VerifyChain(&chain).ok());
    ASSERT_TRUE(chain.ok()) << chain.problems[0];
    // The idempotency key of an acknowledged command survived the crash.
    if (!acks.empty()) {
      const Ack& a = acks.back();
      ledger::CommandMeta meta;
      meta.command_id = meta.idempotency_key = a.key;
      meta.fingerprint = events::Sha256(a.key);
      auto retry = log->Append(meta, {"acct-0", ledger::kAnyVersion,
                                      {{events::TenantConfigured{"dup", 4, "UTC"}, 0, 0}}});
      ASSERT_TRUE(retry.ok());
      EXPECT_TRUE(retry->replayed);
      EXPECT_EQ(retry->first_position, a.first);
    }
    std::printf("round %d: ready after %d ms, killed %d ms after %s, %zu acknowledged this "
                "round, head %llu\n",
                round, ready_ms, run_ms, from_ready ? "ready" : "the start", acks.size(),
                static_cast<unsigned long long>(log->Head()));
    log.reset();

    replay::TenantReport report;
    Status verified = replay::VerifyTenant(dir.path(), "crash", dir.Sub("scratch"), &report);
    ASSERT_TRUE(verified.ok()) << verified.ToString();
    ASSERT_TRUE(report.ok()) << replay::FormatReport(report);
  }
  EXPECT_GT(all_acks.size(), 0u) << "the child acknowledged nothing: the test proved nothing";
}

}  // namespace
}  // namespace kaiin
