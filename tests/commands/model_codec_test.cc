// Write-model snapshots: a model round-trips through its bytes field by field (the billing
// property test does it for eight random histories), and no input makes the decoder crash.
#include "commands/model_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/commands/model_fixture.h"

namespace kaiin::commands {
namespace {

class ModelCodecTest : public ModelFixture {
 protected:
  // A model with something in every part: settings, types, fees, members (with an address and
  // a history), staff, tokens, an outbox message.
  void GivenASociety() {
    events::MemberApplied applied{"m000000001", "a@example.jp", "regular", D("2026-04-01"),
                                  {"山田", "太郎", "ヤマダ", "タロウ", "Yamada"},
                                  events::PostalAddress{"100-0001", "東京都", "千代田区", "1-1", "", "JP"},
                                  std::string("東大")};
    Given({events::TenantConfigured{"学会", 4, "Asia/Tokyo"},
           events::MemberTypeDefined{"regular", "正会員", events::MemberKind::kIndividual},
           events::MemberTypeDefined{"corp", "賛助会員", events::MemberKind::kCorporate},
           events::FeeScheduleSet{2026, {{"corp", 50000}, {"regular", 15000}}},
           applied,
           events::MemberAdmitted{"m000000001", D("2026-04-10"), false},
           events::MemberNumberAssigned{"m000000001", "0042"},
           events::StaffAccountCreated{"office", events::StaffRole::kAuditor},
           events::PasswordResetIssued{events::SubjectKind::kMember, "m000000001", "h1", 99},
           events::EmailChangeRequested{"m000000001", "b@example.jp", "h2", 100},
           events::TokenUsed{"h1"},
           events::OutboxMessageQueued{"msg1", "a@example.jp", "reset", "s", "b", "l", 1, 2}});
  }
};

TEST_F(ModelCodecTest, EveryPartOfTheModelRoundTrips) {
  GivenASociety();
  ASSERT_EQ(model_.staff.size(), 1u);
  ASSERT_EQ(model_.tokens.size(), 2u);
  ASSERT_FALSE(model_.number_owner.empty());
  const std::string bytes = EncodeModel(model_);
  TenantModel decoded;
  ASSERT_TRUE(DecodeModel(bytes, &decoded).ok());
  EXPECT_TRUE(decoded == model_);
  EXPECT_EQ(decoded.members.at("m000000001").Profile().address->city, "千代田区");
  EXPECT_EQ(decoded.tokens.at("h1").used, true);
}

// A snapshot encoded in pieces (the child process's way) is the same bytes, cut at entries'
// ends once a piece holds the size asked for; none is empty, and the first piece refused stops it.
TEST_F(ModelCodecTest, EncodedInPiecesTheBytesAreTheSame) {
  GivenASociety();
  for (int i = 0; i < 50; ++i) {
    model_.payments["p" + std::to_string(1000 + i)] = PaymentRecord{};
  }
  const std::string whole = EncodeModel(model_);
  for (size_t piece_bytes : {size_t{1}, size_t{64}, size_t{300}, whole.size(), size_t{1} << 20}) {
    std::vector<std::string> pieces;
    ASSERT_TRUE(EncodeModelInPieces(model_, piece_bytes, [&](std::string_view piece) {
      pieces.emplace_back(piece);
      return true;
    }));
    std::string joined;
    for (const std::string& p : pieces) {
      EXPECT_FALSE(p.empty());
      joined += p;
    }
    EXPECT_EQ(joined, whole) << piece_bytes;
    // Every piece but the last holds at least what was asked; a larger piece size, fewer pieces.
    for (size_t i = 0; i + 1 < pieces.size(); ++i) EXPECT_GE(pieces[i].size(), piece_bytes);
    if (piece_bytes == 64) {
      EXPECT_GT(pieces.size(), 5u);
    }
    if (piece_bytes >= whole.size()) {
      EXPECT_EQ(pieces.size(), 1u);
    }
  }
  int offered = 0;
  EXPECT_FALSE(EncodeModelInPieces(model_, 64, [&](std::string_view) { return ++offered < 2; }));
  EXPECT_EQ(offered, 2);
}

// A hash map's entries are written in the order of their keys' bytes (unsigned; a prefix
// first), whatever order they were added in: the encoding is canonical, as verify's byte
// comparison of a snapshot with the replayed model needs. The keys share long prefixes (past
// the 16 bytes the sort compares first), hold a NUL, and bytes above 0x7f.
TEST_F(ModelCodecTest, HashMapsAreWrittenInTheOrderOfTheirKeysBytes) {
  const std::vector<std::string> keys = {
      "zz-number-owner-key-0001", "zz-number-owner-key-0002", "zz-number-owner-key-00010",
      "zz-number-owner",          "zz-number-owner-key-",     std::string("zz-nu\0mber", 10),
      "zz-number-owner-kex",      "zz-会員番号",               "zz-\xff",
      "zz-number-owner-key-0001-longer-than-sixteen-bytes"};
  TenantModel forward, backward;
  for (size_t i = 0; i < keys.size(); ++i) {
    forward.number_owner[keys[i]] = "m000000001";
    backward.number_owner[keys[keys.size() - 1 - i]] = "m000000001";
  }
  backward.number_owner.rehash(1024);  // another bucket order too
  const std::string bytes = EncodeModel(forward);
  EXPECT_EQ(bytes, EncodeModel(backward));
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  size_t at = 0;
  for (const std::string& key : sorted) {  // each as written: its length, then its bytes
    const size_t found = bytes.find(static_cast<char>(key.size()) + key);
    ASSERT_NE(found, std::string::npos) << key;
    EXPECT_GT(found, at) << key;
    at = found;
  }
}

// Invoices and payments are kept by id without a copy of it in the record; the snapshot still
// holds the id again after the key, and a record whose id is not its key is refused.
TEST_F(ModelCodecTest, InvoiceAndPaymentIdsComeFromTheirKeysAndMustMatchThem) {
  GivenASociety();
  Given(
      {events::InvoiceBatchCreated{"b000000001", 2026, events::InvoiceCategory::kAnnual, "年会費",
                                   D("2026-04-01"), D("2026-06-30"), D("2026-04-01"), 1, 15000},
       events::InvoiceDrafted{"i000000001", "b000000001", "m000000001", 2026,
                              events::InvoiceCategory::kAnnual, "年会費", D("2026-04-01"),
                              D("2026-06-30"), "regular", 15000, 0, 0, 15000},
       events::PaymentRecorded{"p000000001", "m000000001", 5000,
                               events::PaymentMethod::kBankTransfer, D("2026-05-01"), ""},
       events::ReceiptIssued{"i000000001", "m000000001", "R000000001", 1, 15000, D("2026-05-02")},
       events::ReceiptIssued{"i000000001", "m000000001", "R000000001", 2, 15000, D("2026-05-03")}});
  ASSERT_EQ(model_.receipt_seq, 1u);
  const std::string bytes = EncodeModel(model_);
  TenantModel decoded;
  ASSERT_TRUE(DecodeModel(bytes, &decoded).ok());
  EXPECT_TRUE(decoded == model_);
  ASSERT_TRUE(decoded.payments.find("p000000001") != decoded.payments.end());
  EXPECT_EQ(decoded.payments.at("p000000001").amount, 5000);
  EXPECT_EQ(decoded.invoices.at("i000000001").amount, 15000);
  EXPECT_EQ(decoded.invoices.at("i000000001").receipts, 2u);
  EXPECT_EQ(decoded.invoices.at("i000000001").receipt_seq, 1u);
  EXPECT_EQ(decoded.receipt_seq, 1u);
  for (const std::string id : {"i000000001", "p000000001"}) {
    // The second time the id appears: for the invoice the map's key (a member's invoice list
    // comes first), for the payment the record's copy after its key. Either way the key and
    // the record's id no longer agree.
    const size_t again = bytes.find(id, bytes.find(id) + 1);
    ASSERT_NE(again, std::string::npos) << id;
    std::string other = bytes;
    other[again + id.size() - 1] = '9';  // ...0009
    EXPECT_EQ(DecodeModel(other, &decoded).code(), StatusCode::kCorruption) << id;
  }
}

TEST_F(ModelCodecTest, TruncatedDamagedOrForeignBytesAreRefused) {
  GivenASociety();
  const std::string bytes = EncodeModel(model_);
  TenantModel decoded;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(DecodeModel(bytes.substr(0, n), &decoded).code(), StatusCode::kCorruption) << n;
  }
  EXPECT_EQ(DecodeModel(bytes + "x", &decoded).code(), StatusCode::kCorruption);
  std::string other_format = bytes;
  other_format[0] = static_cast<char>(kModelFormat + 1);
  EXPECT_EQ(DecodeModel(other_format, &decoded).code(), StatusCode::kCorruption);
  for (size_t i = 0; i < bytes.size(); ++i) {  // any flipped byte: an answer, never a crash
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    (void)DecodeModel(damaged, &decoded);
  }
}

}  // namespace
}  // namespace kaiin::commands
