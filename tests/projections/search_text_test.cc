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

TEST(SearchTextTest, KanjiOfNamesInAnOldOrVariantFormAreTheUsualOne) {
  EXPECT_EQ(NormalizeSearch("髙橋"), "高橋");
  EXPECT_EQ(NormalizeSearch("渡邊"), "渡辺");
  EXPECT_EQ(NormalizeSearch("渡邉"), "渡辺");
  EXPECT_EQ(NormalizeSearch("山﨑"), "山崎");  // U+FA11, an IBM extension in CP932 rosters
  EXPECT_EQ(NormalizeSearch("宮嵜"), "宮崎");
  EXPECT_EQ(NormalizeSearch("齋藤"), "斎藤");
  EXPECT_EQ(NormalizeSearch("𠮷田"), "吉田");   // outside the BMP: four bytes
  EXPECT_EQ(NormalizeSearch("來 龜"), "来亀");  // the table's first and last of the BMP
  // Different names stay apart; kanji not in the table, and their neighbours, are kept.
  EXPECT_EQ(NormalizeSearch("斉藤"), "斉藤");
  EXPECT_EQ(NormalizeSearch("龍"), "龍");
  EXPECT_EQ(NormalizeSearch("\u9AD7\u9ADA"), "\u9AD7\u9ADA");  // either side of 髙
  EXPECT_EQ(NormalizeSearch("\U00020BB6\U00020BB8"), "\U00020BB6\U00020BB8");
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
