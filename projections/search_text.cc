#include "projections/search_text.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "events/text.h"

namespace kaiin::projections {
namespace {

void Append(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Half-width katakana U+FF61..U+FF9F to full width (U+FF9E and U+FF9F to the spacing marks).
constexpr char16_t kHalfWidthKana[] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C};
static_assert(sizeof(kHalfWidthKana) / sizeof(kHalfWidthKana[0]) == 0xFF9F - 0xFF61 + 1);

constexpr uint32_t kVoicedMark = 0x309B, kSemiVoicedMark = 0x309C;

// Kanji written in an old or variant form in names (旧字体, 異体字), to the form a secretariat
// types: 髙橋 is found as 高橋, 渡邊 and 渡邉 as 渡辺, 﨑 (a CP932 roster's IBM extension) as 崎.
// Only characters that are one character written two ways; 斎 and 斉, 竜 and 龍, which names keep
// apart, are not folded together. Sorted by the first.
constexpr std::pair<uint32_t, uint32_t> kKanjiVariants[] = {
    {0x4F86, 0x6765},   // 來 来
    {0x51A8, 0x5BCC},   // 冨 富
    {0x570B, 0x56FD},   // 國 国
    {0x5713, 0x5186},   // 圓 円
    {0x589E, 0x5897},   // 增 増
    {0x58FD, 0x5BFF},   // 壽 寿
    {0x5BE6, 0x5B9F},   // 實 実
    {0x5D5C, 0x5D0E},   // 嵜 崎
    {0x5D8B, 0x5CF6},   // 嶋 島
    {0x5D8C, 0x5CF6},   // 嶌 島
    {0x5EE3, 0x5E83},   // 廣 広
    {0x5F4C, 0x5F25},   // 彌 弥
    {0x5FB7, 0x5FB3},   // 德 徳
    {0x60E0, 0x6075},   // 惠 恵
    {0x66FE, 0x66FD},   // 曾 曽
    {0x689D, 0x6761},   // 條 条
    {0x69AE, 0x6804},   // 榮 栄
    {0x69C7, 0x69D9},   // 槇 槙
    {0x6AFB, 0x685C},   // 櫻 桜
    {0x6E15, 0x6DF5},   // 渕 淵
    {0x6FA4, 0x6CA2},   // 澤 沢
    {0x6FF1, 0x6D5C},   // 濱 浜
    {0x6FF5, 0x6D5C},   // 濵 浜
    {0x7028, 0x702C},   // 瀨 瀬
    {0x771E, 0x771F},   // 眞 真
    {0x79AE, 0x793C},   // 禮 礼
    {0x7A3B, 0x7A32},   // 稻 稲
    {0x7A57, 0x7A42},   // 穗 穂
    {0x8207, 0x4E0E},   // 與 与
    {0x8218, 0x9928},   // 舘 館
    {0x842C, 0x4E07},   // 萬 万
    {0x85CF, 0x8535},   // 藏 蔵
    {0x85DD, 0x82B8},   // 藝 芸
    {0x8C50, 0x8C4A},   // 豐 豊
    {0x8CF4, 0x983C},   // 賴 頼
    {0x9089, 0x8FBA},   // 邉 辺
    {0x908A, 0x8FBA},   // 邊 辺
    {0x9AD9, 0x9AD8},   // 髙 高
    {0x9DD7, 0x9D0E},   // 鷗 鴎
    {0x9ED1, 0x9ED2},   // 黑 黒
    {0x9F4A, 0x6589},   // 齊 斉
    {0x9F4B, 0x658E},   // 齋 斎
    {0x9F9C, 0x4E80},   // 龜 亀
    {0xFA11, 0x5D0E},   // 﨑 崎
    {0x20BB7, 0x5409},  // 𠮷 吉
};
static_assert(std::ranges::is_sorted(kKanjiVariants));

// One code point folded, marks aside (ASCII lower-casing is done last, on the bytes).
uint32_t Fold(uint32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFF01 + 0x21;  // full-width ASCII
  if (cp >= 0xFF61 && cp <= 0xFF9F) cp = kHalfWidthKana[cp - 0xFF61];
  if (cp == 0x3099) return kVoicedMark;  // combining marks as the spacing ones
  if (cp == 0x309A) return kSemiVoicedMark;
  if ((cp >= 0x3041 && cp <= 0x3096) || cp == 0x309D || cp == 0x309E) cp += 0x60;  // hiragana
  // Small kana to full size: ァ ィ ゥ ェ ォ ッ ャ ュ ョ ヮ one code point on, ヵ ヶ to カ ケ.
  constexpr uint32_t kSmall[] = {0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
                                 0x30C3, 0x30E3, 0x30E5, 0x30E7, 0x30EE};
  for (uint32_t small : kSmall) {
    if (cp == small) return cp + 1;
  }
  if (cp == 0x30F5) return 0x30AB;
  if (cp == 0x30F6) return 0x30B1;
  if (cp >= kKanjiVariants[0].first) {
    const auto* it =
        std::ranges::lower_bound(kKanjiVariants, cp, {}, &std::pair<uint32_t, uint32_t>::first);
    if (it != std::end(kKanjiVariants) && it->first == cp) return it->second;
  }
  return cp;
}

// The kana `base` with the voiced (or semi-voiced) mark joined, or 0 if it takes none.
uint32_t Join(uint32_t base, bool semi) {
  const bool ha_row = base >= 0x30CF && base <= 0x30DB && (base - 0x30CF) % 3 == 0;  // ハ..ホ
  if (semi) return ha_row ? base + 2 : 0;
  if (ha_row) return base + 1;
  if (base >= 0x30AB && base <= 0x30C1 && (base - 0x30AB) % 2 == 0) return base + 1;  // カ..チ
  if (base == 0x30C4 || base == 0x30C6 || base == 0x30C8) return base + 1;            // ツ テ ト
  if (base >= 0x30EF && base <= 0x30F2) return base + 8;  // ワ ヰ ヱ ヲ
  if (base == 0x30A6) return 0x30F4;                      // ウ
  if (base == 0x30FD) return 0x30FE;                      // ヽ
  return 0;
}

}  // namespace

std::string NormalizeSearch(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  uint32_t last = kNotUtf8;  // the last code point written, and where it starts in `out`
  size_t last_at = 0;
  for (size_t i = 0, n; i < text.size(); i += n) {
    const char c = text[i];
    if (static_cast<uint8_t>(c) < 0x80) {  // most of an index's values: e-mail, number, romaji
      n = 1;
      if (c == ' ' || c == '\t') continue;
      last = static_cast<uint8_t>(c);
      last_at = out.size();
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      continue;
    }
    const uint32_t raw = DecodeUtf8(text, i, &n);
    if (raw == kNotUtf8) {
      out.push_back(text[i]);
      last = kNotUtf8;
      continue;
    }
    if (raw == ' ' || raw == '\t' || raw == 0x3000) continue;
    uint32_t cp = Fold(raw);
    if (cp == kVoicedMark || cp == kSemiVoicedMark) {
      if (const uint32_t joined = last == kNotUtf8 ? 0 : Join(last, cp == kSemiVoicedMark)) {
        out.resize(last_at);
        cp = joined;
      }
    }
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    last = cp;
    last_at = out.size();
    Append(cp, &out);
  }
  return out;
}

}  // namespace kaiin::projections
