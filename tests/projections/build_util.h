// The projection tests' log, and one projection built from it into a store of its own, as the
// projector does (in batches) or as a rebuild does (in bulk), with all its rows read back to
// compare.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ledger/rocks_event_log.h"
#include "projections/projection_store.h"
#include "projections/runtime.h"

namespace kaiin::projections {

// A log of tenant "t" at `path`, which a test appends its events to.
inline std::unique_ptr<ledger::RocksEventLog> OpenTestLog(const std::string& path) {
  ledger::LogOptions o;
  o.tenant = "t";
  return std::move(ledger::RocksEventLog::Open(path, o)).value();
}

// Appends `e` to `stream` as a command of its own.
inline void AppendEvent(ledger::RocksEventLog* log, const std::string& stream, events::Event e) {
  ledger::CommandMeta m;
  ASSERT_TRUE(log->Append(m, {stream, ledger::kAnyVersion, {{std::move(e), 0, 0}}}).ok());
}

// `P` built from the whole log into a new store at `path`: in batches of `batch_events_max`
// events (rows read back from the store between them), or, with `bulk`, in one bulk round.
template <typename P>
std::unique_ptr<ProjectionStore> BuildFromLog(ledger::RocksEventLog* log, const std::string& path,
                                              size_t batch_events_max, bool bulk) {
  P p;
  std::vector<Projection*> raw{&p};
  auto store = std::move(ProjectionStore::Open(path, raw)).value();
  std::vector<std::unique_ptr<Projection>> owned;
  owned.push_back(std::make_unique<P>());
  RuntimeOptions options;
  options.batch_events_max = batch_events_max;
  if (bulk) options.bulk_events_min = 1;
  ProjectionRuntime rt(store.get(), log, std::move(owned), options);
  EXPECT_TRUE(rt.Init().ok());
  EXPECT_TRUE(rt.CatchUp().ok());
  return store;
}

// Every row of the projection, in key order.
inline std::vector<std::pair<std::string, std::string>> AllRows(const ProjectionStore& store,
                                                                std::string_view projection) {
  std::vector<std::pair<std::string, std::string>> out;
  EXPECT_TRUE(store
                  .Scan(projection, "", "",
                        [&](std::string_view k, std::string_view v) {
                          out.emplace_back(std::string(k), std::string(v));
                          return true;
                        })
                  .ok());
  return out;
}

}  // namespace kaiin::projections
