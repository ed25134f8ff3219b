#include <gtest/gtest.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>

#include <filesystem>

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "events/codec.h"
#include "ledger/rocks_event_log.h"
#include "ledger/storage_faults.h"
#include "tests/raw_db.h"
#include "tests/test_util.h"

namespace kaiin::ledger {
namespace {

EventDraft Draft(std::string name) {
  return EventDraft{events::TenantConfigured{std::move(name), 4, "UTC"}, 19000, 0};
}

CommandMeta Meta(std::string key = "", std::string body = "") {
  CommandMeta m;
  m.actor = "test";
  m.command_id = key.empty() ? "cmd" : key;
  m.idempotency_key = std::move(key);
  m.fingerprint = events::Sha256(body);
  return m;
}

// A log's options on `faults`' file system.
LogOptions OnFaultyStorage(StorageFaults& faults) {
  LogOptions o;
  o.tenant = "t";
  o.env = faults.env();
  return o;
}

std::unique_ptr<RocksEventLog> OpenLog(const std::string& path, size_t group_max = 4096) {
  LogOptions o;
  o.tenant = "t";
  o.group_commit_commands_max = group_max;
  auto log = RocksEventLog::Open(path, o);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return std::move(log).value();
}

// One command appending `appends` in order; the first refused append fails it.
Result<CommitResult> AppendAll(RocksEventLog& log, std::vector<StreamAppend> appends) {
  return log.SubmitAndWait(Meta(), [&appends](WriteContext& ctx) {
    for (StreamAppend& a : appends) {
      if (Status s = ctx.Append(std::move(a)); !s.ok()) return s;
    }
    return Status::Ok();
  });
}

// Checks the log's hash chain, positions and stream index; returns the report (the test fails
// if they do not hold).
ChainReport ExpectIntactChain(RocksEventLog& log) {
  ChainReport report;
  EXPECT_TRUE(log.VerifyChain(&report).ok());
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems[0]);
  return report;
}

events::Envelope Decode(const events::RecordedEvent& r) {
  events::Envelope env;
  EXPECT_TRUE(events::DecodeEnvelope(r.bytes, &env).ok());
  return env;
}

// Expects the latest snapshot to be of `at` and to hold `bytes`.
void ExpectLatestSnapshot(RocksEventLog& log, uint64_t at, std::string_view bytes) {
  uint64_t found_at = 0;
  std::string found_bytes;
  Result<bool> found = log.LatestSnapshot(&found_at, &found_bytes);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(*found);
  EXPECT_EQ(found_at, at);
  EXPECT_TRUE(found_bytes == bytes) << found_bytes.size() << " bytes";
}

// The log's database opened with RocksDB alone, to look at (or plant) what is stored.
struct RawLog : testing::RawDb {
  RawLog(const std::string& path, bool read_only) : RawDb(path, read_only) {
    EXPECT_EQ(names.size(), 6u);
    EXPECT_NE(Family("events"), nullptr);
    EXPECT_NE(snapshots(), nullptr);
  }
  rocksdb::ColumnFamilyHandle* snapshots() const { return Family("snapshots"); }
  rocksdb::ColumnFamilyHandle* events() const { return Family("events"); }
};

TEST(EventLogTest, A1_AppendsAreReadBackWithPositionsVersionsAndHashChain) {
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  auto r = log->Append(Meta(), {"s-1", kNoStream, {Draft("a"), Draft("b")}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_position, 1u);
  EXPECT_EQ(r->last_position, 2u);
  EXPECT_EQ(r->event_count, 2u);
  ASSERT_TRUE(log->Append(Meta(), {"s-2", kNoStream, {Draft("c")}}).ok());
  EXPECT_EQ(log->Head(), 3u);

  std::vector<events::RecordedEvent> all;
  ASSERT_TRUE(log->ReadAfter(0, 100, &all).ok());
  ASSERT_EQ(all.size(), 3u);
  events::Hash prev{};
  for (size_t i = 0; i < all.size(); ++i) {
    events::Envelope env = Decode(all[i]);
    EXPECT_EQ(env.meta.position, i + 1);
    EXPECT_EQ(env.meta.tenant, "t");
    EXPECT_EQ(env.meta.actor, "test");
    EXPECT_EQ(env.meta.prev_hash, prev) << "hash chain at " << i + 1;
    prev = events::Sha256(all[i].bytes);
  }
  std::vector<events::RecordedEvent> stream;
  ASSERT_TRUE(log->ReadStream("s-1", 2, 100, &stream).ok());
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(Decode(stream[0]).meta.version, 2u);
  EXPECT_EQ(stream[0].position, 2u);
}

// A copy taken while commands keep coming is a prefix of the log in whole groups: its chain and
// stream index verify, its events are the live log's byte for byte, and opened as a log of its own
// it takes the next command where it stopped.
TEST(EventLogTest, ABackupTakenWhileCommandsRunIsAWholePrefixOfTheLog) {
  testing::TempDir dir;
  auto log = OpenLog(dir.Sub("live"));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(log->Append(Meta(), {"s-" + std::to_string(i), kNoStream, {Draft("a")}}).ok());
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {  // commands of three events to two streams
      auto r = AppendAll(*log, {{"w-" + std::to_string(i), kNoStream, {Draft("x"), Draft("y")}},
                                {"s-" + std::to_string(i % 20), kAnyVersion, {Draft("z")}}});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  });
  while (log->Head() < 200) std::this_thread::yield();
  const uint64_t before = log->Head();
  Result<uint64_t> head = log->Backup(dir.Sub("copy"), dir.Sub("scratch"));
  const uint64_t after = log->Head();
  stop = true;
  writer.join();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_GE(*head, before);
  EXPECT_LE(*head, after);
  EXPECT_EQ((*head - 20) % 3, 0u) << "a group cut in two";
  EXPECT_FALSE(log->Backup(dir.Sub("copy"), dir.Sub("scratch")).ok()) << "over an earlier copy";

  std::vector<events::RecordedEvent> live, copied;
  ASSERT_TRUE(log->ReadAfter(0, 100000, &live).ok());
  log.reset();
  auto copy = OpenLog(dir.Sub("copy"));
  EXPECT_EQ(copy->Head(), *head);
  EXPECT_EQ(ExpectIntactChain(*copy).events, *head);
  ASSERT_TRUE(copy->ReadAfter(0, 100000, &copied).ok());
  ASSERT_EQ(copied.size(), *head);
  for (size_t i = 0; i < copied.size(); ++i) {
    ASSERT_EQ(copied[i].bytes, live[i].bytes) << "position " << i + 1;
  }
  auto next = copy->Append(Meta(), {"s-0", kAnyVersion, {Draft("after")}});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->first_position, *head + 1);
  ExpectIntactChain(*copy);
}

TEST(EventLogTest, ReopenKeepsEventsStreamVersionsChainAndIdempotencyKeys) {
  testing::TempDir dir;
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(log->Append(Meta("k1", "x"), {"s-1", kNoStream, {Draft("a")}}).ok());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", 1, {Draft("b")}}).ok());
  }
  auto log = OpenLog(dir.path());
  EXPECT_EQ(log->Head(), 2u);
  // The stream version survived: expected version 2 is right, 1 is stale.
  auto stale = log->Append(Meta(), {"s-1", 1, {Draft("c")}});
  EXPECT_EQ(stale.status().reason(), "version_conflict");
  ASSERT_TRUE(log->Append(Meta(), {"s-1", 2, {Draft("c")}}).ok());
  // The idempotency key survived.
  auto retry = log->Append(Meta("k1", "x"), {"s-1", kNoStream, {Draft("a")}});
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->first_position, 1u);
  EXPECT_EQ(log->Head(), 3u);
  EXPECT_EQ(ExpectIntactChain(*log).events, 3u);
}

// A full disk: the group's commands are answered Unavailable and nothing of them is written;
// when space returns the log resumes at the same position with an unbroken chain, and a retried
// key is recorded once.
TEST(EventLogTest, AFullDiskRefusesTheGroupAndTheLogResumesWhenSpaceReturns) {
  testing::TempDir dir;
  StorageFaults faults;
  const LogOptions o = OnFaultyStorage(faults);
  {
    auto log = std::move(RocksEventLog::Open(dir.path(), o)).value();
    ASSERT_TRUE(log->Append(Meta("k1", "x"), {"s-1", kNoStream, {Draft("a")}}).ok());
    faults.SetNoSpace(true);
    for (int i = 0; i < 3; ++i) {
      auto refused = log->Append(Meta("k2", "y"), {"s-1", 1, {Draft("b")}});
      EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
      EXPECT_EQ(refused.status().reason(), "storage_unavailable");
    }
    EXPECT_EQ(log->Head(), 1u);
    // The first write fails, and so does the third's reopening; the second is refused either
    // the same way or, when it was decided before the syncer had reported the first failure,
    // as the group after a lost one, never written (not a failed write: 2 then).
    EXPECT_GE(log->stats().write_failures.load(), 2u);
    EXPECT_LE(log->stats().write_failures.load(), 3u);
    std::vector<events::RecordedEvent> all;
    ASSERT_TRUE(log->ReadAfter(0, 100, &all).ok());  // reads still work
    EXPECT_EQ(all.size(), 1u);

    faults.SetNoSpace(false);

    auto written = log->Append(Meta("k2", "y"), {"s-1", 1, {Draft("b")}});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    EXPECT_FALSE(written->replayed);
    EXPECT_EQ(written->first_position, 2u);
    auto retry = log->Append(Meta("k2", "y"), {"s-1", 1, {Draft("b")}});
    ASSERT_TRUE(retry.ok());
    EXPECT_TRUE(retry->replayed);
    ASSERT_TRUE(log->Append(Meta(), {"s-1", 2, {Draft("c")}}).ok());
  }
  auto log = OpenLog(dir.path());  // what the disk holds after a restart
  EXPECT_EQ(log->Head(), 3u);
  EXPECT_EQ(ExpectIntactChain(*log).events, 3u);
}

// The writer decides a group while the one before it is being written. A command decided then
// sees the commands in flight (their stream versions, their idempotency keys); a retry of a key
// in flight is answered once that key is durable. Here the first command's write is held on its
// way to the disk until the others are decided on top of it.
struct InFlight {
  std::promise<void> deciding, queued;
  std::future<Result<CommitResult>> first;
};

// Submits `first` with a decide that waits until the test has queued what should be decided
// while it is in flight; returns once it is deciding.
void SubmitHeld(RocksEventLog& log, CommandMeta meta, StreamAppend append, InFlight* f) {
  auto answered = std::make_shared<std::promise<Result<CommitResult>>>();
  f->first = answered->get_future();
  std::shared_future<void> queued = f->queued.get_future().share();
  log.Submit(
      std::move(meta),
      [&, append = std::move(append), queued](WriteContext& ctx) mutable {
        f->deciding.set_value();
        queued.wait();
        return ctx.Append(std::move(append));
      },
      [answered](Result<CommitResult> r) { answered->set_value(std::move(r)); });
  f->deciding.get_future().wait();
}

// Whether the writer takes up every queued command within ~10 s.
bool QueueDrains(RocksEventLog& log) {
  for (int i = 0; i < 1000 && log.QueueLength() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return log.QueueLength() == 0;
}

std::future<Result<CommitResult>> SubmitAsync(RocksEventLog& log, CommandMeta meta,
                                              StreamAppend append) {
  auto answered = std::make_shared<std::promise<Result<CommitResult>>>();
  auto future = answered->get_future();
  log.Submit(
      std::move(meta),
      [append = std::move(append)](WriteContext& ctx) mutable { return ctx.Append(std::move(append)); },
      [answered](Result<CommitResult> r) { answered->set_value(std::move(r)); });
  return future;
}

// The pipeline tests: a log on which every group goes to the syncer, however quickly it was
// decided, and whose stream s-1 holds one event.
class EventLogPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogOptions o = OnFaultyStorage(faults_);
    o.pipeline_decide_us_min = 0;
    log_ = std::move(RocksEventLog::Open(dir_.path(), o)).value();
    ASSERT_TRUE(log_->Append(Meta(), {"s-1", kNoStream, {Draft("a")}}).ok());
  }
  // Held appends are let go first (a test may end early), so that the log can close.
  void TearDown() override {
    faults_.HoldLogAppends(false);
    log_.reset();
  }

  // Holds appends, submits k1 (s-1 at version 1 -> 2) and behind it a retry of k1 and k2 (s-1
  // expected at 2: right only on top of k1); returns once k1's write is held on its way to the
  // disk and the two others are taken up by the writer.
  void HoldK1WithTwoBehind() {
    faults_.HoldLogAppends(true);
    SubmitHeld(*log_, Meta("k1", "x"), {"s-1", 1, {Draft("b")}}, &first_);
    retry_ = SubmitAsync(*log_, Meta("k1", "x"), {"s-1", 1, {Draft("b")}});
    next_ = SubmitAsync(*log_, Meta("k2", "y"), {"s-1", 2, {Draft("c")}});
    first_.queued.set_value();
    ASSERT_TRUE(faults_.WaitHeld(1));
    ASSERT_TRUE(QueueDrains(*log_));
  }

  testing::TempDir dir_;
  StorageFaults faults_;
  std::unique_ptr<RocksEventLog> log_;
  InFlight first_;
  std::future<Result<CommitResult>> retry_, next_;
};

TEST_F(EventLogPipelineTest, CommandsDecidedWhileTheGroupBeforeIsWrittenBuildOnIt) {
  ASSERT_NO_FATAL_FAILURE(HoldK1WithTwoBehind());
  EXPECT_EQ(log_->Head(), 1u);
  EXPECT_EQ(retry_.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  faults_.HoldLogAppends(false);

  auto first = first_.first.get();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->first_position, 2u);
  auto replayed = retry_.get();
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_TRUE(replayed->replayed);
  EXPECT_EQ(replayed->first_position, 2u);
  auto after = next_.get();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->first_position, 3u);
  EXPECT_EQ(log_->Head(), 3u);
  EXPECT_EQ(ExpectIntactChain(*log_).events, 3u);
}

// A group goes to the syncer even when nothing is queued behind it: a command that arrives while
// it is written (a caller answered by the group before sends its next then) is decided meanwhile.
TEST_F(EventLogPipelineTest, ACommandArrivingWhileALoneGroupIsWrittenIsDecidedMeanwhile) {
  EXPECT_EQ(log_->stats().groups_handed.load(), 1u);  // SetUp's append, alone
  faults_.HoldLogAppends(true);
  auto first = SubmitAsync(*log_, Meta("k1", "x"), {"s-1", 1, {Draft("b")}});
  ASSERT_TRUE(faults_.WaitHeld(1));  // k1 is on its way to the disk, nothing behind it
  auto second = SubmitAsync(*log_, Meta("k2", "y"), {"s-1", 2, {Draft("c")}});
  ASSERT_TRUE(QueueDrains(*log_));  // the writer took k2 up: it is not the one held in the write
  EXPECT_EQ(log_->Head(), 1u);
  faults_.HoldLogAppends(false);
  auto a = first.get();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->first_position, 2u);
  auto b = second.get();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->first_position, 3u);
  EXPECT_EQ(log_->stats().groups_handed.load(), 3u);
  EXPECT_EQ(ExpectIntactChain(*log_).events, 3u);
}

// If the group in flight fails, what was decided on top of it fails with it and nothing of it
// is written; the log then goes on from what the disk holds.
TEST_F(EventLogPipelineTest, CommandsDecidedOnAGroupWhoseWriteFailsFailWithIt) {
  ASSERT_NO_FATAL_FAILURE(HoldK1WithTwoBehind());
  faults_.SetNoSpace(true);
  faults_.HoldLogAppends(false);
  for (auto* answer : {&first_.first, &retry_, &next_}) {
    auto r = answer->get();
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
    EXPECT_EQ(r.status().reason(), "storage_unavailable");
  }
  EXPECT_EQ(log_->Head(), 1u);
  EXPECT_EQ(log_->stats().write_failures.load(), 1u);  // the group behind was never tried
  faults_.SetNoSpace(false);

  // The syncer answers a failed group's callers before the writer learns of the failure (their
  // callbacks run first): a command sent at once can still be decided on the lost group (with
  // its versions) and is then refused with it, written nowhere. A client's retry goes through.
  auto append = [this](CommandMeta meta, StreamAppend a) {
    auto r = log_->Append(meta, a);
    if (!r.ok() && r.status().reason() == "storage_unavailable") {
      EXPECT_NE(r.status().ToString().find("the commands before these"), std::string::npos)
          << r.status().ToString();
      r = log_->Append(std::move(meta), std::move(a));
    }
    return r;
  };
  // s-1 is at version 1 again: the versions decided on the failed group are forgotten, and
  // both keys are free (their commands were never written).
  auto conflict = append(Meta(), {"s-1", 2, {Draft("c")}});
  EXPECT_EQ(conflict.status().reason(), "version_conflict") << conflict.status().ToString();
  auto again = append(Meta("k1", "x"), {"s-1", 1, {Draft("b")}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->replayed);
  EXPECT_EQ(again->first_position, 2u);
  auto other = log_->Append(Meta("k2", "y"), {"s-1", 2, {Draft("c")}});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_FALSE(other->replayed);
  EXPECT_EQ(other->first_position, 3u);

  log_.reset();
  auto log = OpenLog(dir_.path());  // what the disk holds after a restart
  EXPECT_EQ(log->Head(), 3u);
  EXPECT_EQ(ExpectIntactChain(*log).events, 3u);
}

// The writer's cache of stream versions is bounded; versions read back from the disk after it
// is dropped are the same, so expected-version checks hold across the drop.
TEST(EventLogTest, StreamVersionsSurviveTheCacheBeingDropped) {
  testing::TempDir dir;
  LogOptions o;
  o.tenant = "t";
  o.stream_cache_max = 2;
  auto log = std::move(RocksEventLog::Open(dir.path(), o)).value();
  for (int round = 1; round <= 3; ++round) {
    for (int s = 0; s < 5; ++s) {
      const std::string stream = "s-" + std::to_string(s);
      auto r = log->Append(Meta(), {stream, static_cast<uint64_t>(round - 1), {Draft("x")}});
      ASSERT_TRUE(r.ok()) << stream << " round " << round << ": " << r.status().ToString();
    }
  }
  EXPECT_EQ(log->Append(Meta(), {"s-0", 2, {Draft("y")}}).status().reason(), "version_conflict");
  EXPECT_EQ(log->Append(Meta(), {"s-4", kNoStream, {Draft("y")}}).status().reason(),
            "version_conflict");
  ExpectIntactChain(*log);
}

// Streams a command appends to without a version (or requires new) and that are not cached are
// taken as new and proven so in one read once the decide step is done. The tests below reopen
// the log so that nothing is cached, and check what the disk then holds.
class EventLogStreamsTakenAsNewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = OpenLog(dir_.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-0", kNoStream, {Draft("a"), Draft("b")}}).ok());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("c")}}).ok());
    log.reset();
    log_ = OpenLog(dir_.path());  // nothing cached
  }

  // The versions the stream index holds for the stream, read back from the envelopes.
  std::vector<uint64_t> Versions(std::string_view stream) {
    std::vector<events::RecordedEvent> events;
    EXPECT_TRUE(log_->ReadStream(stream, 1, 100, &events).ok());
    std::vector<uint64_t> versions;
    for (const auto& e : events) versions.push_back(Decode(e).meta.version);
    return versions;
  }

  testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
};

TEST_F(EventLogStreamsTakenAsNewTest, StreamsThatExistContinueFromTheirVersionOnTheDisk) {
  auto r = AppendAll(*log_, {{"s-0", kAnyVersion, {Draft("d")}},
                             {"n-0", kAnyVersion, {Draft("e")}},
                             {"s-1", kAnyVersion, {Draft("f"), Draft("g")}},
                             {"s-0", kAnyVersion, {Draft("h")}},
                             {"n-1", kNoStream, {Draft("i")}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Versions("s-0"), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(Versions("s-1"), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(Versions("n-0"), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Versions("n-1"), (std::vector<uint64_t>{1}));
  // The cache holds the same versions: expected-version checks pass at them.
  EXPECT_TRUE(log_->Append(Meta(), {"s-0", 4, {Draft("j")}}).ok());
  EXPECT_TRUE(log_->Append(Meta(), {"s-1", 3, {Draft("k")}}).ok());
  EXPECT_EQ(log_->Append(Meta(), {"n-1", kNoStream, {Draft("l")}}).status().reason(),
            "version_conflict");
  ExpectIntactChain(*log_);
}

TEST_F(EventLogStreamsTakenAsNewTest, AStreamRequiredNewThatExistsFailsTheCommandAfterDecide) {
  auto r = log_->SubmitAndWait(Meta(), [](WriteContext& ctx) {
    if (Status s = ctx.Append({"n-0", kNoStream, {Draft("d")}}); !s.ok()) return s;
    if (Status s = ctx.Append({"s-0", kNoStream, {Draft("e")}}); !s.ok()) return s;
    return Status::Ok();
  });
  EXPECT_EQ(r.status().reason(), "version_conflict") << r.status().ToString();
  EXPECT_NE(r.status().message().find("s-0 is at version 2"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(log_->Head(), 3u);  // nothing written
  // Both streams are back where the disk has them.
  EXPECT_TRUE(log_->Append(Meta(), {"s-0", 2, {Draft("f")}}).ok());
  EXPECT_TRUE(log_->Append(Meta(), {"n-0", kNoStream, {Draft("g")}}).ok());
  EXPECT_EQ(Versions("s-0"), (std::vector<uint64_t>{1, 2, 3}));
  ExpectIntactChain(*log_);
}

// The conflict came first (at the append), so it is the answer, not what decide said after it.
TEST_F(EventLogStreamsTakenAsNewTest, TheConflictIsTheAnswerWhenDecideFailsAfterIt) {
  auto r = log_->SubmitAndWait(Meta(), [](WriteContext& ctx) {
    if (Status s = ctx.Append({"s-1", kNoStream, {Draft("d")}}); !s.ok()) return s;
    return Status::InvalidArgument("later", "a later check failed");
  });
  EXPECT_EQ(r.status().reason(), "version_conflict") << r.status().ToString();
  EXPECT_TRUE(log_->Append(Meta(), {"s-1", 1, {Draft("e")}}).ok());
  ExpectIntactChain(*log_);
}

TEST_F(EventLogStreamsTakenAsNewTest, AFailedCommandLeavesTheirVersionsAsOnTheDisk) {
  auto r = log_->SubmitAndWait(Meta(), [](WriteContext& ctx) {
    if (Status s = ctx.Append({"s-0", kAnyVersion, {Draft("d")}}); !s.ok()) return s;
    return Status::InvalidArgument("later", "a later check failed");
  });
  EXPECT_EQ(r.status().reason(), "later");
  EXPECT_EQ(log_->Append(Meta(), {"s-0", 1, {Draft("e")}}).status().reason(), "version_conflict");
  EXPECT_TRUE(log_->Append(Meta(), {"s-0", 2, {Draft("e")}}).ok());
  ExpectIntactChain(*log_);
}

TEST_F(EventLogStreamsTakenAsNewTest, StreamVersionReadsTheDiskForAStreamTakenAsNew) {
  auto r = log_->SubmitAndWait(Meta(), [](WriteContext& ctx) -> Status {
    if (Status s = ctx.Append({"s-0", kAnyVersion, {Draft("d")}}); !s.ok()) return s;
    Result<uint64_t> v = ctx.StreamVersion("s-0");
    if (!v.ok()) return v.status();
    if (Status s = ctx.Append({"s-0", *v, {Draft("e")}}); !s.ok()) return s;
    ctx.SetResult(std::to_string(*v));
    return Status::Ok();
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->result, "3");
  EXPECT_EQ(Versions("s-0"), (std::vector<uint64_t>{1, 2, 3, 4}));
  ExpectIntactChain(*log_);
}

// The proof reads all of a command's uncached streams in one MultiGet, telling RocksDB when they
// come sorted (it then skips its own sort). Streams spread over several table files, proven in
// ascending and in descending order, each beside streams that are new: every existing one goes
// on from its version on the disk, every new one starts at 1.
TEST(EventLogTest, StreamsProvenInOrderOrNotContinueFromTheDisk) {
  testing::TempDir dir;
  constexpr int kStreams = 120;
  // "s-0010" the streams that exist; "s-0010-a" and "s-0010-d" new, beside them in key order.
  auto name = [](int i, const char* suffix = "") {
    char b[24];
    std::snprintf(b, sizeof(b), "s-%04d%s", i, suffix);
    return std::string(b);
  };
  {
    auto log = OpenLog(dir.path());
    for (int file = 0; file < 3; ++file) {  // three table files, each a third of the streams
      std::vector<StreamAppend> appends;
      for (int i = file; i < kStreams; i += 3) {
        appends.push_back({name(i), kNoStream, {Draft("a"), Draft("b")}});
      }
      ASSERT_TRUE(AppendAll(*log, std::move(appends)).ok());
      ASSERT_TRUE(log->FlushMemtables().ok());
    }
  }
  std::unique_ptr<RocksEventLog> log;
  for (bool ascending : {true, false}) {
    log.reset();
    log = OpenLog(dir.path());  // nothing cached
    std::vector<StreamAppend> appends;
    for (int k = 0; k < kStreams; ++k) {
      const int i = ascending ? k : kStreams - 1 - k;
      appends.push_back({name(i), kAnyVersion, {Draft("c")}});
      if (i % 10 != 0) continue;
      appends.push_back({name(i, ascending ? "-a" : "-d"), kNoStream, {Draft("d")}});
    }
    auto r = AppendAll(*log, std::move(appends));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  for (int i = 0; i < kStreams; ++i) {
    std::vector<events::RecordedEvent> events;
    ASSERT_TRUE(log->ReadStream(name(i), 1, 100, &events).ok());
    ASSERT_EQ(events.size(), 4u) << name(i);
    EXPECT_EQ(Decode(events.back()).meta.version, 4u) << name(i);
    if (i % 10 != 0) continue;
    for (const char* suffix : {"-a", "-d"}) {
      events.clear();
      ASSERT_TRUE(log->ReadStream(name(i, suffix), 1, 100, &events).ok());
      ASSERT_EQ(events.size(), 1u) << name(i, suffix);
      EXPECT_EQ(Decode(events[0]).meta.version, 1u);
    }
  }
  ExpectIntactChain(*log);
}

// A stream taken as new whose proof cannot be read (a failing disk under the stream index) fails
// its command with storage_unavailable, writes nothing, and is read again by the next command
// that appends to it: it never goes on from the 0 it was counted from (which would write its
// versions a second time).
TEST(EventLogTest, AStreamWhoseProofCannotBeReadFailsTheCommandAndIsReadAgainLater) {
  testing::TempDir dir;
  StorageFaults faults;
  const LogOptions o = OnFaultyStorage(faults);
  {
    auto log = RocksEventLog::Open(dir.path(), o);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Meta(), {"s-0", kNoStream, {Draft("a"), Draft("b")}}).ok());
    ASSERT_TRUE((*log)->Append(Meta(), {"s-1", kNoStream, {Draft("c")}}).ok());
    ASSERT_TRUE((*log)->FlushMemtables().ok());  // the stream index in a table file
  }
  auto opened = RocksEventLog::Open(dir.path(), o);  // nothing cached
  ASSERT_TRUE(opened.ok());
  RocksEventLog& log = **opened;
  faults.SetReadErrors(true);
  // Two streams proven in one MultiGet (one exists, one is new), then one by a point read.
  auto both =
      AppendAll(log, {{"s-1", kAnyVersion, {Draft("d")}}, {"n-0", kAnyVersion, {Draft("e")}}});
  EXPECT_EQ(both.status().reason(), "storage_unavailable") << both.status().ToString();
  auto one = AppendAll(log, {{"s-0", kAnyVersion, {Draft("f")}}});
  EXPECT_EQ(one.status().reason(), "storage_unavailable") << one.status().ToString();
  EXPECT_GT(faults.reads_failed(), 0u);
  EXPECT_EQ(log.Head(), 3u);  // nothing written

  faults.SetReadErrors(false);
  ASSERT_TRUE(AppendAll(log, {{"s-1", kAnyVersion, {Draft("g")}}}).ok());
  ASSERT_TRUE(AppendAll(log, {{"s-0", kAnyVersion, {Draft("h")}}}).ok());
  EXPECT_TRUE(log.Append(Meta(), {"n-0", kNoStream, {Draft("i")}}).ok());
  EXPECT_TRUE(log.Append(Meta(), {"s-0", 3, {Draft("j")}}).ok());
  EXPECT_TRUE(log.Append(Meta(), {"s-1", 2, {Draft("k")}}).ok());
  std::vector<events::RecordedEvent> events;
  ASSERT_TRUE(log.ReadStream("s-0", 1, 100, &events).ok());
  ASSERT_EQ(events.size(), 4u);
  for (uint64_t v = 1; v <= 4; ++v) EXPECT_EQ(Decode(events[v - 1]).meta.version, v);
  ExpectIntactChain(log);
}

// A decide that throws fails its own command (Internal) and writes nothing of it; the writer
// thread lives on and the next command is written.
TEST(EventLogTest, ADecideThatThrowsFailsOnlyItsCommand) {
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  auto thrown = log->SubmitAndWait(Meta(), [](WriteContext& ctx) -> Status {
    if (Status s = ctx.Append({"s-1", kNoStream, {Draft("half")}}); !s.ok()) return s;
    throw std::out_of_range("a defect");
  });
  EXPECT_EQ(thrown.status().code(), StatusCode::kInternal);
  EXPECT_EQ(log->Head(), 0u);
  auto next = log->Append(Meta(), {"s-1", kNoStream, {Draft("whole")}});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->first_position, 1u);
}

TEST(EventLogTest, EightConcurrentWritersGetGaplessPositionsAndStreamVersions) {
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  constexpr int kThreads = 8, kPerThread = 150;
  std::vector<std::vector<uint64_t>> positions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string stream = "s-" + std::to_string(t % 4);  // two writers per stream
      for (int i = 0; i < kPerThread; ++i) {
        auto r = log->Append(Meta(), {stream, kAnyVersion, {Draft("x")}});
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        positions[t].push_back(r->first_position);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (auto& p : positions) all.insert(all.end(), p.begin(), p.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t{kThreads * kPerThread});
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1) << "gap or duplicate";
  EXPECT_EQ(log->Head(), all.size());
  // Each stream's versions are 1..N in position order.
  for (int s = 0; s < 4; ++s) {
    std::vector<events::RecordedEvent> events;
    ASSERT_TRUE(log->ReadStream("s-" + std::to_string(s), 1, 10000, &events).ok());
    ASSERT_EQ(events.size(), size_t{2 * kPerThread});
    uint64_t last_position = 0;
    for (size_t v = 0; v < events.size(); ++v) {
      EXPECT_EQ(Decode(events[v]).meta.version, v + 1);
      EXPECT_GT(events[v].position, last_position);
      last_position = events[v].position;
    }
  }
  ExpectIntactChain(*log);
  EXPECT_EQ(log->stats().commands_committed.load(), uint64_t{kThreads * kPerThread});
}

TEST(EventLogTest, ExpectedVersionConflictWritesNothing) {
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("a")}}).ok());
  auto again = log->Append(Meta(), {"s-1", kNoStream, {Draft("b")}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAborted);
  EXPECT_EQ(again.status().reason(), "version_conflict");
  auto ahead = log->Append(Meta(), {"s-1", 5, {Draft("b")}});
  EXPECT_EQ(ahead.status().reason(), "version_conflict");
  EXPECT_EQ(log->Head(), 1u);
}

TEST(EventLogTest, IdempotentRetryAnswersTheFirstResultAndWritesNothing) {  // P8
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  auto first = log->SubmitAndWait(Meta("key-1", "body"), [](WriteContext& ctx) {
    ctx.SetResult("201{\"id\":\"m-1\"}");
    return ctx.Append({"s-1", kNoStream, {Draft("a"), Draft("b")}});
  });
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->replayed);
  int decide_calls = 0;
  auto retry = log->SubmitAndWait(Meta("key-1", "body"), [&](WriteContext& ctx) {
    ++decide_calls;
    return ctx.Append({"s-1", kAnyVersion, {Draft("a")}});
  });
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(decide_calls, 0);
  EXPECT_EQ(retry->first_position, first->first_position);
  EXPECT_EQ(retry->last_position, first->last_position);
  EXPECT_EQ(retry->result, "201{\"id\":\"m-1\"}");
  EXPECT_EQ(log->Head(), 2u);

  auto reused = log->Append(Meta("key-1", "another body"), {"s-1", kAnyVersion, {Draft("c")}});
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.status().reason(), "idempotency_key_reused");
  EXPECT_EQ(log->Head(), 2u);
}

TEST(EventLogTest, ConcurrentRetriesOfOneKeyRecordOnce) {  // P8, within one batch or across two
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  // Each callback shares its promise: set_value may still be running after get() returns.
  std::vector<std::shared_ptr<std::promise<Result<CommitResult>>>> promises;
  std::vector<std::future<Result<CommitResult>>> futures;
  for (int i = 0; i < 16; ++i) {
    auto p = std::make_shared<std::promise<Result<CommitResult>>>();
    futures.push_back(p->get_future());
    log->Submit(Meta("same", "b"), [](WriteContext& ctx) {
      return ctx.Append({"s-1", kAnyVersion, {Draft("a")}});
    }, [p](Result<CommitResult> r) { p->set_value(std::move(r)); });
  }
  int fresh = 0;
  for (auto& f : futures) {
    auto r = f.get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->first_position, 1u);
    fresh += r->replayed ? 0 : 1;
  }
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(log->Head(), 1u);
}

TEST(EventLogTest, ARejectedCommandWritesNothingAndDoesNotDisturbItsBatch) {
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  using Promise = std::promise<Result<CommitResult>>;
  auto a = std::make_shared<Promise>(), b = std::make_shared<Promise>(), c = std::make_shared<Promise>();
  auto fa = a->get_future(), fb = b->get_future(), fc = c->get_future();
  auto append = [](std::string stream) {
    return [stream](WriteContext& ctx) { return ctx.Append({stream, kAnyVersion, {Draft("x")}}); };
  };
  log->Submit(Meta(), append("s-a"), [a](Result<CommitResult> r) { a->set_value(std::move(r)); });
  log->Submit(Meta(), [](WriteContext& ctx) -> Status {
    if (Status s = ctx.Append({"s-b", kAnyVersion, {Draft("y")}}); !s.ok()) return s;
    return Status::FailedPrecondition("rule_refused", "refused after appending");
  }, [b](Result<CommitResult> r) { b->set_value(std::move(r)); });
  log->Submit(Meta(), append("s-c"), [c](Result<CommitResult> r) { c->set_value(std::move(r)); });
  ASSERT_TRUE(fa.get().ok());
  auto rb = fb.get();
  EXPECT_EQ(rb.status().reason(), "rule_refused");
  ASSERT_TRUE(fc.get().ok());
  EXPECT_EQ(log->Head(), 2u);
  std::vector<events::RecordedEvent> none;
  ASSERT_TRUE(log->ReadStream("s-b", 1, 10, &none).ok());
  EXPECT_TRUE(none.empty());
  ExpectIntactChain(*log);
}

TEST(EventLogTest, ACommandAcrossStreamsGetsConsecutivePositions) {
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  auto r = log->SubmitAndWait(Meta(), [](WriteContext& ctx) -> Status {
    if (Status s = ctx.Append({"a-1", kNoStream, {Draft("x")}}); !s.ok()) return s;
    // The context counts this command's own appends.
    EXPECT_EQ(*ctx.StreamVersion("a-1"), 1u);
    return ctx.Append({"b-1", kNoStream, {Draft("y"), Draft("z")}});
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_position, 1u);
  EXPECT_EQ(r->last_position, 3u);
}

TEST(EventLogTest, ReadsComeInBoundedBatches) {
  testing::TempDir dir;
  LogOptions o;
  o.tenant = "t";
  o.read_batch_events_max = 7;
  auto log = std::move(RocksEventLog::Open(dir.path(), o)).value();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(log->Append(Meta(), {"s", kAnyVersion, {Draft("x")}}).ok());
  std::vector<events::RecordedEvent> page;
  ASSERT_TRUE(log->ReadAfter(0, 1000, &page).ok());
  EXPECT_EQ(page.size(), 7u);  // capped by read_batch_events_max
  page.clear();
  ASSERT_TRUE(log->ReadAfter(15, 3, &page).ok());
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].position, 16u);
  page.clear();
  ASSERT_TRUE(log->ReadAfter(20, 3, &page).ok());
  EXPECT_TRUE(page.empty());
}

TEST(EventLogTest, InvalidStreamNamesAndOversizedCommandsAreRefused) {
  testing::TempDir dir;
  LogOptions o;
  o.tenant = "t";
  o.command_events_max = 3;
  auto log = std::move(RocksEventLog::Open(dir.path(), o)).value();
  EXPECT_EQ(log->Append(Meta(), {"", kAnyVersion, {Draft("x")}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Append(Meta(), {std::string("a\0b", 3), kAnyVersion, {Draft("x")}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Append(Meta(), {"s", kAnyVersion, {Draft("1"), Draft("2"), Draft("3"), Draft("4")}})
                .status().reason(),
            "too_many_events");
  EXPECT_EQ(log->Head(), 0u);
}

TEST(EventLogTest, CloseAnswersQueuedCommandsAndRefusesNewOnes) {
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  std::vector<std::future<Result<CommitResult>>> futures;
  std::vector<std::shared_ptr<std::promise<Result<CommitResult>>>> promises;
  for (int i = 0; i < 50; ++i) {
    auto p = std::make_shared<std::promise<Result<CommitResult>>>();
    futures.push_back(p->get_future());
    log->Submit(Meta(), [](WriteContext& ctx) { return ctx.Append({"s", kAnyVersion, {Draft("x")}}); },
                [p](Result<CommitResult> r) { p->set_value(std::move(r)); });
  }
  log->Close();
  for (auto& f : futures) EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(log->Head(), 50u);
  auto late = log->Append(Meta(), {"s", kAnyVersion, {Draft("x")}});
  EXPECT_EQ(late.status().code(), StatusCode::kUnavailable);
}

// A snapshot taken while the log runs: of a written position only, there after a restart, the
// latest read back. (That it outlives a kill, written without the WAL, is for the HTTP crash
// test: a clean close flushes anyway.)
TEST(EventLogTest, SnapshotsTakenWhileRunningAreFlushedAndReplaceTheEarlierOnes) {
  testing::TempDir dir;
  uint64_t at = 0;
  std::string bytes;
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("a"), Draft("b")}}).ok());
    EXPECT_EQ(log->WriteSnapshotAt(0, "none").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(log->WriteSnapshotAt(3, "ahead").code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(log->WriteSnapshotAt(1, "model at 1").ok());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", 2, {Draft("c")}}).ok());
    ASSERT_TRUE(*log->LatestSnapshot(&at, &bytes));
    EXPECT_EQ(at, 1u);
    ASSERT_TRUE(log->WriteSnapshotAt(2, "model at 2").ok());  // below the head: fine
    ASSERT_TRUE(*log->LatestSnapshot(&at, &bytes));
    EXPECT_EQ(at, 2u);
    EXPECT_EQ(bytes, "model at 2");
    ASSERT_TRUE(log->Append(Meta(), {"s-1", 3, {Draft("d")}}).ok());
  }
  auto log = OpenLog(dir.path());
  ExpectLatestSnapshot(*log, 2, "model at 2");
  ASSERT_TRUE(log->WriteSnapshotAt(4, "model at 4").ok());
  ExpectLatestSnapshot(*log, 4, "model at 4");
}

// Write-model snapshots: kept for the head after Close, only the latest; read back at any later
// head; refused before Close; and not trusted when the event hash stored with it does not match
// the log (a snapshot that came from another log).
TEST(EventLogTest, SnapshotsAreKeptForTheHeadAndTiedToTheirLog) {
  testing::TempDir dir;
  uint64_t at = 0;
  std::string bytes;
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("a"), Draft("b")}}).ok());
    ASSERT_TRUE(*log->LatestSnapshot(&at, &bytes) == false);
    EXPECT_EQ(log->WriteSnapshot("early").code(), StatusCode::kInternal);  // not before Close
    log->Close();
    ASSERT_TRUE(log->WriteSnapshot("model at 2").ok());
    ASSERT_TRUE(*log->LatestSnapshot(&at, &bytes));
    EXPECT_EQ(at, 2u);
    EXPECT_EQ(bytes, "model at 2");
  }
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", 2, {Draft("c")}}).ok());
    ASSERT_TRUE(*log->LatestSnapshot(&at, &bytes));  // the older one, below the head
    EXPECT_EQ(at, 2u);
    log->Close();
    ASSERT_TRUE(log->WriteSnapshot("model at 3").ok());
    ASSERT_TRUE(*log->LatestSnapshot(&at, &bytes));
    EXPECT_EQ(at, 3u);
    EXPECT_EQ(bytes, "model at 3");
  }
  // The same snapshot record put into another log, whose event 3 is another: not trusted there.
  testing::TempDir other;
  {
    auto log = OpenLog(other.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-9", kNoStream, {Draft("x"), Draft("y"), Draft("z")}}).ok());
  }
  std::vector<std::pair<std::string, std::string>> records;
  {
    RawLog raw(dir.path(), true);
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db->NewIterator(rocksdb::ReadOptions(), raw.snapshots()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      records.emplace_back(it->key().ToString(), it->value().ToString());
    }
    ASSERT_EQ(records.size(), 2u);  // one piece and the trailer
  }
  {
    RawLog raw(other.path(), false);
    for (const auto& [key, value] : records) {
      ASSERT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.snapshots(), key, value).ok());
    }
  }
  auto log = OpenLog(other.path());
  EXPECT_FALSE(*log->LatestSnapshot(&at, &bytes));
}

// A snapshot larger than a piece (4 MiB) is stored in pieces and read back whole.
TEST(EventLogTest, ALargeSnapshotIsStoredInPiecesAndReadBackWhole) {
  testing::TempDir dir;
  std::string model((size_t{9} << 20) + 123, '\0');
  for (size_t i = 0; i < model.size(); ++i) model[i] = static_cast<char>(i * 7 + i / 4099);
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("a")}}).ok());
    ASSERT_TRUE(log->WriteSnapshotAt(1, model).ok());
    ExpectLatestSnapshot(*log, 1, model);
    uint64_t at = 0;  // the position alone
    Result<bool> found = log->LatestSnapshot(&at, nullptr);
    ASSERT_TRUE(found.ok() && *found);
    EXPECT_EQ(at, 1u);
  }
  RawLog raw(dir.path(), true);
  std::unique_ptr<rocksdb::Iterator> it(
      raw.db->NewIterator(rocksdb::ReadOptions(), raw.snapshots()));
  size_t keys = 0, largest = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++keys) {
    largest = std::max(largest, it->value().size());
  }
  EXPECT_EQ(keys, 4u);  // three pieces and the trailer
  EXPECT_EQ(largest, size_t{4} << 20);
}

// A snapshot's table file is compressed (LZ4, where this RocksDB has it): a model of repeating
// records, as an encoded model is, takes a fraction of its size on the disk and reads back whole.
TEST(EventLogTest, SnapshotsAreStoredCompressed) {
  if (!testing::Lz4Linked()) GTEST_SKIP() << "this RocksDB build has no LZ4";
  testing::TempDir dir;
  std::string model;
  for (int i = 0; model.size() < (size_t{6} << 20); ++i) {
    model += "member m" + std::to_string(1000000 + i) + " regular active 2026-04-01;";
  }
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("a")}}).ok());
    ASSERT_TRUE(log->WriteSnapshotAt(1, model).ok());
    ExpectLatestSnapshot(*log, 1, model);
  }
  RawLog raw(dir.path(), true);
  std::vector<rocksdb::LiveFileMetaData> files;
  raw.db->GetLiveFilesMetaData(&files);
  size_t stored = 0;
  for (const auto& f : files) {
    if (f.column_family_name == "snapshots") stored += f.size;
  }
  EXPECT_GT(stored, 0u);
  EXPECT_LT(stored, model.size() / 3) << stored;
}

// The log's table files are written with LZ4 (where this RocksDB has it), not RocksDB's default
// Snappy: the flushes compress every event on the writer's cores (docs/benchmarks.md).
TEST(EventLogTest, TheLogsTablesAreWrittenWithLz4) {
  if (!testing::Lz4Linked()) GTEST_SKIP() << "this RocksDB build has no LZ4";
  testing::TempDir dir;
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("a"), Draft("b")}}).ok());
    ASSERT_TRUE(log->FlushMemtables().ok());
  }
  RawLog raw(dir.path(), true);
  for (const char* family : {"events", "streams"}) {
    const std::vector<std::string> compressions = raw.TableCompressions(family);
    ASSERT_FALSE(compressions.empty()) << family;
    for (const auto& c : compressions) EXPECT_EQ(c, "LZ4") << family;
  }
}

// The files of older snapshots go when a newer one is written (not only later, by compaction):
// the search for the latest snapshot would otherwise load their blocks to skip them.
TEST(EventLogTest, OlderSnapshotFilesAreDroppedWhenANewerOneIsWritten) {
  testing::TempDir dir;
  {
    auto log = OpenLog(dir.path());
    for (uint64_t at = 1; at <= 3; ++at) {
      ASSERT_TRUE(log->Append(Meta(), {"s-1", at - 1, {Draft("a")}}).ok());
      ASSERT_TRUE(log->WriteSnapshotAt(at, std::string(100000, static_cast<char>('a' + at))).ok());
    }
  }
  RawLog raw(dir.path(), true);
  std::vector<rocksdb::LiveFileMetaData> files;
  raw.db->GetLiveFilesMetaData(&files);
  size_t with_pieces = 0;
  for (const auto& f : files) {
    if (f.column_family_name != "snapshots" || f.num_entries == f.num_deletions) {
      continue;  // a file of the range deletions alone
    }
    ++with_pieces;
    // Only the latest snapshot's keys (position 3) are left in a file with entries.
    EXPECT_EQ(f.smallestkey.substr(0, 8), std::string("\0\0\0\0\0\0\0\3", 8)) << f.name;
  }
  EXPECT_EQ(with_pieces, 1u);
}

// A source that fails halfway (the encoding process died) stores nothing: the snapshot before
// it stays the latest.
TEST(EventLogTest, ASnapshotWhoseSourceFailsStoresNothing) {
  testing::TempDir dir;
  auto log = OpenLog(dir.path());
  ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("a"), Draft("b")}}).ok());
  ASSERT_TRUE(log->WriteSnapshotAt(1, "model at 1").ok());
  int calls = 0;
  Status s = log->WriteSnapshotAt(2, [&calls](std::string* piece) {
    if (++calls > 2) return Status::Internal("the encoding process failed");
    *piece = "half";
    return Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  ExpectLatestSnapshot(*log, 1, "model at 1");
}

// A snapshot stored as one value by an earlier build (key: the position alone) still reads, and
// the next snapshot, of the same position even, replaces it.
TEST(EventLogTest, ASnapshotStoredWholeByAnEarlierBuildStillReads) {
  testing::TempDir dir;
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(log->Append(Meta(), {"s-1", kNoStream, {Draft("a"), Draft("b")}}).ok());
  }
  const std::string position_2("\0\0\0\0\0\0\0\2", 8);
  {
    RawLog raw(dir.path(), false);
    std::string envelope;
    ASSERT_TRUE(raw.db->Get(rocksdb::ReadOptions(), raw.events(), position_2, &envelope).ok());
    const events::Hash hash = events::Sha256(envelope);
    std::string value(reinterpret_cast<const char*>(hash.data()), hash.size());
    value += "model stored whole";
    ASSERT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.snapshots(), position_2, value).ok());
  }
  {
    auto log = OpenLog(dir.path());
    ExpectLatestSnapshot(*log, 2, "model stored whole");
    ASSERT_TRUE(log->WriteSnapshotAt(2, "model in pieces").ok());
    ExpectLatestSnapshot(*log, 2, "model in pieces");
  }
  RawLog raw(dir.path(), true);
  std::string gone;
  EXPECT_TRUE(raw.db->Get(rocksdb::ReadOptions(), raw.snapshots(), position_2, &gone).IsNotFound());
}

}  // namespace
}  // namespace kaiin::ledger
