// Backups by name (http/backups.h) and the list of a tenant's backups through the API.
#include "http/backups.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/http/api_fixture.h"

namespace kaiin::http {
namespace {

// 2026-11-23T00:45:12.345678Z
constexpr int64_t kMicros = int64_t{1795394712} * 1000000 + 345678;

TEST(BackupNameTest, NamesAndReadsBackTheSecondTheHeadAndTheCopy) {
  const BackupName first = NameBackup(kMicros, 61, 1);
  EXPECT_EQ(first.Name(), "20261123T004512Z-p61");
  EXPECT_EQ(first.TakenAt(), "2026-11-23T00:45:12Z");
  EXPECT_EQ(first.TakenAtSeconds(), kMicros / 1000000);
  EXPECT_EQ(NameBackup(0, 1, 1).TakenAtSeconds(), 0);
  EXPECT_EQ(NameBackup(int64_t{951782400} * 1000000, 1, 1).TakenAtSeconds(),
            951782400);  // 2000-02-29
  EXPECT_EQ(NameBackup(kMicros, 0, 2).Name(), "20261123T004512Z-p0-2");
  for (const BackupName& b : {first, NameBackup(kMicros, 0, 2), NameBackup(0, ~uint64_t{0}, 100)}) {
    const std::optional<BackupName> back = ParseBackupName(b.Name());
    ASSERT_TRUE(back) << b.Name();
    EXPECT_EQ(back->Name(), b.Name());
    EXPECT_EQ(back->log_head, b.log_head);
    EXPECT_EQ(back->n, b.n);
  }
}

TEST(BackupNameTest, RefusesWhatNoBackupIsCalled) {
  for (const char* text :
       {"", ".partial-0a1b2c3d", "20261123T004512Z", "20261123T004512Z-p", "20261123T004512Z-p061",
        "20261123T004512Z-p61-1", "20261123T004512Z-p61-02", "20261123T004512Z-p61-",
        "20261123T004512Z-p-1", "20261123T004512Z-p18446744073709551616", "20261123T004512Z-p61x",
        "20261123T004512-p61", "20261123 004512Z-p61", "20230230T004512Z-p61",
        "20261123T244512Z-p61", "20261123T006012Z-p61", "20261123T004560Z-p61",
        "2026112aT004512Z-p61"}) {
    EXPECT_FALSE(ParseBackupName(text)) << text;
  }
}

TEST(BackupNameTest, NewestFirstIsByTimeThenHeadThenCopy) {
  const BackupName a = NameBackup(kMicros, 9, 1);
  const BackupName b = NameBackup(kMicros, 10, 1);  // "p10" sorts before "p9" as text
  const BackupName c = NameBackup(kMicros, 10, 2);
  const BackupName d = NameBackup(kMicros + 1000000, 1, 1);
  EXPECT_TRUE(b.NewerThan(a));
  EXPECT_TRUE(c.NewerThan(b));
  EXPECT_TRUE(d.NewerThan(c));
  EXPECT_FALSE(a.NewerThan(a));
  EXPECT_FALSE(a.NewerThan(d));
}

class BackupsApi : public ApiFixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(Call("PUT", "/v1/tenants/soc",
                   R"({"name":"学会","fiscal_year_start_month":4,"timezone":"Asia/Tokyo"})")
                  .status,
              201);
  }
  std::string Take() {
    const Response r = Call("POST", "/v1/tenants/soc/backups");
    EXPECT_EQ(r.status, 201) << r.body;
    return Field(r.body, "backup");
  }
};

// An operator finds the latest copy first, pages through the rest, and sees only whole backups.
TEST_F(BackupsApi, ListsTheTenantsBackupsNewestFirstInPages) {
  const Response none = Call("GET", "/v1/tenants/soc/backups");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body, R"({"items":[],"next_cursor":null})");

  std::vector<std::string> taken;  // oldest first
  taken.push_back(Take());
  taken.push_back(Take());  // the same head, perhaps the same second: -2
  clock_offset_ += 3'000'000;
  ASSERT_EQ(Call("PUT", "/v1/tenants/soc", R"({"name":"学会 事務局"})").status, 200);
  taken.push_back(Take());
  clock_offset_ += 3'000'000;
  taken.push_back(Take());
  // Not backups: a copy being made, a stray file with a backup's name, someone's notes.
  const std::string root = dir_.Sub("backups") + "/soc";
  std::filesystem::create_directories(root + "/.partial-0a1b2c3d/tenants/soc/log");
  std::ofstream(root + "/20991231T235959Z-p1") << "not a folder";
  std::filesystem::create_directories(root + "/notes");

  const Response first = Call("GET", "/v1/tenants/soc/backups?limit=3");
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string newest = Field(first.body, "backup");
  EXPECT_EQ(newest, taken[3]);
  EXPECT_TRUE(Has(first, R"({"backup":")" + taken[3] + R"(","data_dir":")" + root + "/" + taken[3] +
                             R"(","log_head":2,"taken_at":")"))
      << first.body;
  size_t at = 0;
  for (int i : {3, 2, 1}) {
    at = first.body.find("\"backup\":\"" + taken[i] + "\"", at);
    EXPECT_NE(at, std::string::npos) << taken[i] << " in order in " << first.body;
  }
  EXPECT_FALSE(Has(first, "\"backup\":\"" + taken[0] + "\"")) << first.body;
  EXPECT_EQ(Field(first.body, "next_cursor"), taken[1]);
  // taken_at is the second in the name.
  EXPECT_EQ(Field(first.body, "taken_at"), ParseBackupName(taken[3])->TakenAt());

  const Response rest = Call("GET", "/v1/tenants/soc/backups?limit=3&cursor=" + taken[1]);
  ASSERT_EQ(rest.status, 200) << rest.body;
  EXPECT_EQ(rest.body, R"({"items":[{"backup":")" + taken[0] + R"(","data_dir":")" + root + "/" +
                           taken[0] + R"(","log_head":1,"taken_at":")" +
                           ParseBackupName(taken[0])->TakenAt() + R"("}],"next_cursor":null})");
  const Response all = Call("GET", "/v1/tenants/soc/backups");
  EXPECT_FALSE(Has(all, ".partial") || Has(all, "notes") || Has(all, "20991231")) << all.body;

  EXPECT_TRUE(
      IsProblem(Call("GET", "/v1/tenants/soc/backups?cursor=notes"), 400, "validation_failed"));
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants/soc/backups?limit=0"), 400, "validation_failed"));
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants/nosuch/backups"), 404, "not_found"));
}

// A server stopped or killed while making a copy leaves it under its `.partial-` name; the next
// copy of that society removes it, and nothing else in the folder.
TEST_F(BackupsApi, ACopyLeftUnfinishedIsRemovedByTheNext) {
  const std::string root = dir_.Sub("backups") + "/soc";
  std::filesystem::create_directories(root + "/.partial-0a1b2c3d/tenants/soc/log");
  std::ofstream(root + "/.partial-0a1b2c3d/tenants/soc/log/000004.sst") << "half a table";
  std::filesystem::create_directories(root + "/notes");
  std::ofstream(root + "/.partial-notes.txt") << "an operator's file";  // removed too: our prefix
  const std::string name = Take();
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    left.push_back(entry.path().filename().string());
  }
  std::ranges::sort(left);
  EXPECT_EQ(left, (std::vector<std::string>{name, "notes"}));
}

// The operator's nightly job: one call copies every society's log, one after another. A society
// whose copy cannot be made does not stop the others; the answer names it, and the copies made
// are whole and listed.
TEST_F(BackupsApi, OneCallBacksUpEverySocietyAndNamesThoseThatFailed) {
  for (const char* id : {"zoo", "abc"}) {
    ASSERT_EQ(Call("PUT", std::string("/v1/tenants/") + id, R"({"name":"会"})").status, 201);
  }
  ASSERT_EQ(Call("PUT", "/v1/tenants/abc", R"({"name":"会２"})").status, 200);  // head 2
  const Response before = Call("GET", "/metrics");
  EXPECT_TRUE(Has(before, "kaiin_backups_total{tenant=\"soc\",outcome=\"made\"} 0\n") &&
              Has(before, "kaiin_backups_kept{tenant=\"soc\"} 0\n"))
      << before.body;
  EXPECT_FALSE(Has(before, "kaiin_backup_newest_timestamp_seconds{")) << before.body;
  const Response all = Call("POST", "/v1/backups");
  ASSERT_EQ(all.status, 201) << all.body;
  const std::string root = dir_.Sub("backups");
  std::string expect = R"({"items":[)";
  for (const auto& [id, head] : {std::pair<std::string, int>{"abc", 2}, {"soc", 1}, {"zoo", 1}}) {
    const Response listed = Call("GET", "/v1/tenants/" + id + "/backups");
    const std::string name = Field(listed.body, "backup");
    ASSERT_TRUE(ParseBackupName(name)) << listed.body;
    EXPECT_EQ(ParseBackupName(name)->log_head, static_cast<uint64_t>(head));
    EXPECT_TRUE(
        std::filesystem::is_directory(root + "/" + id + "/" + name + "/tenants/" + id + "/log"));
    expect += std::string(id == "abc" ? "" : ",") + R"({"tenant":")" + id + R"(","backup":")" +
              name + R"(","data_dir":")" + root + "/" + id + "/" + name + R"(","log_head":)" +
              std::to_string(head) + "}";
  }
  EXPECT_EQ(all.body, expect + "]}");
  const Response after = Call("GET", "/metrics");
  const std::string soc = Field(Call("GET", "/v1/tenants/soc/backups").body, "backup");
  EXPECT_TRUE(Has(after, "kaiin_backups_total{tenant=\"soc\",outcome=\"made\"} 1\n") &&
              Has(after, "kaiin_backups_kept{tenant=\"soc\"} 1\n") &&
              Has(after, "kaiin_backup_newest_timestamp_seconds{tenant=\"soc\"} " +
                             std::to_string(ParseBackupName(soc)->TakenAtSeconds()) + "\n"))
      << after.body;

  // soc's backup folder is a file now: its copy fails, abc's and zoo's are made.
  std::filesystem::remove_all(root + "/soc");
  std::ofstream(root + "/soc") << "not a folder";
  clock_offset_ += 5'000'000;  // the second copies five seconds on
  const Response partly = Call("POST", "/v1/backups");
  ASSERT_TRUE(IsProblem(partly, 503, "backups_incomplete")) << partly.body;
  EXPECT_TRUE(Has(partly, R"("detail":"1 of 3 backups failed: soc")")) << partly.body;
  EXPECT_TRUE(Has(partly, R"("failed":[{"tenant":"soc","code":"storage_unavailable","detail":")"))
      << partly.body;
  std::string abc_newest;
  for (const std::string id : {"abc", "zoo"}) {
    const Response listed = Call("GET", "/v1/tenants/" + id + "/backups");
    const std::string newest = Field(listed.body, "backup");
    if (id == "abc") abc_newest = newest;
    EXPECT_TRUE(Has(partly, R"({"tenant":")" + id + R"(","backup":")" + newest + "\""))
        << newest << " " << partly.body;
    size_t copies = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root + "/" + id)) {
      EXPECT_TRUE(ParseBackupName(entry.path().filename().string())) << entry.path();
      ++copies;
    }
    EXPECT_EQ(copies, 2u) << id;
  }
  const Response counted = Call("GET", "/metrics");
  EXPECT_TRUE(Has(counted, "kaiin_backups_total{tenant=\"soc\",outcome=\"failed\"} 1\n") &&
              Has(counted, "kaiin_backups_total{tenant=\"soc\",outcome=\"made\"} 1\n") &&
              Has(counted, "kaiin_backups_total{tenant=\"abc\",outcome=\"made\"} 2\n") &&
              Has(counted, "kaiin_backups_kept{tenant=\"abc\"} 2\n") &&
              Has(counted, "kaiin_backup_newest_timestamp_seconds{tenant=\"abc\"} " +
                               std::to_string(ParseBackupName(abc_newest)->TakenAtSeconds()) +
                               "\n"))
      << counted.body;
  EXPECT_FALSE(Has(counted, "kaiin_backups_kept{tenant=\"soc\"}")) << "its folder is a file";

  // Tokens of a society are no tokens here; a server without a backup folder says so.
  const std::string staff =
      Field(Call("POST", "/v1/tenants/soc/staff",
                 R"({"login":"jim","password":"12345678","role":"secretariat"})")
                .body,
            "login");
  EXPECT_EQ(staff, "jim");
  const Response session =
      Call("POST", "/v1/tenants/soc/sessions", R"({"login":"jim","password":"12345678"})");
  const Response as_staff =
      Call("POST", "/v1/backups", "", {{"authorization", "Bearer " + Field(session.body, "token")}},
           /*admin=*/false);
  EXPECT_TRUE(IsProblem(as_staff, 401, "unauthenticated")) << as_staff.body;
  ApiOptions o;
  o.admin_token = kAdminToken;
  Api without(&tenants_, o);
  for (const auto& [method, path] : {std::pair<std::string, std::string>{"POST", "/v1/backups"},
                                     {"POST", "/v1/tenants/soc/backups"},
                                     {"GET", "/v1/tenants/soc/backups"}}) {
    Request r;
    r.method = method;
    ASSERT_TRUE(r.SetTarget(path));
    r.headers.emplace_back("authorization", std::string("Bearer ") + kAdminToken);
    Response got;
    without.Handle(r, [&got](Response res) { got = std::move(res); });
    EXPECT_TRUE(IsProblem(got, 503, "backups_off")) << method << " " << path << " " << got.body;
  }
  without.Shutdown();
}

// GET /v1/tenants: the societies a server holds, by id, in pages, with where their logs and
// projections stand.
TEST_F(BackupsApi, TheSocietiesAreListedByIdInPages) {
  for (const char* id : {"zoo", "abc"}) {
    ASSERT_EQ(Call("PUT", std::string("/v1/tenants/") + id,
                   R"({"name":"会","fiscal_year_start_month":1,"timezone":"UTC"})")
                  .status,
              201);
  }
  ASSERT_EQ(Call("PUT", "/v1/tenants/abc",
                 R"({"name":"会２","fiscal_year_start_month":1,"timezone":"UTC"})")
                .status,
            200);
  const Response first = Call("GET", "/v1/tenants?limit=2");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(first.body.starts_with(
      R"({"items":[{"tenant":"abc","name":"会２","fiscal_year_start_month":1,"timezone":"UTC","log_head":2,"projection_position":)"))
      << first.body;
  const size_t soc = first.body.find(
      R"({"tenant":"soc","name":"学会","fiscal_year_start_month":4,"timezone":"Asia/Tokyo","log_head":1,"projection_position":)");
  EXPECT_NE(soc, std::string::npos) << first.body;
  EXPECT_FALSE(Has(first, "zoo")) << first.body;
  EXPECT_TRUE(first.body.ends_with(R"(],"next_cursor":"soc"})")) << first.body;
  const Response rest = Call("GET", "/v1/tenants?limit=2&cursor=soc");
  ASSERT_EQ(rest.status, 200) << rest.body;
  EXPECT_TRUE(rest.body.starts_with(R"({"items":[{"tenant":"zoo",)")) << rest.body;
  EXPECT_TRUE(rest.body.ends_with(R"(}],"next_cursor":null})")) << rest.body;
  const Response all = Call("GET", "/v1/tenants?limit=3");
  EXPECT_TRUE(Has(all, "\"abc\"") && Has(all, "\"soc\"") && Has(all, "\"zoo\"")) << all.body;
  EXPECT_TRUE(all.body.ends_with(R"("next_cursor":null})")) << all.body;
  EXPECT_TRUE(IsProblem(Call("GET", "/v1/tenants?limit=0"), 400, "validation_failed"));
  EXPECT_TRUE(
      IsProblem(Call("GET", "/v1/tenants", "", {}, /*admin=*/false), 401, "unauthenticated"));
}

// A server stopping while the nightly job runs: the copy being made is finished and kept, the
// societies not yet begun are not copied (the stop is not held for them) and the answer names
// them; a backup asked for after that answers 503 shutting_down.
TEST_F(BackupsApi, AStoppingServerEndsTheNightlyJobAfterTheCopyItIsMaking) {
  for (const char* id : {"zoo", "abc"}) {
    ASSERT_EQ(Call("PUT", std::string("/v1/tenants/") + id, R"({"name":"会"})").status, 201);
  }
  // The clock is read once a copy is made, to name it: the stop begins during abc's copy.
  on_clock_ = [this] { api_->BeginShutdown(); };
  const Response all = Call("POST", "/v1/backups");
  ASSERT_TRUE(IsProblem(all, 503, "backups_incomplete")) << all.body;
  EXPECT_TRUE(Has(all, R"("detail":"2 of 3 backups failed: soc, zoo")")) << all.body;
  EXPECT_TRUE(Has(all, R"("failed":[{"tenant":"soc","code":"shutting_down","detail":")"))
      << all.body;
  EXPECT_TRUE(Has(all, R"({"tenant":"zoo","code":"shutting_down","detail":")")) << all.body;
  const std::string root = dir_.Sub("backups");
  const std::string abc = Field(Call("GET", "/v1/tenants/abc/backups").body, "backup");
  ASSERT_TRUE(ParseBackupName(abc));
  EXPECT_TRUE(Has(all, R"("items":[{"tenant":"abc","backup":")" + abc + "\"")) << all.body;
  EXPECT_TRUE(std::filesystem::is_directory(root + "/abc/" + abc + "/tenants/abc/log"));
  for (const char* id : {"soc", "zoo"}) {
    std::error_code ec;
    EXPECT_TRUE(std::filesystem::is_empty(root + "/" + id, ec) || ec) << id;
  }
  EXPECT_TRUE(IsProblem(Call("POST", "/v1/tenants/soc/backups"), 503, "shutting_down"));
}

}  // namespace
}  // namespace kaiin::http
