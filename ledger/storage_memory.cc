#include "ledger/storage_memory.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>

namespace kaiin::ledger {

StorageMemory StorageMemory::Shared(size_t memtable_bytes, size_t block_cache_bytes) {
  StorageMemory m;
  m.memtable_budget = memtable_bytes;
  if (block_cache_bytes > 0) m.block_cache = rocksdb::NewLRUCache(block_cache_bytes);
  return m;
}

size_t StorageMemory::BlockCacheBytes() const { return block_cache ? block_cache->GetUsage() : 0; }

DbMemory MemoryOf(rocksdb::DB* db) {
  DbMemory m;
  if (db == nullptr) return m;
  db->GetAggregatedIntProperty(rocksdb::DB::Properties::kSizeAllMemTables, &m.memtables);
  db->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem,
                               &m.table_readers);
  uint64_t active = 0, immutable = 0;
  db->GetAggregatedIntProperty(rocksdb::DB::Properties::kNumEntriesActiveMemTable, &active);
  db->GetAggregatedIntProperty(rocksdb::DB::Properties::kNumEntriesImmMemTables, &immutable);
  m.memtable_entries = active + immutable;
  return m;
}

}  // namespace kaiin::ledger
