#include "events/codec.h"

#include <limits>
#include <vector>

#include "kaiin_events_generated.h"

#include <gtest/gtest.h>

namespace kaiin::events {
namespace {

EnvelopeMeta SampleMeta() {
  EnvelopeMeta m;
  m.tenant = "t1";
  m.position = 42;
  m.stream = "tenant-t1";
  m.version = 3;
  m.recorded_at = 1700000000000000;
  m.effective_date = 19700;
  m.actor = "admin";
  m.command_id = "c-1";
  m.causation = 7;
  m.prev_hash = Sha256("previous");
  return m;
}

TEST(CodecTest, A1_EncodesAndDecodesEveryMetadataField) {
  EnvelopeEncoder encoder;
  const Event event = TenantConfigured{"日本核医学会", 9, "Asia/Tokyo"};
  const std::string bytes(encoder.Encode(SampleMeta(), event));
  Envelope out;
  ASSERT_TRUE(DecodeEnvelope(bytes, &out).ok());
  const EnvelopeMeta want = SampleMeta();
  EXPECT_EQ(out.meta.tenant, want.tenant);
  EXPECT_EQ(out.meta.position, want.position);
  EXPECT_EQ(out.meta.stream, want.stream);
  EXPECT_EQ(out.meta.version, want.version);
  EXPECT_EQ(out.meta.recorded_at, want.recorded_at);
  EXPECT_EQ(out.meta.effective_date, want.effective_date);
  EXPECT_EQ(out.meta.actor, want.actor);
  EXPECT_EQ(out.meta.command_id, want.command_id);
  EXPECT_EQ(out.meta.causation, want.causation);
  EXPECT_EQ(out.meta.prev_hash, want.prev_hash);
  EXPECT_EQ(out.event, event);
  EXPECT_EQ(EventTypeName(out.event), "TenantConfigured");
}

// Readers decode into the envelopes of their last page (projections/runtime.cc): nothing of
// the envelope decoded before may stay.
TEST(CodecTest, DecodingIntoAnEnvelopeThatHeldAnotherLeavesNothingOfIt) {
  EnvelopeEncoder encoder;
  EnvelopeMeta first = SampleMeta();
  first.stream = "payment-p000000000000000001-with-a-long-name";
  first.actor = "secretariat-with-a-long-login-name";
  first.command_id = "0123456789abcdef0123456789abcdef";
  const std::string first_bytes(encoder.Encode(
      first, PaymentRecorded{"p1", "m1", 5000, PaymentMethod::kBankTransfer, 19700, "s-1"}));
  EnvelopeMeta second = SampleMeta();
  second.tenant = "t2";
  second.position = 43;
  second.stream = "tenant-t2";
  second.actor = "";
  second.command_id = "";
  second.causation = 0;
  second.prev_hash = Sha256("other");
  const Event second_event = TenantConfigured{"学会", 4, "UTC"};
  const std::string second_bytes(encoder.Encode(second, second_event));

  Envelope out;
  ASSERT_TRUE(DecodeEnvelope(first_bytes, &out).ok());
  ASSERT_TRUE(DecodeEnvelope(second_bytes, &out).ok());
  EXPECT_EQ(out.meta.tenant, "t2");
  EXPECT_EQ(out.meta.position, 43u);
  EXPECT_EQ(out.meta.stream, "tenant-t2");
  EXPECT_EQ(out.meta.actor, "");
  EXPECT_EQ(out.meta.command_id, "");
  EXPECT_EQ(out.meta.causation, 0u);
  EXPECT_EQ(out.meta.prev_hash, Sha256("other"));
  EXPECT_EQ(out.event, second_event);
}

TEST(CodecTest, EncodingIsDeterministic) {  // A2 needs byte-equal replays
  EnvelopeEncoder a, b;
  const Event event = TenantConfigured{"x", 4, "UTC"};
  EXPECT_EQ(std::string(a.Encode(SampleMeta(), event)), std::string(b.Encode(SampleMeta(), event)));
}

TEST(CodecTest, RefusesBytesThatAreNotAnEnvelope) {
  Envelope out;
  EXPECT_EQ(DecodeEnvelope("", &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeEnvelope("not a flatbuffer at all", &out).code(), StatusCode::kCorruption);
  EnvelopeEncoder encoder;
  std::string bytes(encoder.Encode(SampleMeta(), TenantConfigured{"x", 4, "UTC"}));
  std::string truncated = bytes.substr(0, bytes.size() / 2);
  EXPECT_EQ(DecodeEnvelope(truncated, &out).code(), StatusCode::kCorruption);
  std::string wrong_id = bytes;
  wrong_id[4] = 'X';  // the file identifier "KAEV" sits at offset 4
  EXPECT_EQ(DecodeEnvelope(wrong_id, &out).code(), StatusCode::kCorruption);
}

// Found by fuzz/envelope_fuzz.cc: the FlatBuffers verifier passes a union whose type is set but
// whose table is absent; decoding must refuse it, not read through a null table.
TEST(CodecTest, RefusesAnEventTypeWithoutItsTable) {
  flatbuffers::FlatBufferBuilder fbb;
  const auto stream = fbb.CreateString("member-m000000001");
  const std::vector<uint8_t> zeros(32, 0);
  const auto prev = fbb.CreateVector(zeros);
  fb::EnvelopeBuilder b(fbb);
  b.add_stream(stream);
  b.add_prev_hash(prev);
  b.add_position(1);
  b.add_event_type(fb::Event::InvoiceBatchCreated);
  fbb.Finish(b.Finish(), "KAEV");
  const std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  Envelope out;
  EXPECT_EQ(DecodeEnvelope(bytes, &out).code(), StatusCode::kCorruption);
}

// Found by the same fuzzer: a day count near INT32_MAX overflowed the calendar arithmetic.
TEST(CodecTest, ExtremeDayCountsFormatWithoutOverflow) {
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_FALSE(FormatDate(std::numeric_limits<Date>::max()).empty());
  EXPECT_FALSE(FormatDate(std::numeric_limits<Date>::min()).empty());
}

TEST(CodecTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(HashToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Sha256 (OpenSSL) and the portable fallback (libsodium) are the same function, at every length
// around SHA-256's 64-byte blocks and for a long input.
TEST(CodecTest, Sha256EqualsThePortableFallback) {
  std::string input;
  for (int n = 0; n <= 300; ++n) {
    Hash portable;
    Sha256Portable(input, &portable);
    ASSERT_EQ(Sha256(input), portable) << n;
    input.push_back(static_cast<char>(n * 37));
  }
  const std::string big(1 << 20, 'k');
  Hash portable;
  Sha256Portable(big, &portable);
  EXPECT_EQ(Sha256(big), portable);
}

}  // namespace
}  // namespace kaiin::events
