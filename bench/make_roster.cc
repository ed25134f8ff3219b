// kaiin-make-roster N: writes a synthetic roster of N members as CSV (the columns of
// kaiinctl import-members) to stdout, for benchmarks and load tests. Deterministic.
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 100000;
  static const char* kFamily[] = {"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村"};
  static const char* kKana[] = {"サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト", "ナカムラ"};
  static const char* kRomaji[] = {"Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Watanabe", "Yamamoto", "Nakamura"};
  static const char* kPref[] = {"東京都", "大阪府", "北海道", "福岡県", "愛知県"};
  std::printf("email,member_type,applied_on,admitted_on,member_number,family,given,family_kana,"
              "given_kana,romaji,postal_code,prefecture,city,line1,affiliation\n");
  for (long i = 0; i < n; ++i) {
    const int year = 2000 + static_cast<int>(i % 25);
    const char* type = i % 5 == 0 ? "student" : "regular";
    std::printf("member%ld@example.jp,%s,%d-04-01,%d-04-%02d,%06ld,%s,太郎%ld,%s,タロウ,%s Taro,"
                "100-%04ld,%s,千代田区,%ld-1-1,\"大学, 医学部\"\n",
                i, type, year, year, 1 + static_cast<int>(i % 28), i + 1, kFamily[i % 8], i,
                kKana[i % 8], kRomaji[i % 8], i % 10000, kPref[i % 5], i % 50 + 1);
  }
  return 0;
}
