#include "http/log_sink.h"

#include <unistd.h>

#include <cerrno>

namespace kaiin::http {

WholeLineSink::WholeLineSink(int fd) : fd_(fd), terminal_(::isatty(fd) == 1) {}

WholeLineSink::~WholeLineSink() { WritePending(); }

void WholeLineSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  pending_.append(line.data(), line.size());
  if (terminal_ || pending_.size() >= kWriteBytes) WritePending();
}

void WholeLineSink::flush_() { WritePending(); }

void WholeLineSink::WritePending() {
  size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nowhere to write the log: drop it rather than stop serving
    done += static_cast<size_t>(n);
  }
  pending_.clear();
}

}  // namespace kaiin::http
