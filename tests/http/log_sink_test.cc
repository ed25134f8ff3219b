#include "http/log_sink.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>

#include "tests/test_util.h"

namespace kaiin::http {
namespace {

// kaiind's log and RocksDB's warnings share a file when stdout and stderr both go to it: the
// sink's writes must end at line ends, so that a line written beside them (here, straight to
// the file between log lines, as RocksDB's logger writes stderr) never lands inside one.
TEST(WholeLineSinkTest, WritesOnlyWholeLinesBesideAnotherWriter) {
  testing::TempDir dir;
  const std::string path = dir.Sub("kaiind.log");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  ASSERT_GE(fd, 0);
  const int other = ::dup(fd);  // stderr beside stdout: one open file
  const std::string warning = "[rocksdb] warning\n";
  {
    auto sink = std::make_shared<WholeLineSink>(fd);
    sink->set_pattern("%v");
    spdlog::logger logger("test", sink);
    // Lines of varied lengths, far more than one write's worth (kWriteBytes), a flush in the
    // middle of them (kaiind's once-a-second flush), and a line written straight to the file
    // after every 100th, as RocksDB's logger writes stderr while the log gathers.
    for (int i = 0; i < 20000; ++i) {
      logger.info("line {} {}", i, std::string(static_cast<size_t>(i % 97), 'x'));
      if (i == 7777) logger.flush();
      if (i % 100 == 0) {
        ASSERT_EQ(::write(other, warning.data(), warning.size()),
                  static_cast<ssize_t>(warning.size()));
      }
    }
  }
  ::close(other);
  ::close(fd);

  std::ifstream in(path);
  std::string line;
  int next = 0, others = 0;
  while (std::getline(in, line)) {
    if (line + "\n" == warning) {
      ++others;
      continue;
    }
    // Every line of the sink whole and in order.
    ASSERT_EQ(line, "line " + std::to_string(next) + " " +
                        std::string(static_cast<size_t>(next % 97), 'x'));
    ++next;
  }
  EXPECT_EQ(next, 20000);
  EXPECT_EQ(others, 200);
}

// What is logged before the sink goes (a stop's last lines) is written then.
TEST(WholeLineSinkTest, WritesWhatIsLeftWhenItGoes) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  {
    auto sink = std::make_shared<WholeLineSink>(pipe_fds[1]);
    sink->set_pattern("%v");
    spdlog::logger logger("test", sink);
    logger.info("stopped cleanly");
  }
  ::close(pipe_fds[1]);
  char buf[64] = {};
  const ssize_t n = ::read(pipe_fds[0], buf, sizeof(buf) - 1);
  ::close(pipe_fds[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "stopped cleanly\n");
}

// Someone watching a terminal sees each line as it comes, not a second later.
TEST(WholeLineSinkTest, WritesEachLineAtOnceToATerminal) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) GTEST_SKIP() << "this machine gives no pseudo-terminal";
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(terminal, 0);
  auto sink = std::make_shared<WholeLineSink>(terminal);
  sink->set_pattern("%v");
  spdlog::logger logger("test", sink);
  logger.info("kaiind listening");  // no flush
  // Written by now; the wait only keeps a failure from blocking the read forever.
  pollfd ready{master, POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 10000), 1) << "nothing written to the terminal";
  char buf[64] = {};
  const ssize_t n = ::read(master, buf, sizeof(buf) - 1);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0).substr(0, 16), "kaiind listening");
  ::close(terminal);
  ::close(master);
}

}  // namespace
}  // namespace kaiin::http
