// A store's RocksDB opened directly, for tests that look under the stores' APIs (table
// properties, damaged rows), and the edits they make there. Only for the test binaries that link RocksDB (ledger, projections,
// replay, http).
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/table_properties.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kaiin::testing {

// Every column family of the database at `path`, with RocksDB's default options; closed when the
// object goes away. The test fails if it cannot be opened.
struct RawDb {
  RawDb(const std::string& path, bool read_only) {
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
    const rocksdb::Status s =
        read_only
            ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, families, &handles, &db)
            : rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  ~RawDb() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // The family named `name`; null if there is none.
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) const {
    for (size_t i = 0; i < names.size() && i < handles.size(); ++i) {
      if (names[i] == name) return handles[i];
    }
    return nullptr;
  }

  // The compression of each table file of `family`, by its table properties ("LZ4", "Snappy").
  std::vector<std::string> TableCompressions(std::string_view family) const {
    std::vector<std::string> compressions;
    rocksdb::TablePropertiesCollection tables;
    rocksdb::ColumnFamilyHandle* h = Family(family);
    EXPECT_NE(h, nullptr) << family;
    if (h == nullptr || !db->GetPropertiesOfAllTables(h, &tables).ok()) return compressions;
    for (const auto& [file, properties] : tables) {
      compressions.push_back(properties->compression_name);
    }
    return compressions;
  }

  rocksdb::DB* db = nullptr;
  std::vector<std::string> names;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
};

// Opens one column family of a store with raw RocksDB and lets `edit` change it.
inline void EditStore(const std::string& path, const std::string& family,
                      const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& edit) {
  RawDb raw(path, /*read_only=*/false);
  if (rocksdb::ColumnFamilyHandle* h = raw.Family(family)) edit(raw.db, h);
}

// Opens one column family of a store with raw RocksDB and rewrites a value.
inline void Tamper(const std::string& path, const std::string& family, const std::string& key,
                   const std::function<void(std::string*)>& edit) {
  EditStore(path, family, [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), cf, key, &value).ok());
    edit(&value);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf, key, value).ok());
  });
}

// The key of the log's event at `p` in its events family: the position, 8 bytes big-endian.
inline std::string PositionKey(uint64_t p) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, p >>= 8) k[i] = static_cast<char>(p & 0xff);
  return k;
}

// Flips one byte inside a TenantConfigured event's name ("name-..."), so the envelope still
// decodes and only the hash chain can tell.
inline void FlipNameByte(std::string* envelope) {
  const size_t at = envelope->find("name-");
  ASSERT_NE(at, std::string::npos);
  (*envelope)[at] ^= 0x01;
}

// Whether this RocksDB build can write LZ4 (Debian's can); tests of the choice skip otherwise.
inline bool Lz4Linked() {
  return std::ranges::count(rocksdb::GetSupportedCompressions(), rocksdb::kLZ4Compression) > 0;
}

}  // namespace kaiin::testing
