#include "ledger/rocks_logger.h"

#include <rocksdb/env.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace kaiin::ledger {
namespace {

class StderrLogger final : public rocksdb::Logger {
 public:
  explicit StderrLogger(std::string name)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), name_(std::move(name)) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    const int n = std::vsnprintf(line, sizeof(line), format, ap);
    int end = std::min<int>(n, sizeof(line) - 1);
    while (end > 0 && line[end - 1] == '\n') --end;  // some of RocksDB's lines end in one
    std::fprintf(stderr, "[rocksdb %s] %.*s\n", name_.c_str(), end, line);  // unbuffered
  }

 private:
  std::string name_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> StderrRocksLogger(std::string name) {
  return std::make_shared<StderrLogger>(std::move(name));
}

}  // namespace kaiin::ledger
