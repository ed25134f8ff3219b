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

TEST(JsonWriterTest, EscapesAtEitherEndAndLeavesOtherBytesAlone) {
  JsonWriter w;
  w.BeginArray().String("\"").String("\t\rx\x1f").String("").String("\x7f\xe4\xbc\x9a\\");
  w.EndArray();
  EXPECT_EQ(w.str(), "[\"\\\"\",\"\\t\\rx\\u001f\",\"\",\"\x7f\xe4\xbc\x9a\\\\\"]");
}

// The escaper reads eight bytes at a time: every byte value at every place of a string longer
// than two words must come out as a byte-at-a-time escaper writes it.
TEST(JsonWriterTest, EveryByteAtEveryPlaceIsEscapedAsOneByteAtATime) {
  const auto reference = [](const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20) out += "\\u00" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
      else out.push_back(static_cast<char>(c));
    }
    return out + "\"";
  };
  for (int byte = 0; byte < 256; ++byte) {
    for (size_t at = 0; at < 19; ++at) {
      std::string s(19, 'a');
      s[at] = static_cast<char>(byte);
      std::string out;
      AppendJsonString(s, &out);
      ASSERT_EQ(out, reference(s)) << "byte " << byte << " at " << at;
    }
  }
}

TEST(JsonWriterTest, WritesTheExtremesOfEachIntegerType) {
  JsonWriter w;
  w.BeginArray().Int(INT64_MIN).Int(INT64_MAX).Int(0).Uint(UINT64_MAX).EndArray();
  EXPECT_EQ(w.str(), "[-9223372036854775808,9223372036854775807,0,18446744073709551615]");
}

}  // namespace
}  // namespace kaiin
