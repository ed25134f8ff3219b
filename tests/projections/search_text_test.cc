// The search text's normal form: what a secretariat types or pastes for one name folds to one
// spelling.
#include "projections/search_text.h"

#include <gtest/gtest.h>

namespace kaiin::projections {
namespace {

TEST(SearchTextTest, SpacesGoAndAsciiIsLowerCased) {
  EXPECT_EQ(NormalizeSearch(" Yamada\tTaro "), "yamadataro");
  EXPECT_EQ(NormalizeSearch("山田　太郎"), "山田太郎");  // the ideographic space
}

TEST(SearchTextTest, FullWidthAsciiIsAscii) {
  EXPECT_EQ(NormalizeSearch("１２３"), "123");
  EXPECT_EQ(NormalizeSearch("ＹＡＭＡＤＡ＠ｅｘａｍｐｌｅ．ｊｐ"), "yamada@example.jp");
}

TEST(SearchTextTest, HiraganaHalfWidthAndKatakanaAreOneSpelling) {
  const std::string katakana = NormalizeSearch("ヤマダ タロウ");
  EXPECT_EQ(katakana, "ヤマダタロウ");
  EXPECT_EQ(NormalizeSearch("やまだ たろう"), katakana);
  EXPECT_EQ(NormalizeSearch("ﾔﾏﾀﾞ ﾀﾛｳ"), katakana);  // a bank transfer's payer name
  EXPECT_EQ(NormalizeSearch("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"), "パピプペポ");
  EXPECT_EQ(NormalizeSearch("ｶﾞｷﾞｸﾞｹﾞｺﾞｻﾞｼﾞｽﾞｾﾞｿﾞﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞｳﾞ"),
            "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ");
  EXPECT_EQ(NormalizeSearch("ｰ"), "ー");
  // Marks as combining characters (decomposed text) and as spacing ones join too.
  EXPECT_EQ(NormalizeSearch("か\u3099は\u309Aカ゛"), "ガパガ");
}

TEST(SearchTextTest, SmallKanaAreFullSize) {
  EXPECT_EQ(NormalizeSearch("キャノン"), NormalizeSearch("キヤノン"));
  EXPECT_EQ(NormalizeSearch("ｷｬﾉﾝ"), "キヤノン");
  EXPECT_EQ(NormalizeSearch("きっぷ"), "キツプ");
  EXPECT_EQ(NormalizeSearch("ァィゥェォッャュョヮヵヶ"), "アイウエオツヤユヨワカケ");
}

TEST(SearchTextTest, AMarkWithNothingToJoinStaysAndOthersAreKept) {
  EXPECT_EQ(NormalizeSearch("ﾞ"), "゛");
  EXPECT_EQ(NormalizeSearch("アﾞ"), "ア゛");  // ア takes no mark
  EXPECT_EQ(NormalizeSearch("ガﾞ"), "ガ゛");  // one mark only
  EXPECT_EQ(NormalizeSearch("ﾏﾟ"), "マ゜");
  EXPECT_EQ(NormalizeSearch("漢字-é"), "漢字-é");
}

TEST(SearchTextTest, InvalidUtf8IsKeptByteForByte) {
  const std::string bad = std::string("\xFF") + "A\xE3\x81";  // a stray byte, a cut sequence
  EXPECT_EQ(NormalizeSearch(bad), std::string("\xFF") + "a\xE3\x81");
  EXPECT_EQ(NormalizeSearch("\xC0\xAF"), "\xC0\xAF");          // an overlong '/'
  EXPECT_EQ(NormalizeSearch("\xED\xA0\x80"), "\xED\xA0\x80");  // a surrogate
}

}  // namespace
}  // namespace kaiin::projections
