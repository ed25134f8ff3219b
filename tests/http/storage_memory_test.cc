// A process's tenants have one memtable budget; the registry flushes quiet tenants while their
// memtables together are over it (http/tenant_registry.h, TenantRegistry::MemoryLoop).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/http/api_fixture.h"

namespace kaiin::http {
namespace {

using namespace std::chrono_literals;

TenantOptions SharedMemory(size_t memtable_bytes) {
  TenantOptions o;
  o.memory = ledger::StorageMemory::Shared(memtable_bytes, 1 << 20);
  o.memory_sweep = 10ms;
  o.memory_quiet = 0ms;
  return o;
}

uint64_t MemtableEntries(Tenant& t) {
  return t.log().Memory().memtable_entries + t.store().Memory().memtable_entries;
}

class StorageMemoryOverBudgetTest : public ApiFixture {
 protected:
  // One byte: any memtable holding anything is over it.
  StorageMemoryOverBudgetTest() : ApiFixture(SharedMemory(1)) {}
};

TEST_F(StorageMemoryOverBudgetTest, QuietTenantsAreFlushedAndKeepServing) {
  for (const char* id : {"a", "b"}) {
    const std::string base = std::string("/v1/tenants/") + id;
    ASSERT_EQ(Call("PUT", base, R"({"name":"Society"})").status, 201);
    ASSERT_EQ(Call("PUT", base + "/member-types/regular", R"({"name":"正会員"})").status, 201);
  }
  Tenant* a = tenants_.Find("a");
  Tenant* b = tenants_.Find("b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  // Until every memtable is empty (the projector's rows are flushed at a later sweep than the
  // commands' events): a bound for a loaded machine, not a measure of speed.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((MemtableEntries(*a) > 0 || MemtableEntries(*b) > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(MemtableEntries(*a), 0u);
  EXPECT_EQ(MemtableEntries(*b), 0u);
  EXPECT_GE(tenants_.memory_flushes(), 2u);
  // Flushed, not lost: the log and the read models still answer.
  Response types = Call("GET", "/v1/tenants/a/member-types");
  EXPECT_EQ(types.status, 200);
  EXPECT_TRUE(Has(types, "正会員")) << types.body;
  EXPECT_EQ(Call("PUT", "/v1/tenants/a/member-types/student", R"({"name":"学生会員"})").status,
            201);
  const std::string metrics = Call("GET", "/metrics", "", {}, false).body;
  EXPECT_TRUE(metrics.find("kaiin_storage_memtable_budget_bytes 1\n") != std::string::npos);
  EXPECT_TRUE(metrics.find("kaiin_storage_memtable_bytes{tenant=\"a\",store=\"log\"} ") !=
              std::string::npos)
      << metrics;
  EXPECT_TRUE(metrics.find("kaiin_storage_block_cache_bytes ") != std::string::npos);
}

class StorageMemoryWithinBudgetTest : public ApiFixture {
 protected:
  StorageMemoryWithinBudgetTest() : ApiFixture(SharedMemory(size_t{1} << 30)) {}
};

TEST_F(StorageMemoryWithinBudgetTest, NothingIsFlushedWhileTheMemtablesFitTheBudget) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/a", R"({"name":"Society"})").status, 201);
  std::this_thread::sleep_for(100ms);  // ten sweeps
  EXPECT_EQ(tenants_.memory_flushes(), 0u);
  EXPECT_GT(tenants_.Find("a")->log().Memory().memtable_entries, 0u);
}

}  // namespace
}  // namespace kaiin::http
