// The auditor's verification of one tenant: the event log's hash chain, gaps and stream index
// (ledger::RocksEventLog::VerifyChain), the write-model snapshot against the log replayed to
// its position, then every projection rebuilt from position 0 into a
// scratch store and compared row by row with the live one at the live checkpoint (A2). The
// projections at the same checkpoint (normally all) are rebuilt together, in one pass over the
// log.
//
// Works on a data folder in use by a running kaiind (both stores are opened as RocksDB secondary
// instances, which take no lock) and on a copy.
#pragma once

#include <string>
#include <vector>

#include "events/status.h"
#include "ledger/rocks_event_log.h"
#include "replay/ledger_check.h"

namespace kaiin::replay {

struct ProjectionReport {
  std::string name;
  uint64_t checkpoint = 0;  // the live projection's position, where the rebuild stopped
  uint64_t rows_live = 0;
  uint64_t rows_rebuilt = 0;
  std::vector<std::string> mismatches;
  // Set when the live rows were written by another schema version than this build's: they are
  // not compared (kaiind drops and rebuilds such a projection at its next start). Not a failure.
  std::string stale;
};

struct TenantReport {
  std::string tenant;
  ledger::ChainReport chain;
  LedgerReport ledger;
  // The write-model snapshot kaiind starts from, checked against the log replayed to its
  // position: "" when there is none. A snapshot that differs is a problem; one kaiind would not
  // use (another format) is only noted.
  std::string snapshot;
  std::vector<ProjectionReport> projections;
  std::vector<std::string> problems;  // anything else (a store that cannot be opened, ...)
  bool ok() const;
};

struct VerifyOptions {
  // The rebuild keeps rows in memory up to this many bytes per round (ProjectionStore::
  // BulkApply); tests make it tiny to exercise rounds that read rows back from the store.
  size_t memory_max = size_t{512} << 20;
  size_t page_events = 10000;  // events read and applied at a time
  size_t compare_rows = 10000;  // rows of each side held at a time while comparing
};

// Verifies `tenant` under `data_dir`, using `scratch_dir` (created, then removed) for the
// rebuilt projections and the secondary instances' own files. The projections are rebuilt the
// bulk way (in memory, ingested as files), so a verify also checks that this path writes what
// the incremental one wrote.
Status VerifyTenant(const std::string& data_dir, const std::string& tenant,
                    const std::string& scratch_dir, TenantReport* report,
                    const VerifyOptions& options = {});

// A human-readable report.
std::string FormatReport(const TenantReport& report);

}  // namespace kaiin::replay
