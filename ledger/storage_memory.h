// StorageMemory: the memory every tenant's RocksDB databases share in one process, so that it is
// bounded by the process and not by the number of tenants. Without it each tenant's log and
// projection store hold their own memtable budget (64 MiB each) and one 8 MiB block cache per
// column family, and an idle society with a few thousand members cost kaiind ~19 MiB
// (docs/benchmarks.md, "Many tenants in one process").
//
// - memtables: one budget for the memtables of all the databases opened with it (log and
//   projection stores of every tenant). A database whose write finds the sum over the budget
//   flushes its own oldest memtable; a database that does not write keeps what it holds, so
//   kaiind's tenant registry flushes quiet tenants while the sum is over the budget
//   (http/tenant_registry.h). An empty memtable still holds its arena's first block and, for
//   the log's streams and idempotency families, its bloom filter: ~3 MiB a tenant that no flush
//   gives back.
// - block_cache: one LRU cache for the table blocks every family reads.
//
// Null members mean a database's own budget and caches, as before (tests, kaiin-replay).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace rocksdb {
class Cache;
class DB;
class WriteBufferManager;
}  // namespace rocksdb

namespace kaiin::ledger {

struct StorageMemory {
  std::shared_ptr<rocksdb::WriteBufferManager> memtables;
  std::shared_ptr<rocksdb::Cache> block_cache;

  // A budget of `memtable_bytes` for all memtables and a cache of `block_cache_bytes`.
  static StorageMemory Shared(size_t memtable_bytes, size_t block_cache_bytes);

  // What the memtables of all databases opened with it hold now, and the budget (0 without one).
  size_t MemtableBytes() const;
  size_t MemtableBudget() const;
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
