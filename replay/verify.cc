#include "replay/verify.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "commands/model_codec.h"
#include "ledger/data_layout.h"
#include "projections/projection_store.h"
#include "projections/registry.h"
#include "projections/runtime.h"

namespace kaiin::replay {
namespace {

constexpr size_t kMismatchesMax = 20;

// Compares two projections' rows in key order, a chunk at a time (memory stays bounded however
// many rows a projection has): each round reads up to `chunk_rows` rows of each side from
// `start`, compares the rows up to the smaller of the two chunks' last keys, and goes on after it.
Status CompareRows(const projections::ProjectionStore& live,
                   const projections::ProjectionStore& rebuilt, size_t chunk_rows,
                   ProjectionReport* report) {
  chunk_rows = std::max<size_t>(chunk_rows, 1);
  using Rows = std::vector<std::pair<std::string, std::string>>;
  auto read_chunk = [&](const projections::ProjectionStore& store, const std::string& start,
                        Rows* out) {
    out->clear();
    return store.Scan(report->name, "", start, [&](std::string_view k, std::string_view v) {
      out->emplace_back(std::string(k), std::string(v));
      return out->size() < chunk_rows;
    });
  };
  auto add = [report](std::string text) {
    if (report->mismatches.size() < kMismatchesMax) report->mismatches.push_back(std::move(text));
  };
  Rows a, b;
  std::string start;
  for (;;) {
    // A projection whose family was never created (its store's creation was cut short) has no
    // rows.
    if (Status s = read_chunk(live, start, &a); !s.ok() && s.code() != StatusCode::kNotFound) {
      return s;
    }
    if (Status s = read_chunk(rebuilt, start, &b); !s.ok()) return s;
    const bool a_more = a.size() == chunk_rows, b_more = b.size() == chunk_rows;
    // Rows after `limit` are compared in a later round; without a limit, this is the last one.
    const std::string* limit = nullptr;
    if (a_more) limit = &a.back().first;
    if (b_more && (!limit || b.back().first < *limit)) limit = &b.back().first;
    size_t i = 0, j = 0;
    auto in_range = [limit](const std::string& key) { return !limit || key <= *limit; };
    while ((i < a.size() && in_range(a[i].first)) || (j < b.size() && in_range(b[j].first))) {
      const bool a_here = i < a.size() && in_range(a[i].first);
      const bool b_here = j < b.size() && in_range(b[j].first);
      if (!b_here || (a_here && a[i].first < b[j].first)) {
        add("row only in the live projection: " + events::BytesToHex(a[i++].first));
        ++report->rows_live;
      } else if (!a_here || b[j].first < a[i].first) {
        add("row missing from the live projection: " + events::BytesToHex(b[j++].first));
        ++report->rows_rebuilt;
      } else {
        if (a[i].second != b[j].second) add("row differs: " + events::BytesToHex(a[i].first));
        ++i;
        ++j;
        ++report->rows_live;
        ++report->rows_rebuilt;
      }
    }
    if (!limit) return Status::Ok();
    start = *limit;
    start.push_back('\0');  // the smallest key after it
  }
}

// The snapshot kaiind would load must be the model the log gives at its position (else kaiind
// would decide commands against a model that is not the book's). The replayed model is encoded
// and compared with the snapshot's bytes where the log holds them: one model in memory, not two
// (a million-member tenant's model is ~1.5 GB). The encoding is canonical (maps in key order), so
// equal models give equal bytes; only when the bytes differ is the snapshot decoded, to tell a
// different model from a format this build does not read.
Status CheckSnapshot(ledger::RocksEventLog& log, TenantReport* report) {
  uint64_t at = 0;
  Result<bool> found = log.LatestSnapshot(&at, nullptr);
  if (!found.ok()) return found.status();
  if (!*found) return Status::Ok();
  const std::string where = "at " + std::to_string(at);
  std::string replayed_bytes;
  {
    commands::TenantModel replayed;
    if (Status s = commands::Replay(log, 0, at, &replayed); !s.ok()) return s;
    replayed_bytes = commands::EncodeModel(replayed);
  }
  uint64_t read_at = 0;
  std::string verdict;
  found = log.ReadLatestSnapshot(&read_at, [&](std::string_view bytes) {
    if (bytes == replayed_bytes) {
      verdict = "equal";
      return Status::Ok();
    }
    replayed_bytes = {};
    commands::TenantModel stored, replayed;
    if (Status s = commands::DecodeModel(bytes, &stored); !s.ok()) {
      verdict = "not used by this build (" + s.message() + ")";
      return Status::Ok();
    }
    if (Status s = commands::Replay(log, 0, at, &replayed); !s.ok()) return s;
    verdict = stored == replayed ? "equal, encoded otherwise (another build wrote it)" : "differs";
    return Status::Ok();
  });
  if (!found.ok()) return found.status();
  if (!*found || read_at != at) {
    return Status::Aborted("snapshot_changed", "the snapshot changed while it was read");
  }
  if (verdict.starts_with("equal")) {
    report->snapshot = where + ": equal to the log replayed to it" + verdict.substr(5);
  } else if (verdict == "differs") {
    report->snapshot = where + ": DIFFERS from the log replayed to it";
    report->problems.push_back("write-model snapshot " + where + " differs from the log");
  } else {
    report->snapshot = where + ": " + verdict;
  }
  return Status::Ok();
}

}  // namespace

bool TenantReport::ok() const {
  if (!chain.ok() || !ledger.ok() || !problems.empty()) return false;
  for (const auto& p : projections) {
    if (!p.mismatches.empty()) return false;
  }
  return true;
}

Status VerifyTenant(const std::string& data_dir, const std::string& tenant,
                    const std::string& scratch_dir, TenantReport* report,
                    const VerifyOptions& options) {
  namespace fs = std::filesystem;
  report->tenant = tenant;
  std::error_code ec;
  fs::remove_all(scratch_dir, ec);
  fs::create_directories(scratch_dir, ec);
  if (ec) return Status::Unavailable("io_error", "cannot create " + scratch_dir);

  // Projections first, then the log: the log's head is then at least every live checkpoint.
  const std::string projections_path = ledger::TenantProjectionsPath(data_dir, tenant);
  std::unique_ptr<projections::ProjectionStore> live;
  // A store cut short at its creation holds nothing yet: as if there were none.
  if (!ledger::StoreNeverCreated(projections_path)) {
    auto opened = projections::ProjectionStore::OpenFollower(projections_path,
                                                             scratch_dir + "/live-projections");
    if (!opened.ok()) {
      report->problems.push_back("cannot open projections: " + opened.status().ToString());
    } else {
      live = std::move(opened).value();
    }
  }
  // A log cut short at its creation never held an event: it verifies as the empty log it is.
  if (!live && ledger::StoreNeverCreated(ledger::TenantLogPath(data_dir, tenant))) {
    return Status::Ok();
  }
  auto log = ledger::RocksEventLog::OpenFollower(ledger::TenantLogPath(data_dir, tenant),
                                                 scratch_dir + "/log");
  if (!log.ok()) return log.status();
  if (Status s = (*log)->VerifyChain(&report->chain); !s.ok()) return s;
  if (report->chain.ok()) {  // the ledger is only worth adding up over an intact chain
    if (Status s = CheckLedger(**log, (*log)->Head(), &report->ledger); !s.ok()) return s;
    if (Status s = CheckSnapshot(**log, report); !s.ok()) return s;
  }
  if (!live) return Status::Ok();

  // Which projections to rebuild, grouped by the live checkpoint they are compared at.
  std::map<uint64_t, std::vector<std::unique_ptr<projections::Projection>>> groups;
  std::vector<ProjectionReport> reports;
  for (auto& projection : projections::MakeAllProjections()) {
    ProjectionReport pr;
    pr.name = std::string(projection->Name());
    Result<uint64_t> checkpoint = live->Checkpoint(pr.name);
    if (!checkpoint.ok()) {
      pr.mismatches.push_back("no checkpoint: " + checkpoint.status().ToString());
      reports.push_back(std::move(pr));
      continue;
    }
    pr.checkpoint = *checkpoint;
    if (pr.checkpoint > (*log)->Head()) {
      pr.mismatches.push_back("checkpoint " + std::to_string(pr.checkpoint) +
                              " is ahead of the log's head " + std::to_string((*log)->Head()));
    }
    Result<uint32_t> stored = live->StoredSchemaVersion(pr.name);
    if (stored.ok() && *stored != projection->SchemaVersion()) {
      pr.stale = "stored with schema version " + std::to_string(*stored) + ", this build writes " +
                 std::to_string(projection->SchemaVersion()) +
                 ": not compared; kaiind rebuilds it at its next start";
    } else {
      groups[pr.checkpoint].push_back(std::move(projection));
    }
    reports.push_back(std::move(pr));
  }
  auto report_of = [&reports](std::string_view name) -> ProjectionReport& {
    for (ProjectionReport& r : reports) {
      if (r.name == name) return r;
    }
    std::abort();  // every projection of a group has its report
  };
  for (auto& [checkpoint, group] : groups) {
    std::vector<projections::Projection*> raw;
    for (auto& p : group) raw.push_back(p.get());
    auto scratch = projections::ProjectionStore::Open(
        scratch_dir + "/rebuild-" + std::to_string(checkpoint), raw);
    if (!scratch.ok()) return scratch.status();
    projections::RuntimeOptions runtime_options;
    runtime_options.batch_events_max = options.page_events;
    runtime_options.bulk_page_events = options.page_events;
    runtime_options.bulk_events_min = 0;
    runtime_options.bulk_memory_max = options.memory_max;
    projections::ProjectionRuntime runtime(scratch->get(), log->get(), std::move(group),
                                           runtime_options);
    Status rebuilt = runtime.Init();
    if (rebuilt.ok()) rebuilt = runtime.CatchUp(checkpoint);
    for (projections::Projection* p : raw) {
      ProjectionReport& pr = report_of(p->Name());
      if (!rebuilt.ok()) {
        pr.mismatches.push_back("rebuild failed: " + rebuilt.ToString());
      } else if (Status c = CompareRows(*live, **scratch, options.compare_rows, &pr); !c.ok()) {
        return c;
      }
    }
  }
  for (ProjectionReport& pr : reports) report->projections.push_back(std::move(pr));
  return Status::Ok();
}

std::string FormatReport(const TenantReport& r) {
  std::string out = "tenant " + r.tenant + ": " + (r.ok() ? "OK" : "FAILED") + "\n";
  out += "  log: " + std::to_string(r.chain.events) + " events, head " +
         std::to_string(r.chain.head) + ", " + std::to_string(r.chain.streams) + " streams, " +
         (r.chain.ok() ? "hash chain and positions verified" : "PROBLEMS") + "\n";
  for (const auto& p : r.chain.problems) out += "    - " + p + "\n";
  out += "  ledger: " + std::to_string(r.ledger.money_events) + " money events, debits " +
         std::to_string(r.ledger.total_debits) + " = credits " + std::to_string(r.ledger.total_credits) +
         " yen, " + std::to_string(r.ledger.accounts) + " accounts, " +
         std::to_string(r.ledger.invoices) + " invoices, " +
         (r.ledger.ok() ? "invariants hold" : "PROBLEMS") + "\n";
  for (const auto& p : r.ledger.problems) out += "    - " + p + "\n";
  if (!r.snapshot.empty()) out += "  write-model snapshot " + r.snapshot + "\n";
  for (const auto& p : r.problems) out += "  - " + p + "\n";
  for (const auto& p : r.projections) {
    if (!p.stale.empty()) {
      out += "  projection " + p.name + " at " + std::to_string(p.checkpoint) + ": STALE, " +
             p.stale + "\n";
      continue;
    }
    out += "  projection " + p.name + " at " + std::to_string(p.checkpoint) + ": " +
           std::to_string(p.rows_live) + " live rows, " + std::to_string(p.rows_rebuilt) +
           " rebuilt, " + (p.mismatches.empty() ? "equal" : "MISMATCH") + "\n";
    for (const auto& m : p.mismatches) out += "    - " + m + "\n";
  }
  return out;
}

}  // namespace kaiin::replay
