#include "events/json_writer.h"

#include <gtest/gtest.h>

namespace kaiin {
namespace {

TEST(JsonWriterTest, WritesNestedValuesWithCommas) {
  JsonWriter w;
  w.BeginObject().Field("a", 1).Key("b").BeginArray().Int(-2).String("x").Null().Bool(true);
  w.EndArray().Key("c").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[-2,"x",null,true],"c":{}})");
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  JsonWriter w;
  w.String("a\"b\\c\n\x01会員");
  EXPECT_EQ(w.str(), "\"a\\\"b\\\\c\\n\\u0001会員\"");
}

}  // namespace
}  // namespace kaiin
