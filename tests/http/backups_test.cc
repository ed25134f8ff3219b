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

}  // namespace
}  // namespace kaiin::http
