// CSV parsing and the roster import client against a real server on loopback.
#include "http/member_import.h"

#include <gtest/gtest.h>

#include "http/csv.h"
#include "http/server.h"
#include "tests/http/api_fixture.h"

namespace kaiin::http {
namespace {

TEST(CsvTest, ParsesQuotesEscapesCrlfAndBom) {
  auto rows = ParseCsv("\xEF\xBB\xBF" "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n\n\"multi\nline\",,end");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0], (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ((*rows)[1], (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ((*rows)[2], (std::vector<std::string>{"multi\nline", "", "end"}));
}

TEST(CsvTest, RefusesBrokenQuoting) {
  EXPECT_EQ(ParseCsv("a,\"b\nc").status().reason(), "malformed_csv");
  EXPECT_EQ(ParseCsv("a,b\"c\n").status().reason(), "malformed_csv");
  EXPECT_EQ(ParseCsv("\"a\"b\n").status().reason(), "malformed_csv");
}

TEST(MemberImportTest, RowsBecomeBatchesAndBadRostersAreRefusedWithTheirRows) {
  const std::string csv =
      "email,member_type,applied_on,family,prefecture\n"
      "a@example.jp,regular,2020-04-01,山田,東京都\n"
      "b@example.jp,regular,2020-04-01,佐藤,\n"
      "c@example.jp,regular,2020-04-01,鈴木,\n";
  auto bodies = MemberImportBodies(csv, 2);
  ASSERT_TRUE(bodies.ok());
  ASSERT_EQ(bodies->size(), 2u);
  EXPECT_NE((*bodies)[0].find("\"address\":{\"postal_code\":\"\",\"prefecture\":\"東京都\""),
            std::string::npos);
  EXPECT_EQ((*bodies)[0].find("b@example.jp\",\"member_type\":\"regular\",\"applied_on\":\"2020-04-01\",\"name\":{\"family\":\"佐藤\",\"given\":\"\",\"family_kana\":\"\",\"given_kana\":\"\",\"romaji\":\"\"},\"address\""),
            std::string::npos);  // no address when every address column is empty
  auto missing = MemberImportBodies("email,member_type,family,shoe_size\nx,y,z,1\n", 10);
  ASSERT_FALSE(missing.ok());
  std::vector<std::string> fields;
  for (const auto& e : missing.status().field_errors()) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"column shoe_size", "column applied_on"}));
  auto ragged = MemberImportBodies("email,member_type,applied_on,family\na,b,c\n", 10);
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.status().field_errors()[0].field, "row 2");
}

class ImportOverHttp : public ApiFixture {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(ServerOptions{"127.0.0.1", 0}, [this](const Request& r, Responder respond) {
      api_->Handle(r, std::move(respond));
    });
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_EQ(Call("PUT", "/v1/tenants/soc", R"({"name":"学会"})").status, 201);
    ASSERT_EQ(Call("PUT", "/v1/tenants/soc/member-types/regular", R"({"name":"正会員"})").status, 201);
    target_ = {"127.0.0.1", server_->port(), "soc", kAdminToken};
  }
  // As kaiind shuts down: stop the server, finish the tenants' work (whose answers hold
  // sessions), and only then let the server go.
  void TearDown() override {
    server_->Stop();
    api_->Shutdown();
    tenants_.CloseAll();
    server_.reset();
  }

  std::string Roster(int from, int to) {
    std::string csv = "email,member_type,applied_on,admitted_on,member_number,family\n";
    for (int i = from; i < to; ++i) {
      csv += "m" + std::to_string(i) + "@example.jp,regular,2020-04-01,2020-04-01," +
             std::to_string(10000 + i) + ",会員\n";
    }
    return csv;
  }

  std::unique_ptr<Server> server_;
  ImportTarget target_;
};

TEST_F(ImportOverHttp, ARosterIsImportedOnceEvenWhenTheImportIsRunTwice) {
  auto bodies = MemberImportBodies(Roster(0, 250), 100);
  ASSERT_TRUE(bodies.ok());
  ImportReport first;
  ASSERT_TRUE(PostMemberImports(target_, *bodies, "roster-1", &first).ok()) << first.error;
  EXPECT_EQ(first.batches_sent, 3u);
  EXPECT_EQ(first.members_imported, 250u);
  const uint64_t head = Head("soc");
  ImportReport again;
  ASSERT_TRUE(PostMemberImports(target_, *bodies, "roster-1", &again).ok());
  EXPECT_EQ(Head("soc"), head);  // idempotency keys: nothing new
  EXPECT_EQ(tenants_.Find("soc")->log().stats().commands_replayed.load(), 3u);
}

TEST_F(ImportOverHttp, ARefusedBatchStopsTheImportAndSaysWhy) {
  auto ok = MemberImportBodies(Roster(0, 10), 100);
  ImportReport first;
  ASSERT_TRUE(PostMemberImports(target_, *ok, "a", &first).ok());
  auto clash = MemberImportBodies(Roster(5, 20), 100);  // m5..m9 exist already
  ImportReport report;
  Status s = PostMemberImports(target_, *clash, "b", &report);
  EXPECT_EQ(s.reason(), "import_refused");
  EXPECT_NE(report.error.find("email_in_use"), std::string::npos) << report.error;
  EXPECT_NE(report.error.find("members[0].email"), std::string::npos);
  EXPECT_EQ(report.members_imported, 0u);
}

}  // namespace
}  // namespace kaiin::http
