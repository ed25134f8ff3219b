#include "ledger/stream_versions.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

namespace kaiin::ledger {
namespace {

std::string Name(std::mt19937_64& rng) {
  // Shared prefixes, as stream names have ("invoice-", "payment-"), NULs and high bytes too.
  static const char* kPrefixes[] = {"invoice-", "payment-", "member-", ""};
  std::string s = kPrefixes[rng() % 4];
  const size_t extra = rng() % 12;
  for (size_t i = 0; i < extra; ++i) s.push_back(static_cast<char>(rng() % 256));
  return s;
}

TEST(StreamVersionsTest, FindsWhatAMapHoldsThroughGrowthAndClears) {
  std::mt19937_64 rng(7);
  StreamVersions versions;
  std::unordered_map<std::string, uint32_t> model;  // name -> entry
  std::unordered_map<std::string, uint64_t> held;   // name -> version
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200000; ++i) {
      const std::string name = Name(rng);
      auto it = model.find(name);
      if (rng() % 2 == 0) {  // the one-probe way
        const uint64_t v = rng() % 1000;
        bool inserted;
        const uint32_t entry = versions.FindOrInsert(name, v, &inserted);
        ASSERT_EQ(inserted, it == model.end()) << "round " << round << " op " << i;
        if (inserted) {
          model[name] = entry;
          held[name] = v;
        } else {
          ASSERT_EQ(entry, it->second);
          ASSERT_EQ(versions.version(entry), held[name]);
        }
        continue;
      }
      const uint32_t found = versions.Find(name);
      if (it == model.end()) {
        ASSERT_EQ(found, StreamVersions::kNone) << "round " << round << " op " << i;
        const uint64_t v = rng() % 1000;
        model[name] = versions.Insert(name, v);
        held[name] = v;
      } else {
        ASSERT_EQ(found, it->second);
        ASSERT_EQ(versions.version(found), held[name]);
        versions.version(found) += 1;  // entries stay where they are as the table grows
        held[name] += 1;
      }
    }
    ASSERT_EQ(versions.size(), model.size());
    for (const auto& [name, entry] : model) {
      ASSERT_EQ(versions.Find(name), entry);
      ASSERT_EQ(versions.version(entry), held[name]);
    }
    versions.Clear();  // round 0 grew past what Clear keeps: given back; then kept
    EXPECT_EQ(versions.size(), 0u);
    for (const auto& [name, entry] : model) ASSERT_EQ(versions.Find(name), StreamVersions::kNone);
    model.clear();
    held.clear();
  }
}

TEST(StreamVersionsTest, NamesDifferingOnlyAfterANulAreTwoStreams) {
  StreamVersions versions;
  const std::string a("s\0a", 3), b("s\0b", 3);
  const uint32_t ea = versions.Insert(a, 1);
  EXPECT_EQ(versions.Find(b), StreamVersions::kNone);
  EXPECT_EQ(versions.Find("s"), StreamVersions::kNone);
  const uint32_t eb = versions.Insert(b, 2);
  EXPECT_NE(ea, eb);
  EXPECT_EQ(versions.version(versions.Find(a)), 1u);
  EXPECT_EQ(versions.version(versions.Find(b)), 2u);
}

}  // namespace
}  // namespace kaiin::ledger
