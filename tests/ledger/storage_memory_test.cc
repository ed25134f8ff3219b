// Logs opened with one StorageMemory read their tables through one block cache; a log reports
// its memtables and flushes them on request (ledger/storage_memory.h).
#include "ledger/storage_memory.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ledger/rocks_event_log.h"
#include "tests/test_util.h"

namespace kaiin::ledger {
namespace {

std::unique_ptr<RocksEventLog> OpenShared(const std::string& path, const StorageMemory& memory) {
  LogOptions o;
  o.tenant = "t";
  o.sync = false;
  o.memory = memory;
  auto log = RocksEventLog::Open(path, o);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return std::move(log).value();
}

void AppendEvents(RocksEventLog& log, int n) {
  CommandMeta meta;
  meta.actor = "test";
  meta.command_id = "cmd";
  for (int i = 0; i < n; ++i) {
    const std::string stream = "member-" + std::to_string(i);
    auto r = log.Append(meta, {stream, kNoStream,
                               {EventDraft{events::TenantConfigured{stream, 4, "UTC"}, 19000, 0}}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

TEST(StorageMemoryTest, TwoLogsReadTheirTablesThroughOneCache) {
  testing::TempDir dir_a, dir_b;
  const StorageMemory memory = StorageMemory::Shared(0, 8 << 20);
  auto a = OpenShared(dir_a.path(), memory);
  auto b = OpenShared(dir_b.path(), memory);
  AppendEvents(*a, 300);
  AppendEvents(*b, 300);
  EXPECT_GT(a->Memory().memtables, 0u);
  ASSERT_TRUE(a->FlushMemtables().ok());
  ASSERT_TRUE(b->FlushMemtables().ok());
  std::vector<events::RecordedEvent> read;
  const size_t before = memory.BlockCacheBytes();
  ASSERT_TRUE(a->ReadAfter(0, 1000, &read).ok());
  const size_t after_a = memory.BlockCacheBytes();
  EXPECT_GT(after_a, before);
  read.clear();
  ASSERT_TRUE(b->ReadAfter(0, 1000, &read).ok());
  EXPECT_EQ(read.size(), 300u);
  EXPECT_GT(memory.BlockCacheBytes(), after_a);
}

TEST(StorageMemoryTest, AFlushEmptiesTheMemtablesAndReadsGoThroughTheSharedCache) {
  testing::TempDir dir;
  const StorageMemory memory = StorageMemory::Shared(64 << 20, 8 << 20);
  {
    auto log = OpenShared(dir.path(), memory);
    AppendEvents(*log, 500);
    EXPECT_GE(log->Memory().memtable_entries, 1000u);  // an event and its stream entry each
    ASSERT_TRUE(log->FlushMemtables().ok());
    EXPECT_EQ(log->Memory().memtable_entries, 0u);
    const size_t cached = memory.BlockCacheBytes();  // what opening the new table read
    std::vector<events::RecordedEvent> read;
    ASSERT_TRUE(log->ReadAfter(0, 1000, &read).ok());
    ASSERT_EQ(read.size(), 500u);  // from the table file now
    EXPECT_GT(memory.BlockCacheBytes(), cached);
  }
  // Flushed, not lost.
  auto log = OpenShared(dir.path(), memory);
  EXPECT_EQ(log->Head(), 500u);
  ChainReport report;
  ASSERT_TRUE(log->VerifyChain(&report).ok());
  EXPECT_TRUE(report.ok());
}

}  // namespace
}  // namespace kaiin::ledger
