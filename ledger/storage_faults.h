// StorageFaults: a switch that makes the stores opened with it behave as on a full disk.
//
// Both RocksDB instances of a tenant (its event log and its projection store) can be opened on
// the environment this gives out; while `SetNoSpace(true)` holds, every file write, sync and
// file creation answers "no space left on device", as the kernel would. The tests use it to prove
// that a full disk answers 503 to commands, keeps queries serving, and loses or duplicates
// nothing when space returns (docs/architecture.md, "Storage faults"). While `SetReadErrors(true)`
// holds, every read of a table file's blocks (*.sst) answers an I/O error instead: a failing disk
// under the stores' point reads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace kaiin::ledger {

class StorageFaults {
 public:
  StorageFaults();
  ~StorageFaults();
  StorageFaults(const StorageFaults&) = delete;
  StorageFaults& operator=(const StorageFaults&) = delete;

  void SetNoSpace(bool on) { no_space_.store(on, std::memory_order_release); }
  bool no_space() const { return no_space_.load(std::memory_order_acquire); }
  // How many writes were refused so far.
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  void SetReadErrors(bool on) { read_errors_.store(on, std::memory_order_release); }
  bool read_errors() const { return read_errors_.load(std::memory_order_acquire); }
  // How many reads failed so far.
  uint64_t reads_failed() const { return reads_failed_.load(std::memory_order_relaxed); }

  // While on, an append to a write-ahead log file (*.log) waits until it is off again, then
  // goes on as the no-space switch then says: a write held on its way to the disk, so that a
  // test can act while it is in flight.
  void HoldLogAppends(bool on);
  // Waits until `n` appends are being held; false if that did not happen within ~10 s.
  bool WaitHeld(size_t n);

  // The environment to open RocksDB with; lives as long as this object.
  rocksdb::Env* env() const { return env_.get(); }

 private:
  friend class FaultyFileSystem;
  friend class FaultyWritableFile;
  friend class FaultyTableFile;
  void PassHold();  // an append to a log file: waits while held
  std::mutex hold_mu_;
  std::condition_variable hold_cv_;
  bool hold_ = false;
  size_t held_ = 0;
  std::atomic<bool> no_space_{false};
  std::atomic<uint64_t> refused_{0};
  std::atomic<bool> read_errors_{false};
  std::atomic<uint64_t> reads_failed_{0};
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace kaiin::ledger
