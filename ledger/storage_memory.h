// StorageMemory: the memory every tenant's RocksDB databases share in one process, so that it is
// bounded by the process and not by the number of tenants. Without it each tenant's log and
// projection store hold their own memtable budget (64 MiB each) and one 8 MiB block cache per
// column family, and an idle society with a few thousand members cost kaiind ~19 MiB
// (docs/benchmarks.md, "Many tenants in one process").
//
// - memtable_budget: what all tenants' memtables together may hold. Each store keeps its own
//   64 MiB bound while it writes, as before; kaiind's tenant registry flushes quiet tenants
//   while the sum over all stores is over the budget (http/tenant_registry.h), so a society gone
//   quiet gives back what it wrote. RocksDB's WriteBufferManager was tried for this and dropped:
//   a database whose write finds the shared sum over the limit flushes its own oldest memtable,
//   however small, at every write while the sum stays over (the projections' memtables counted),
//   and payments at a million members fell by a quarter with a p99 of 0.39 s
//   (docs/benchmarks.md, "Many tenants in one process").
// - block_cache: one LRU cache for the table blocks every family reads.
//
// Zero and null mean no budget and each family's own cache, as before (tests, kaiin-replay).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace rocksdb {
class Cache;
class DB;
}  // namespace rocksdb

namespace kaiin::ledger {

struct StorageMemory {
  size_t memtable_budget = 0;
  std::shared_ptr<rocksdb::Cache> block_cache;

  // A budget of `memtable_bytes` for all memtables and a cache of `block_cache_bytes` (0: none).
  static StorageMemory Shared(size_t memtable_bytes, size_t block_cache_bytes);

  // What the shared cache holds now (0 without one).
  size_t BlockCacheBytes() const;
};

// What one database holds in memory, from RocksDB's own estimates: its memtables (mutable,
// immutable and pinned) and the readers of its table files (index and filter blocks outside
// the block cache), summed over its families.
struct DbMemory {
  uint64_t memtables = 0;
  uint64_t table_readers = 0;
  uint64_t memtable_entries = 0;  // entries in the memtables (mutable and immutable)
};
DbMemory MemoryOf(rocksdb::DB* db);

}  // namespace kaiin::ledger
