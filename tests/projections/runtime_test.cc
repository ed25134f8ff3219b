#include "projections/runtime.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <map>
#include <thread>

#include "events/codec.h"
#include "ledger/rocks_event_log.h"
#include "ledger/storage_faults.h"
#include "projections/event_counts.h"
#include "tests/projections/build_util.h"
#include "tests/test_util.h"

namespace kaiin::projections {
namespace {

using ledger::kAnyVersion;

// A second projection with a settable schema version: stream -> last position.
class LastPositionProjection final : public Projection {
 public:
  explicit LastPositionProjection(uint32_t schema) : schema_(schema) {}
  std::string_view Name() const override { return "last_position"; }
  uint32_t SchemaVersion() const override { return schema_; }
  Status Apply(const events::Envelope& e, Rows& rows) override {
    rows.Put(e.meta.stream, std::to_string(e.meta.position));
    return Status::Ok();
  }

 private:
  uint32_t schema_;
};

// Keeps each stream's latest position, and a row per latest position that it deletes when the
// stream moves on: reads, overwrites and deletes of rows written in earlier batches.
class TrailProjection final : public Projection {
 public:
  std::string_view Name() const override { return "trail"; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& e, Rows& rows) override {
    std::string previous;
    Result<bool> found = rows.Get(e.meta.stream, &previous);
    if (!found.ok()) return found.status();
    if (*found) rows.Delete("at/" + previous);
    const std::string position = std::to_string(e.meta.position);
    rows.Put(e.meta.stream, position);
    rows.Put("at/" + position, e.meta.stream);
    return Status::Ok();
  }
};

// last_position's rows, noting at each event it applies whether the store refuses readers the
// projection's rows meanwhile.
class ProbedLastPosition final : public Projection {
 public:
  explicit ProbedLastPosition(ProjectionStore* const* store) : store_(store) {}
  std::string_view Name() const override { return "last_position"; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& e, Rows& rows) override {
    ++((*store_)->ReadyToRead(Name()).ok() ? applied_readable : applied_refused);
    rows.Put(e.meta.stream, std::to_string(e.meta.position));
    return Status::Ok();
  }
  int applied_readable = 0, applied_refused = 0;

 private:
  ProjectionStore* const* store_;
};

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override { log_ = OpenTestLog(dir_.Sub("log")); }

  void AppendEvents(int n, const std::string& stream = "s-1") {
    for (int i = 0; i < n; ++i) {
      ledger::CommandMeta m;
      m.actor = "test";
      ASSERT_TRUE(log_->Append(m, {stream, kAnyVersion,
                                   {{events::TenantConfigured{"n", 4, "UTC"}, 0, 0}}})
                      .ok());
    }
  }

  std::unique_ptr<ProjectionStore> OpenStore(uint32_t schema = 1, rocksdb::Env* env = nullptr) {
    EventCountsProjection counts;
    LastPositionProjection last(schema);
    std::vector<Projection*> raw{&counts, &last};
    StoreOptions options;
    options.env = env;
    auto store = ProjectionStore::Open(dir_.Sub("projections"), raw, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  }

  std::unique_ptr<ProjectionRuntime> MakeRuntime(ProjectionStore* store, uint32_t schema = 1,
                                                 size_t batch = 2000) {
    RuntimeOptions options;
    options.batch_events_max = batch;
    return MakeRuntime(store, options, schema);
  }
  std::unique_ptr<ProjectionRuntime> MakeRuntime(ProjectionStore* store,
                                                 const RuntimeOptions& options,
                                                 uint32_t schema = 1) {
    std::vector<std::unique_ptr<Projection>> ps;
    ps.push_back(std::make_unique<EventCountsProjection>());
    ps.push_back(std::make_unique<LastPositionProjection>(schema));
    auto rt = std::make_unique<ProjectionRuntime>(store, log_.get(), std::move(ps), options);
    EXPECT_TRUE(rt->Init().ok());
    return rt;
  }

  uint64_t Count(const ProjectionStore& store) {
    auto counts = ReadEventCounts(store);
    EXPECT_TRUE(counts.ok());
    return counts->count("TenantConfigured") ? counts->at("TenantConfigured") : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<ledger::RocksEventLog> log_;
};

TEST_F(RuntimeTest, CatchUpAppliesEveryEventOnceInSmallBatches) {
  AppendEvents(25);
  auto store = OpenStore();
  auto rt = MakeRuntime(store.get(), 1, /*batch=*/4);
  ASSERT_TRUE(rt->CatchUp().ok());
  EXPECT_EQ(rt->Position(), 25u);
  EXPECT_EQ(Count(*store), 25u);
  EXPECT_EQ(*store->Checkpoint("event_counts"), 25u);
  std::string v;
  ASSERT_TRUE(*store->Get("last_position", "s-1", &v));
  EXPECT_EQ(v, "25");
}

// A full disk under the projection store: the batch fails as a whole (rows and checkpoints
// stay where they were) and the runtime applies it once space returns.
TEST_F(RuntimeTest, AFailedWriteLeavesCheckpointsAndRowsAndIsAppliedLater) {
  ledger::StorageFaults faults;
  AppendEvents(5);
  auto store = OpenStore(1, faults.env());
  auto rt = MakeRuntime(store.get());
  ASSERT_TRUE(rt->CatchUp().ok());
  AppendEvents(3);
  faults.SetNoSpace(true);
  Status failed = rt->CatchUp();
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable) << failed.ToString();
  EXPECT_EQ(rt->Position(), 5u);
  EXPECT_EQ(*store->Checkpoint("event_counts"), 5u);
  EXPECT_EQ(Count(*store), 5u);
  faults.SetNoSpace(false);
  ASSERT_TRUE(rt->CatchUp().ok());
  EXPECT_EQ(rt->Position(), 8u);
  EXPECT_EQ(Count(*store), 8u);
  std::string v;
  ASSERT_TRUE(*store->Get("last_position", "s-1", &v));
  EXPECT_EQ(v, "8");
}

// A projection built in bulk is refused to readers until its rows are in, rather than read empty
// or half made: from Init (a new store, or one of an older schema, facing a long log) and from
// a rebuild asked for; the other projections are read as ever, and so is one that a short log
// builds incrementally.
TEST_F(RuntimeTest, AProjectionBuiltInBulkRefusesReadsUntilItsRowsAreIn) {
  AppendEvents(30);
  auto store = OpenStore();
  ProjectionStore* const raw = store.get();
  RuntimeOptions options;
  options.bulk_events_min = 20;
  std::vector<std::unique_ptr<Projection>> ps;
  ps.push_back(std::make_unique<EventCountsProjection>());
  auto owned = std::make_unique<ProbedLastPosition>(&raw);
  ProbedLastPosition* probe = owned.get();
  ps.push_back(std::move(owned));
  ProjectionRuntime rt(store.get(), log_.get(), std::move(ps), options);
  ASSERT_TRUE(rt.Init().ok());
  auto read = [&](std::string* v) { return store->Get("last_position", "s-1", v); };
  std::string v;
  Result<bool> early = read(&v);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(early.status().reason(), "projection_rebuilding");
  EXPECT_EQ(ReadEventCounts(*store).status().reason(), "projection_rebuilding");
  ASSERT_TRUE(rt.CatchUp().ok());
  EXPECT_EQ(probe->applied_refused, 30);
  EXPECT_EQ(probe->applied_readable, 0);
  ASSERT_TRUE(*read(&v));
  EXPECT_EQ(v, "30");
  EXPECT_EQ(Count(*store), 30u);

  ASSERT_TRUE(rt.Rebuild("last_position").ok());
  EXPECT_EQ(read(&v).status().reason(), "projection_rebuilding");
  EXPECT_EQ(Count(*store), 30u);  // event_counts is not being rebuilt
  ASSERT_TRUE(rt.CatchUp().ok());
  EXPECT_EQ(probe->applied_refused, 60);
  ASSERT_TRUE(*read(&v));
  EXPECT_EQ(v, "30");

  // Under bulk_events_min the rebuild is incremental: its rows are read as they come.
  RuntimeOptions incremental;
  incremental.bulk_events_min = 1000;
  auto store2 =
      std::move(ProjectionStore::Open(dir_.Sub("short"), std::vector<Projection*>{probe})).value();
  ProjectionStore* const raw2 = store2.get();
  std::vector<std::unique_ptr<Projection>> ps2;
  auto owned2 = std::make_unique<ProbedLastPosition>(&raw2);
  ProbedLastPosition* probe2 = owned2.get();
  ps2.push_back(std::move(owned2));
  ProjectionRuntime rt2(store2.get(), log_.get(), std::move(ps2), incremental);
  ASSERT_TRUE(rt2.Init().ok());
  EXPECT_TRUE(store2->Get("last_position", "s-1", &v).ok());
  ASSERT_TRUE(rt2.CatchUp().ok());
  EXPECT_EQ(probe2->applied_readable, 30);
  EXPECT_EQ(probe2->applied_refused, 0);
}

// A log that answers fewer events than a page asks for (it caps one read below the bulk
// rebuild's page) has not ended there: the whole rebuild still goes in bulk. (A short page was
// once taken for the end of the log, and the rest of a rebuild with pages larger than the log's
// cap was applied a batch at a time, four times slower.)
TEST_F(RuntimeTest, ABulkRebuildReadsPastALogThatCapsEachRead) {
  AppendEvents(30);
  log_.reset();
  ledger::LogOptions capped;
  capped.tenant = "t";
  capped.read_batch_events_max = 7;
  log_ = std::move(ledger::RocksEventLog::Open(dir_.Sub("log"), capped)).value();
  ProjectionStore* raw = nullptr;
  auto owned = std::make_unique<ProbedLastPosition>(&raw);
  ProbedLastPosition* probe = owned.get();
  auto store =
      std::move(ProjectionStore::Open(dir_.Sub("capped"), std::vector<Projection*>{probe})).value();
  raw = store.get();
  RuntimeOptions options;
  options.bulk_events_min = 20;
  options.bulk_page_events = 10;  // more than one read of the log returns
  std::vector<std::unique_ptr<Projection>> ps;
  ps.push_back(std::move(owned));
  ProjectionRuntime rt(store.get(), log_.get(), std::move(ps), options);
  ASSERT_TRUE(rt.Init().ok());
  ASSERT_TRUE(rt.CatchUp().ok());
  EXPECT_EQ(probe->applied_refused, 30);  // every event applied in bulk
  EXPECT_EQ(probe->applied_readable, 0);
  std::string v;
  ASSERT_TRUE(*store->Get("last_position", "s-1", &v));
  EXPECT_EQ(v, "30");
}

TEST_F(RuntimeTest, ResumesFromItsCheckpointAfterARestart) {
  AppendEvents(10);
  {
    auto store = OpenStore();
    auto rt = MakeRuntime(store.get());
    ASSERT_TRUE(rt->CatchUp(6).ok());
    EXPECT_EQ(Count(*store), 6u);
  }
  AppendEvents(5);
  auto store = OpenStore();
  EXPECT_EQ(*store->Checkpoint("event_counts"), 6u);
  auto rt = MakeRuntime(store.get());
  EXPECT_EQ(rt->Position(), 6u);
  ASSERT_TRUE(rt->CatchUp().ok());
  EXPECT_EQ(Count(*store), 15u);  // not 21: nothing was applied twice
}

TEST_F(RuntimeTest, ADroppedProjectionRebuildsToTheSameRows) {
  AppendEvents(12);
  AppendEvents(3, "s-2");
  auto store = OpenStore();
  auto rt = MakeRuntime(store.get());
  ASSERT_TRUE(rt->CatchUp().ok());
  ASSERT_TRUE(rt->Rebuild("event_counts").ok());
  EXPECT_EQ(*store->Checkpoint("event_counts"), 0u);
  EXPECT_EQ(Count(*store), 0u);
  EXPECT_EQ(rt->Position(), 0u);
  ASSERT_TRUE(rt->CatchUp().ok());
  EXPECT_EQ(Count(*store), 15u);
  EXPECT_EQ(rt->Position(), 15u);
  EXPECT_EQ(rt->Rebuild("no_such").code(), StatusCode::kNotFound);
}

TEST_F(RuntimeTest, ANewSchemaVersionDropsTheOldRows) {
  AppendEvents(4);
  {
    auto store = OpenStore(1);
    auto rt = MakeRuntime(store.get(), 1);
    ASSERT_TRUE(rt->CatchUp().ok());
  }
  auto store = OpenStore(2);
  EXPECT_EQ(*store->Checkpoint("last_position"), 0u);
  EXPECT_EQ(*store->Checkpoint("event_counts"), 4u);  // untouched
  std::string v;
  EXPECT_FALSE(*store->Get("last_position", "s-1", &v));
}

TEST_F(RuntimeTest, TheBackgroundThreadFollowsTheLogAndWakesWaiters) {
  auto store = OpenStore();
  auto rt = MakeRuntime(store.get());
  log_->SetCommitListener([r = rt.get()](uint64_t head) { r->Notify(head); });
  rt->Start();
  AppendEvents(30);
  EXPECT_TRUE(rt->WaitFor(30, std::chrono::seconds(20)));
  EXPECT_EQ(Count(*store), 30u);

  // The callbacks share their promises: set_value may still run after get() returns.
  auto reached = std::make_shared<std::promise<bool>>();
  auto lagging = std::make_shared<std::promise<bool>>();
  auto later = std::make_shared<std::promise<bool>>();
  auto f_reached = reached->get_future(), f_lagging = lagging->get_future();
  auto f_later = later->get_future();
  rt->WhenReached(30, ProjectionRuntime::Clock::now(), [reached](bool ok) { reached->set_value(ok); });
  rt->WhenReached(1000, ProjectionRuntime::Clock::now() + std::chrono::milliseconds(50),
                  [lagging](bool ok) { lagging->set_value(ok); });
  EXPECT_TRUE(f_reached.get());
  EXPECT_FALSE(f_lagging.get());  // position 1000 never comes: the deadline answers

  rt->WhenReached(31, ProjectionRuntime::Clock::now() + std::chrono::seconds(20),
                  [later](bool ok) { later->set_value(ok); });
  AppendEvents(1);
  EXPECT_TRUE(f_later.get());
  rt->Stop();
}

// With a gather delay the loop waits for a larger batch, but never keeps a reader waiting: a
// WhenReached or WaitFor ends the wait at once, and so does gather_events events pending.
TEST_F(RuntimeTest, GatheringWaitsForABatchButNotWhileAReaderWaits) {
  auto store = OpenStore();
  RuntimeOptions options;
  options.gather_events = 5;
  options.gather_delay = std::chrono::hours(1);  // only the rules above can end the wait
  auto rt = MakeRuntime(store.get(), options);
  log_->SetCommitListener([r = rt.get()](uint64_t head) { r->Notify(head); });
  rt->Start();

  AppendEvents(2);
  auto reached = std::make_shared<std::promise<bool>>();
  auto f_reached = reached->get_future();
  rt->WhenReached(2, ProjectionRuntime::Clock::now() + std::chrono::seconds(20),
                  [reached](bool ok) { reached->set_value(ok); });
  ASSERT_EQ(f_reached.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(f_reached.get());
  AppendEvents(1);
  EXPECT_TRUE(rt->WaitFor(3, std::chrono::seconds(20)));

  AppendEvents(4);  // fewer than gather_events and no reader: they wait
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(rt->Position(), 3u);
  AppendEvents(1);  // the fifth
  for (int i = 0; i < 2000 && rt->Position() < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(rt->Position(), 8u);
  EXPECT_EQ(Count(*store), 8u);
  rt->Stop();  // ends a gathering wait too
}

// The nice value of the projector thread, read from /proc (-100 if no such thread is found).
int ProjectorNice() {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name != "kaiin-project") continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line.substr(line.rfind(')') + 2));  // after "pid (comm) "
    std::string field;
    for (int i = 3; i <= 19; ++i) fields >> field;  // field 19 is the nice value
    return std::stoi(field);
  }
  return -100;
}

TEST_F(RuntimeTest, TheProjectorThreadTakesItsNiceValue) {
  auto store = OpenStore();
  RuntimeOptions options;
  options.thread_nice = 19;  // the highest: any process may move a thread there
  auto rt = MakeRuntime(store.get(), options);
  rt->Start();
  int nice = ProjectorNice();
  for (int i = 0; i < 2000 && nice != 19; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    nice = ProjectorNice();
  }
  EXPECT_EQ(nice, 19);
  rt->Stop();
}

// The bulk rebuild (rows in memory, ingested as files) and the incremental path write the same
// rows (A2), whether a rebuild is one round or many (rows read back from the store, deletes of
// rows ingested by an earlier round).
class BulkRebuildTest : public RuntimeTest {
 protected:
  using AllRows = std::vector<std::pair<std::string, std::string>>;

  // Builds three projections into the store `name` and returns every row, by projection. With
  // `faults`, the disk is full while the projections are applied (not while the store opens)
  // when `full` says so.
  std::map<std::string, AllRows> Build(const std::string& name, uint64_t bulk_min,
                                       size_t memory_max, size_t batch,
                                       ledger::StorageFaults* faults = nullptr, bool full = false,
                                       Status* status = nullptr, uint64_t* checkpoint = nullptr) {
    EventCountsProjection counts;
    LastPositionProjection last(1);
    TrailProjection trail;
    std::vector<Projection*> raw{&counts, &last, &trail};
    StoreOptions store_options;
    store_options.env = faults ? faults->env() : nullptr;
    auto store = std::move(ProjectionStore::Open(dir_.Sub(name), raw, store_options)).value();
    std::vector<std::unique_ptr<Projection>> ps;
    ps.push_back(std::make_unique<EventCountsProjection>());
    ps.push_back(std::make_unique<LastPositionProjection>(1));
    ps.push_back(std::make_unique<TrailProjection>());
    RuntimeOptions options;
    options.batch_events_max = batch;
    options.bulk_events_min = bulk_min;
    options.bulk_memory_max = memory_max;
    ProjectionRuntime rt(store.get(), log_.get(), std::move(ps), options);
    EXPECT_TRUE(rt.Init().ok());
    if (faults) faults->SetNoSpace(full);
    Status s = rt.CatchUp();
    if (faults) faults->SetNoSpace(false);
    if (status) *status = s;
    if (checkpoint) *checkpoint = *store->Checkpoint("trail");
    std::map<std::string, AllRows> out;
    for (const char* p : {"event_counts", "last_position", "trail"}) {
      out[p];
      EXPECT_TRUE(store->Scan(p, "", "", [&](std::string_view k, std::string_view v) {
        out[p].emplace_back(std::string(k), std::string(v));
        return true;
      }).ok());
    }
    return out;
  }

  void AppendMix() {
    for (int i = 0; i < 60; ++i) AppendEvents(1, "s-" + std::to_string(i % 7));
  }
};

TEST_F(BulkRebuildTest, OneRoundWritesWhatTheIncrementalPathWrites) {  // A2
  AppendMix();
  const auto incremental = Build("incremental", /*bulk_min=*/1000000, 1 << 20, 4);
  const auto bulk = Build("bulk", /*bulk_min=*/1, 1 << 20, 4);
  ASSERT_EQ(incremental.at("trail").size(), 14u);  // 7 streams, 7 latest positions
  EXPECT_EQ(incremental, bulk);
}

TEST_F(BulkRebuildTest, ManyRoundsWriteWhatTheIncrementalPathWrites) {  // A2
  AppendMix();
  const auto incremental = Build("incremental", 1000000, 1 << 20, 4);
  // A round ends after every batch of 3: later rounds read and delete rows of earlier ones.
  const auto bulk = Build("bulk", 1, /*memory_max=*/1, 3);
  EXPECT_EQ(incremental, bulk);
}

TEST_F(BulkRebuildTest, AFailedIngestionLeavesNothingAndARetryRebuildsAll) {
  AppendMix();
  ledger::StorageFaults faults;
  Status failed;
  uint64_t checkpoint = 99;
  const auto none = Build("faulty", 1, 1 << 20, 8, &faults, /*full=*/true, &failed, &checkpoint);
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable) << failed.ToString();
  EXPECT_EQ(checkpoint, 0u);
  EXPECT_TRUE(none.at("trail").empty());
  EXPECT_TRUE(none.at("event_counts").empty());
  Status ok;
  const auto rebuilt = Build("faulty", 1, 1 << 20, 8, &faults, /*full=*/false, &ok, &checkpoint);
  ASSERT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ(checkpoint, 60u);
  EXPECT_EQ(rebuilt, Build("incremental", 1000000, 1 << 20, 4));
}

}  // namespace
}  // namespace kaiin::projections
