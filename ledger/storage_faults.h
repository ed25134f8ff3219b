// StorageFaults: a switch that makes the stores opened with it behave as on a full disk.
//
// Both RocksDB instances of a tenant (its event log and its projection store) can be opened on
// the environment this gives out; while `SetNoSpace(true)` holds, every file write, sync and
// file creation answers "no space left on device", as the kernel would. Reads are untouched. The
// tests use it to prove that a full disk answers 503 to commands, keeps queries serving, and
// loses or duplicates nothing when space returns (docs/architecture.md, "Storage faults").
#pragma once

#include <atomic>
#include <memory>

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

  // The environment to open RocksDB with; lives as long as this object.
  rocksdb::Env* env() const { return env_.get(); }

 private:
  friend class FaultyFileSystem;
  friend class FaultyWritableFile;
  std::atomic<bool> no_space_{false};
  std::atomic<uint64_t> refused_{0};
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace kaiin::ledger
