// The normal form member search compares in (the member view's search index and the `q` of
// `GET {T}/members`): what a Japanese secretariat types or pastes for the same name is folded to
// one spelling, so that 山田's kana is found as ヤマダ, やまだ or ﾔﾏﾀﾞ (a bank transfer's payer
// name), 髙橋 as 高橋, and member number 123 as １２３ (an IME's full-width digits).
#pragma once

#include <string>
#include <string_view>

namespace kaiin::projections {

// Folds, in this order:
// - spaces removed: ASCII space and tab, the ideographic space U+3000;
// - full-width ASCII (U+FF01..U+FF5E) to ASCII, then A-Z to a-z;
// - half-width katakana (U+FF61..U+FF9F) to full-width, a following ﾞ or ﾟ joined to its kana
//   (ｶﾞ to ガ, ﾊﾟ to パ), as are the combining marks U+3099 and U+309A and the spacing ゛ and ゜;
// - hiragana to katakana (U+3041..U+3096, ゝ ゞ);
// - small kana to their full size (ァ to ア, ッ to ツ, ャ to ヤ, ヵ to カ, ヶ to ケ): banks' names
//   have no small kana, so キヤノン is how a transfer spells キャノン;
// - kanji of names written in an old or variant form to the usual one (髙 to 高, 邊 and 邉 to 辺,
//   﨑 to 崎, 澤 to 沢; the table in search_text.cc).
// Anything else, invalid UTF-8 included, is kept byte for byte.
std::string NormalizeSearch(std::string_view text);

}  // namespace kaiin::projections
