#include "http/json_input.h"

#include <gtest/gtest.h>

namespace kaiin::http {
namespace {

TEST(JsonInputTest, ReadsTypedFields) {
  auto r = JsonObjectReader::Parse(R"({"name":"会員","amount":15000,"flag":true,"opt":null})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(*r)->String("name", true, 100), "会員");
  EXPECT_EQ(*(*r)->Int("amount", true, 0, 1000000), 15000);
  EXPECT_EQ(*(*r)->Bool("flag", true), true);
  EXPECT_FALSE((*r)->String("opt", false, 10).has_value());
  EXPECT_TRUE((*r)->Finish().ok());
}

TEST(JsonInputTest, ReportsEveryFieldProblemAtOnce) {
  auto r = JsonObjectReader::Parse(R"({"name":5,"amount":1.5,"big":99,"typo":1})");
  ASSERT_TRUE(r.ok());
  (*r)->String("name", true, 100);
  (*r)->Int("amount", true, 0, 100);
  (*r)->Int("big", true, 0, 10);
  (*r)->String("missing", true, 10);
  Status s = (*r)->Finish();
  ASSERT_EQ(s.reason(), "validation_failed");
  std::vector<std::string> fields;
  for (const auto& e : s.field_errors()) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"name", "amount", "big", "missing", "typo"}));
}

TEST(JsonInputTest, RefusesMalformedTruncatedNonObjectAndInvalidUtf8Bodies) {
  for (std::string body : {std::string(""), std::string("{"), std::string(R"({"a":1)"),
                           std::string("[1,2]"), std::string("42"), std::string("{'a':1}"),
                           std::string("{\"a\":\"\xff\xfe\"}"),
                           std::string(R"({"a":123456789012345678901234567890})")}) {
    auto r = JsonObjectReader::Parse(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().reason(), "malformed_json") << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(JsonInputTest, IntegersOutsideTheRangeOrAsStringsAreRefused) {
  auto r = JsonObjectReader::Parse(R"({"a":-1,"b":"15000","c":18446744073709551615})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->Int("a", true, 0, 100).has_value());
  EXPECT_FALSE((*r)->Int("b", true, 0, 100000).has_value());
  EXPECT_FALSE((*r)->Int("c", true, 0, INT64_MAX).has_value());
  EXPECT_EQ((*r)->Finish().field_errors().size(), 3u);
}

}  // namespace
}  // namespace kaiin::http
