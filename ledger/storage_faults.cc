#include "ledger/storage_faults.h"

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

namespace kaiin::ledger {

// A writable file that refuses every byte while the switch is on.
class FaultyWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file, StorageFaults* faults,
                     bool log)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(faults), log_(log) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (log_) faults_->PassHold();
    if (Full()) return NoSpace();
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (log_) faults_->PassHold();
    if (Full()) return NoSpace();
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    if (Full()) return NoSpace();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    if (Full()) return NoSpace();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (Full()) return NoSpace();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (Full()) return NoSpace();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  bool Full() const { return faults_->no_space(); }
  rocksdb::IOStatus NoSpace() {
    faults_->refused_.fetch_add(1, std::memory_order_relaxed);
    return rocksdb::IOStatus::NoSpace("injected: no space left on device");
  }
  StorageFaults* faults_;
  bool log_;  // a write-ahead log file
};

// A table file whose block reads fail while the read-error switch is on.
class FaultyTableFile final : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  FaultyTableFile(std::unique_ptr<rocksdb::FSRandomAccessFile> file, StorageFaults* faults)
      : FSRandomAccessFileOwnerWrapper(std::move(file)), faults_(faults) {}

  rocksdb::IOStatus Read(uint64_t offset, size_t n, const rocksdb::IOOptions& options,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* dbg) const override {
    if (faults_->read_errors()) return Failed();
    return FSRandomAccessFileOwnerWrapper::Read(offset, n, options, result, scratch, dbg);
  }
  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    if (faults_->read_errors()) {
      for (size_t i = 0; i < num_reqs; ++i) reqs[i].status = Failed();
      return rocksdb::IOStatus::OK();  // as a file system answers: each request its own status
    }
    return FSRandomAccessFileOwnerWrapper::MultiRead(reqs, num_reqs, options, dbg);
  }

 private:
  rocksdb::IOStatus Failed() const {
    faults_->reads_failed_.fetch_add(1, std::memory_order_relaxed);
    return rocksdb::IOStatus::IOError("injected: input/output error");
  }
  StorageFaults* faults_;
};

class FaultyFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target, StorageFaults* faults)
      : FileSystemWrapper(target), faults_(faults) {}
  const char* Name() const override { return "KaiinFaultyFileSystem"; }

  rocksdb::IOStatus NewRandomAccessFile(const std::string& name,
                                        const rocksdb::FileOptions& options,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                                        rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewRandomAccessFile(name, options, result, dbg);
    if (s.ok() && name.ends_with(".sst")) {
      *result = std::make_unique<FaultyTableFile>(std::move(*result), faults_);
    }
    return s;
  }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    return Wrap(name, target()->NewWritableFile(name, options, result, dbg), result);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    return Wrap(name, target()->ReopenWritableFile(name, options, result, dbg), result);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    return Wrap(name, target()->ReuseWritableFile(name, old_name, options, result, dbg), result);
  }

 private:
  rocksdb::IOStatus Wrap(const std::string& name, rocksdb::IOStatus opened,
                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (!opened.ok()) return opened;
    if (faults_->no_space()) {  // as creat(2) on a full disk: nothing to write into
      result->reset();
      faults_->refused_.fetch_add(1, std::memory_order_relaxed);
      return rocksdb::IOStatus::NoSpace("injected: no space left on device");
    }
    const bool log = name.ends_with(".log");
    *result = std::make_unique<FaultyWritableFile>(std::move(*result), faults_, log);
    return opened;
  }
  StorageFaults* faults_;
};

StorageFaults::StorageFaults()
    : env_(rocksdb::NewCompositeEnv(
          std::make_shared<FaultyFileSystem>(rocksdb::FileSystem::Default(), this))) {}

StorageFaults::~StorageFaults() = default;

void StorageFaults::HoldLogAppends(bool on) {
  {
    std::lock_guard<std::mutex> lock(hold_mu_);
    hold_ = on;
  }
  hold_cv_.notify_all();
}

bool StorageFaults::WaitHeld(size_t n) {
  std::unique_lock<std::mutex> lock(hold_mu_);
  return hold_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return held_ >= n; });
}

void StorageFaults::PassHold() {
  std::unique_lock<std::mutex> lock(hold_mu_);
  if (!hold_) return;
  ++held_;
  hold_cv_.notify_all();
  hold_cv_.wait(lock, [this] { return !hold_; });
  --held_;
}

}  // namespace kaiin::ledger
