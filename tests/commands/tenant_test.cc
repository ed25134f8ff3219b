// The tenant aggregate, Given/When/Then.
#include "commands/tenant.h"

#include <gtest/gtest.h>

namespace kaiin::commands {
namespace {

TenantState Given(std::vector<events::TenantConfigured> history) {
  TenantState s;
  for (const auto& e : history) Evolve(s, e);
  return s;
}

TEST(TenantTest, ConfiguringANewTenantRecordsItsSettings) {  // B1
  auto r = Decide(Given({}), ConfigureTenant{"Society", 9, "Asia/Tokyo"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(std::get<events::TenantConfigured>((*r)[0]),
            (events::TenantConfigured{"Society", 9, "Asia/Tokyo"}));
}

TEST(TenantTest, TheSameSettingsAgainCauseNoEvent) {
  auto r = Decide(Given({events::TenantConfigured{"S", 4, "UTC"}}), ConfigureTenant{"S", 4, "UTC"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(TenantTest, ChangedSettingsCauseAnEvent) {
  auto r = Decide(Given({events::TenantConfigured{"S", 4, "UTC"}}), ConfigureTenant{"S", 9, "UTC"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 1u);
}

TEST(TenantTest, InvalidSettingsAreRefusedWithEveryFieldNamed) {  // B1: month 1..12
  auto r = Decide(Given({}), ConfigureTenant{"", 13, "Not a zone"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "validation_failed");
  ASSERT_EQ(r.status().field_errors().size(), 3u);
  EXPECT_EQ(r.status().field_errors()[0].field, "name");
  EXPECT_EQ(r.status().field_errors()[1].field, "fiscal_year_start_month");
  EXPECT_EQ(r.status().field_errors()[2].field, "timezone");
}

TEST(TenantTest, TenantIdsAreFolderSafe) {
  EXPECT_TRUE(ValidateTenantId("jsnm-2024").ok());
  EXPECT_FALSE(ValidateTenantId("").ok());
  EXPECT_FALSE(ValidateTenantId("-x").ok());
  EXPECT_FALSE(ValidateTenantId("../etc").ok());
  EXPECT_FALSE(ValidateTenantId("UPPER").ok());
  EXPECT_FALSE(ValidateTenantId(std::string(64, 'a')).ok());
}

TEST(TenantTest, EvolveCountsVersions) {
  TenantState s = Given({events::TenantConfigured{"a", 4, "UTC"}, events::TenantConfigured{"b", 4, "UTC"}});
  EXPECT_EQ(s.version, 2u);
  EXPECT_EQ(s.settings.name, "b");
}

}  // namespace
}  // namespace kaiin::commands
