// CSV parsing and the roster import client against a real server on loopback.
#include "http/member_import.h"

#include <gtest/gtest.h>

#include "http/csv.h"
#include "http/server.h"
#include "http/text_encoding.h"
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

// A Japanese Excel saves "CSV" in CP932: such a roster is read as the same text as its UTF-8
// twin, found by itself or when asked for; bytes that are neither are refused by line.
TEST(RosterTextTest, ACp932RosterReadsAsItsUtf8Twin) {
  const std::string utf8 =
      "email,member_type,applied_on,family,family_kana\r\n"
      "a@example.jp,regular,2020-04-01,髙橋,ﾀｶﾊｼ\r\n"
      "b@example.jp,regular,2020-04-01,渡邊,ワタナベ\r\n";
  const std::string sjis = Utf8ToCp932(utf8);
  ASSERT_NE(sjis, utf8);
  ASSERT_EQ(sjis.find('?'), std::string::npos);  // every character has its CP932 code
  std::string used;
  auto text = RosterText(sjis, "auto", &used);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, utf8);
  EXPECT_EQ(used, "cp932");
  auto asked = RosterText(sjis, "cp932", &used);
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ(*asked, utf8);
  auto plain = RosterText(utf8, "auto", &used);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, utf8);
  EXPECT_EQ(used, "utf-8");
  // Told it is UTF-8 when it is not: refused at the first bad byte's line.
  auto wrong = RosterText(sjis, "utf-8", &used);
  EXPECT_EQ(wrong.status().reason(), "not_utf8");
  EXPECT_NE(wrong.status().message().find("line 2,"), std::string::npos)
      << wrong.status().ToString();
  // Neither UTF-8 nor CP932 (a lead byte with no trail byte), on line 3.
  auto neither = RosterText("email\na@example.jp\n\x81\x20\n", "auto", &used);
  EXPECT_EQ(neither.status().reason(), "not_cp932");
  EXPECT_NE(neither.status().message().find("line 3,"), std::string::npos)
      << neither.status().ToString();
  EXPECT_EQ(RosterText(utf8, "latin1", &used).status().reason(), "bad_encoding");
  // Half-width katakana, one byte each in CP932, take three in UTF-8: a file of nothing else
  // converts whole.
  std::string kana;
  for (int i = 0; i < 1000; ++i) kana += "ﾔﾏﾀﾞﾀﾛｳ";
  auto wide = RosterText(Utf8ToCp932(kana), "cp932", &used);
  ASSERT_TRUE(wide.ok()) << wide.status().ToString();
  EXPECT_EQ(*wide, kana);
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

TEST_F(ImportOverHttp, ACp932RosterImportsItsNamesAsTheyAre) {
  const std::string sjis = Utf8ToCp932(
      "email,member_type,applied_on,family,given,family_kana\r\n"
      "a@example.jp,regular,2020-04-01,髙橋,一郎,ﾀｶﾊｼ\r\n");
  std::string used;
  auto text = RosterText(sjis, "auto", &used);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto bodies = MemberImportBodies(*text, 100);
  ASSERT_TRUE(bodies.ok());
  ImportReport report;
  ASSERT_TRUE(PostMemberImports(target_, *bodies, "sjis", &report).ok()) << report.error;
  ASSERT_EQ(report.members_imported, 1u);
  Response found =
      Call("GET", "/v1/tenants/soc/members?q=たかはし&min_position=" + std::to_string(Head("soc")));
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_NE(found.body.find(R"("family":"髙橋","given":"一郎","family_kana":"ﾀｶﾊｼ")"),
            std::string::npos)
      << found.body;
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
