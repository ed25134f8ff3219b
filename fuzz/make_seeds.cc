// kaiin-fuzz-seeds DIR: writes the fuzzers' starting corpora: DIR/envelope/ (one well-formed
// envelope per event type), DIR/command/ (a valid body or query for each route of
// command_fuzz.cc, prefixed by its route byte), DIR/csv/ (a small roster) and DIR/model/ (the
// write-model snapshot of a small society: settings, a member type, fees, a member, staff).
// Deterministic; scripts/sanitize.sh runs it before fuzzing.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <variant>

#include "commands/model.h"
#include "commands/model_codec.h"
#include "events/codec.h"
#include "events/date.h"

namespace {

void Write(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

template <size_t... I>
void WriteEnvelopes(const std::string& dir, std::index_sequence<I...>) {
  kaiin::events::EnvelopeEncoder encoder;
  kaiin::events::EnvelopeMeta meta;
  meta.tenant = "f";
  meta.position = 1;
  meta.stream = "member-m000000001";
  meta.version = 1;
  meta.actor = "seed";
  meta.command_id = "seed";
  (Write(dir + "/" + std::to_string(I),
         encoder.Encode(meta, kaiin::events::Event(std::in_place_index<I>))),
   ...);
}

// A society with something in most parts of its write model, as its snapshot.
std::string ModelSeed() {
  using namespace kaiin::events;
  kaiin::commands::TenantModel model;
  const Event history[] = {
      TenantConfigured{"学会", 4, "Asia/Tokyo"},
      MemberTypeDefined{"regular", "正会員", MemberKind::kIndividual},
      FeeScheduleSet{2026, {{"regular", 15000}}},
      MemberApplied{"m000000001", "a@example.jp", "regular",
                    kaiin::DaysFromCivil(2026, 4, 1), {"山田", "太郎", "ヤマダ", "タロウ", "Yamada"},
                    std::nullopt, std::nullopt},
      MemberAdmitted{"m000000001", kaiin::DaysFromCivil(2026, 4, 10), false},
      MemberNumberAssigned{"m000000001", "0001"},
      StaffAccountCreated{"office", StaffRole::kSecretariat},
  };
  uint64_t position = 0;
  for (const Event& e : history) kaiin::commands::Evolve(model, e, ++position);
  return kaiin::commands::EncodeModel(model);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kaiin-fuzz-seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir + "/envelope");
  std::filesystem::create_directories(dir + "/command");
  std::filesystem::create_directories(dir + "/csv");
  std::filesystem::create_directories(dir + "/model");
  Write(dir + "/model/0", ModelSeed());
  Write(dir + "/csv/0",
        "email,member_type,applied_on,admitted_on,member_number,family,given,family_kana,"
        "given_kana,romaji,postal_code,prefecture,city,line1,affiliation\n"
        "a@example.jp,regular,2020-04-01,2020-04-01,000001,山田,太郎,ヤマダ,タロウ,Yamada Taro,"
        "100-0001,東京都,千代田区,1-1-1,\"大学, \"\"医学部\"\"\"\n"
        "b@example.jp,student,2021-04-01,,,佐藤,花子,,,,,,,,\n");
  WriteEnvelopes(dir + "/envelope",
                 std::make_index_sequence<std::variant_size_v<kaiin::events::Event>>());
  // Route bytes as in command_fuzz.cc's kRoutes (commands, queries, then the receipt).
  const std::pair<int, std::string> bodies[] = {
      {0, R"({"member_id":"m000000001","amount":15000,"method":"bank_transfer","received_on":"2026-05-01","allocation":"oldest_first"})"},
      {0, R"({"member_id":"m000000001","amount":5000,"method":"card","received_on":"2026-05-01","allocation":"explicit","allocations":[{"invoice_id":"i000000001","amount":5000}]})"},
      {1, R"({"email":"b@example.jp","member_type":"regular","applied_on":"2026-04-01","name":{"family":"佐藤","given":"花子","family_kana":"サトウ"},"address":{"postal_code":"100-0001","prefecture":"東京都"}})"},
      {2, R"({"phone":"03-0000-0000","affiliation":"大学"})"},
      {3, R"({"status":"suspended","effective_date":"2026-05-01","reason":"x"})"},
      {4, R"({"member_type":"regular","effective_date":"2026-04-01"})"},
      {5, R"({"kind":"one_time","amount":-3000,"reason":"減額"})"},
      {6, R"({"invoice_id":"i000000001","amount":1000})"},
      {7, R"({"member_ids":["m000000001"],"status":"withdrawn","effective_date":"2026-03-31"})"},
      {8, R"({"members":[{"email":"c@example.jp","member_type":"regular","applied_on":"2020-04-01","name":{"family":"鈴木"}}]})"},
      {9, R"({"member_ids":["m000000001"]})"},
      {10, R"({"name":"学生会員"})"},
      {11, R"({"fees":{"regular":16000}})"},
      {12, R"({"fiscal_year":2027,"category":"annual","title":"2027年度年会費","issue_date":"2027-04-01","due_date":"2027-06-30"})"},
      {13, R"({"title":"新しい題"})"},
      {14, R"({"amount":-2000,"reason":"調整"})"},
      {15, R"({"reason":"誤請求"})"},
      {16, R"({"invoice_ids":["i000000001"],"reason":"x"})"},
      {17, R"({"reason":"誤入金"})"},
      {18, R"({"allocation":"oldest_first"})"},
      {19, R"({"login":"clerk","password":"a long enough password","role":"secretariat"})"},
      {20, R"({"login":"clerk","password":"a long enough password"})"},
      {21, R"({"email":"a@example.jp"})"},
      {22, R"({"name":"学会","fiscal_year_start_month":4,"timezone":"Asia/Tokyo"})"},
      {23, "q=%E5%B1%B1%E7%94%B0&status=active&member_type=regular&limit=10&cursor=m000000001"},
      {24, "min_position=3"},
      {25, "limit=5"},
      {26, "as_of=2026-05-01"},
      {27, "include_settled=true"},
      {28, "fiscal_year=2026&category=annual&member_type=regular&min_years=1&limit=50&cursor=m000000001"},
      {29, ""},
      {30, "after=0&limit=100"},
      {31, "limit=10"},
      {32, "limit=10&cursor=1"},
      {33, "min_position=1"},
      {34, "members/m000000001/ledger?as_of_position=5"},
      {35, "limit=1&cursor=20261123T004512Z-p61-2"},
      {36, "limit=1&cursor=e"},
      {37, "received_from=2026-05-01&received_to=2026-05-31&method=cash&limit=2&cursor=2026-05-01/p000000001"},
      {38, ""},
      {38, "{}"},
      {39, "q=%E5%B1%B1&affiliation=%E5%A4%A7%E5%AD%A6&limit=2&cursor=m000000001"},
  };
  int n = 0;
  for (const auto& [route, body] : bodies) {
    Write(dir + "/command/" + std::to_string(n++), std::string(1, static_cast<char>(route)) + body);
  }
  return 0;
}
