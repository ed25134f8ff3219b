// RocksDB's own diagnostics, written to stderr (WARN and above, one line each) instead of a LOG
// file in the data folder. On a full disk RocksDB's file logger fails, and Debian's librocksdb,
// built with assertions, then aborts the whole process at the next line it logs (its
// SstFileManager logs from a background thread while it waits for space): bench/full_disk.sh
// found it. Both stores of a tenant are opened with this logger by kaiind.
#pragma once

#include <memory>
#include <string>

namespace rocksdb {
class Logger;
}  // namespace rocksdb

namespace kaiin::ledger {

std::shared_ptr<rocksdb::Logger> StderrRocksLogger(std::string name);

}  // namespace kaiin::ledger
