// The sink of kaiind's own log (spdlog): lines gathered in memory and written to a file
// descriptor (stdout) in whole lines only.
//
// The access log writes a line per request, and a write(2) per line (spdlog's stdout sinks flush
// each line) is a cost on the command path; so lines are gathered and written when 64 KiB have
// come, and whenever spdlog flushes (kaiind: every second, and at once for a warning). Each
// write(2) ends at the end of a line, so RocksDB's warnings, which go to stderr as they come
// (ledger/rocks_logger.h), land between lines when both streams share a file; stdio's buffer,
// used before, was written in 4 KiB pieces that cut lines in two. A kill -9 may lose the lines
// not yet written, never a command. On a terminal each line is written as it comes.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <mutex>
#include <string>

namespace kaiin::http {

class WholeLineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr size_t kWriteBytes = size_t{64} << 10;

  explicit WholeLineSink(int fd);
  ~WholeLineSink() override;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void WritePending();

  const int fd_;
  const bool terminal_;  // someone reads as it comes: no gathering
  std::string pending_;  // whole lines not yet written
};

}  // namespace kaiin::http
