// Member rules M1–M7, Given/When/Then against the pure write model.
#include <gtest/gtest.h>

#include "commands/members.h"
#include "tests/commands/model_fixture.h"

#include <set>

namespace kaiin::commands {
namespace {

using events::MemberStatus;

class MembersSpec : public ModelFixture {
 protected:
  void SetUp() override {
    Given({events::MemberTypeDefined{"regular", "正会員", events::MemberKind::kIndividual},
           events::MemberTypeDefined{"student", "学生会員", events::MemberKind::kIndividual}});
  }

  std::string Applicant(const std::string& email, const char* applied_on = "2026-04-01",
                    const std::string& type = "regular") {
    ApplyMember a{email, type, D(applied_on), {"山田", "太郎", "ヤマダ", "タロウ", "Yamada Taro"},
                  std::nullopt, std::nullopt};
    auto d = Run(a);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return std::get<events::MemberApplied>(d->front().event).member_id;
  }

  std::string Admitted(const std::string& email, const char* applied_on, const char* admitted_on) {
    const std::string id = Applicant(email, applied_on);
    EXPECT_TRUE(Run(ChangeStatus{id, MemberStatus::kActive, D(admitted_on), ""}).ok());
    return id;
  }

  const MemberRecord& Member(const std::string& id) { return model_.members.at(id); }
};

// --- M1: e-mail addresses -------------------------------------------------------------------

TEST_F(MembersSpec, M1_ADuplicateEmailIsRefusedCaseInsensitively) {
  Applicant("Taro@Example.jp");
  auto d = When(ApplyMember{"taro@example.JP", "regular", D("2026-05-01"), {"佐藤", "", "", "", ""}, {}, {}});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().reason(), "email_in_use");
}

TEST_F(MembersSpec, M1_TheEmailOfAWithdrawnMemberStaysTaken) {
  const std::string id = Admitted("old@example.jp", "2020-04-01", "2020-04-10");
  ASSERT_TRUE(Run(ChangeStatus{id, MemberStatus::kWithdrawn, D("2025-03-31"), ""}).ok());
  auto d = When(ApplyMember{"old@example.jp", "regular", D("2026-05-01"), {"山田", "", "", "", ""}, {}, {}});
  EXPECT_EQ(d.status().reason(), "email_in_use");
}

TEST_F(MembersSpec, M1_ChangingToATakenEmailIsRefusedAndTheOldAddressIsFreed) {
  const std::string a = Applicant("a@example.jp");
  Applicant("b@example.jp");
  UpdateProfile to_b;
  to_b.member_id = a;
  to_b.email = "B@example.jp";
  EXPECT_EQ(When(to_b).status().reason(), "email_in_use");
  UpdateProfile to_c = to_b;
  to_c.email = "c@example.jp";
  ASSERT_TRUE(Run(to_c).ok());
  EXPECT_EQ(Member(a).email, "c@example.jp");
  // a@ now belongs to nobody.
  EXPECT_TRUE(When(ApplyMember{"a@example.jp", "regular", D("2026-05-01"), {"X", "", "", "", ""}, {}, {}}).ok());
}

TEST_F(MembersSpec, M1_OwnEmailInAnotherCaseIsNotAConflict) {
  const std::string a = Applicant("a@example.jp");
  UpdateProfile u;
  u.member_id = a;
  u.email = "A@Example.jp";
  auto d = Run(u);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ(Member(a).email, "A@Example.jp");
}

// --- M2: dates strictly increase; the same-day admission ------------------------------------

TEST_F(MembersSpec, M2_AStatusDatedOnOrBeforeTheLatestEntryIsRefused) {
  const std::string id = Admitted("a@example.jp", "2026-04-01", "2026-04-10");
  EXPECT_EQ(When(ChangeStatus{id, MemberStatus::kOnLeave, D("2026-04-10"), ""}).status().reason(),
            "status_date_conflict");
  EXPECT_EQ(When(ChangeStatus{id, MemberStatus::kOnLeave, D("2026-04-09"), ""}).status().reason(),
            "status_date_conflict");
  EXPECT_TRUE(When(ChangeStatus{id, MemberStatus::kOnLeave, D("2026-04-11"), ""}).ok());
}

TEST_F(MembersSpec, M2_AdmissionOnTheApplicationDayReplacesTheApplyingEntry) {
  const std::string id = Applicant("a@example.jp", "2026-04-01");
  auto d = Run(ChangeStatus{id, MemberStatus::kActive, D("2026-04-01"), ""});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(std::get<events::MemberAdmitted>(d->front().event),
            (events::MemberAdmitted{id, D("2026-04-01"), true}));
  ASSERT_EQ(Member(id).statuses.size(), 1u);
  EXPECT_EQ(Member(id).statuses[0], (events::StatusEntry{MemberStatus::kActive, D("2026-04-01")}));
}

TEST_F(MembersSpec, M2_AdmissionBeforeTheApplicationDayIsRefused) {
  const std::string id = Applicant("a@example.jp", "2026-04-01");
  EXPECT_EQ(When(ChangeStatus{id, MemberStatus::kActive, D("2026-03-31"), ""}).status().reason(),
            "status_date_conflict");
}

TEST_F(MembersSpec, M2_TheSameDayExceptionIsOnlyForAdmission) {
  const std::string id = Applicant("a@example.jp", "2026-04-01");
  EXPECT_EQ(When(ChangeStatus{id, MemberStatus::kApplicationWithdrawn, D("2026-04-01"), ""})
                .status().reason(),
            "status_date_conflict");
}

// --- M3: bulk changes -------------------------------------------------------------------------

TEST_F(MembersSpec, M3_BulkAdmissionIsAllOrNothingAndListsEveryRefusal) {
  const std::string a = Applicant("a@example.jp", "2018-09-20");
  const std::string b = Applicant("b@example.jp", "2018-09-25");
  const std::string c = Applicant("c@example.jp", "2018-09-25");
  // The FAQ: with someone applying on 2018-09-25, the earliest bulk date is 2018-09-26.
  auto refused = When(BulkChangeStatus{{a, b, c}, MemberStatus::kActive, D("2018-09-25"), ""});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "status_date_conflict");
  ASSERT_EQ(refused.status().field_errors().size(), 2u);
  EXPECT_EQ(refused.status().field_errors()[0].field, "member_ids[1]");
  EXPECT_EQ(refused.status().field_errors()[1].field, "member_ids[2]");
  auto ok = Run(BulkChangeStatus{{a, b, c}, MemberStatus::kActive, D("2018-09-26"), ""});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 3u);
  for (const auto& id : {a, b, c}) EXPECT_EQ(Member(id).LatestStatus().status, MemberStatus::kActive);
}

TEST_F(MembersSpec, M3_OneInvalidTransitionRefusesTheWholeBulk) {
  const std::string a = Admitted("a@example.jp", "2026-04-01", "2026-04-02");
  const std::string b = Applicant("b@example.jp", "2026-04-01");
  auto d = When(BulkChangeStatus{{a, b}, MemberStatus::kOnLeave, D("2026-05-01"), ""});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().reason(), "invalid_transition");
  ASSERT_EQ(d.status().field_errors().size(), 1u);
  EXPECT_EQ(d.status().field_errors()[0].field, "member_ids[1]");
  EXPECT_EQ(Member(a).LatestStatus().status, MemberStatus::kActive);  // untouched
}

TEST_F(MembersSpec, M3_BulkHasNoSameDayAdmission) {
  const std::string a = Applicant("a@example.jp", "2026-04-01");
  EXPECT_EQ(When(BulkChangeStatus{{a}, MemberStatus::kActive, D("2026-04-01"), ""}).status().reason(),
            "status_date_conflict");
}

TEST_F(MembersSpec, M3_UnknownOrRepeatedMembersAreRefused) {
  const std::string a = Applicant("a@example.jp");
  EXPECT_EQ(When(BulkChangeStatus{{a, "m999"}, MemberStatus::kActive, D("2026-05-01"), ""})
                .status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(When(BulkChangeStatus{{a, a}, MemberStatus::kActive, D("2026-05-01"), ""})
                .status().reason(),
            "validation_failed");
}

// --- M4: scheduled changes ----------------------------------------------------------------------

TEST_F(MembersSpec, M4_AFutureWithdrawalIsScheduledAndTakesEffectOnItsDate) {
  const std::string id = Admitted("a@example.jp", "2024-04-01", "2024-04-01");
  ASSERT_TRUE(Run(ChangeStatus{id, MemberStatus::kWithdrawn, D("2027-03-31"), "年度末退会"}).ok());
  const auto& h = Member(id).statuses;
  EXPECT_EQ(events::StatusOn(h, today_).status, MemberStatus::kActive);
  EXPECT_EQ(events::StatusOn(h, D("2027-03-30")).status, MemberStatus::kActive);
  EXPECT_EQ(events::StatusOn(h, D("2027-03-31")).status, MemberStatus::kWithdrawn);
  // Nothing can be put before or on the scheduled entry.
  EXPECT_EQ(When(ChangeStatus{id, MemberStatus::kOnLeave, D("2026-12-01"), ""}).status().reason(),
            "invalid_transition");
}

TEST_F(MembersSpec, M4_AnApplicationCannotBeDatedAfterToday) {
  auto d = When(ApplyMember{"a@example.jp", "regular", D("2026-11-22"), {"山田", "", "", "", ""}, {}, {}});
  EXPECT_EQ(d.status().reason(), "validation_failed");
  EXPECT_EQ(d.status().field_errors()[0].field, "applied_on");
}

// --- M5: member numbers --------------------------------------------------------------------------

TEST_F(MembersSpec, M5_AutoAssignmentNumbersActiveMembersInAdmissionOrder) {
  const std::string late = Admitted("late@example.jp", "2026-01-01", "2026-06-01");
  const std::string early = Admitted("early@example.jp", "2026-01-01", "2026-02-01");
  Applicant("applying@example.jp");  // not active: no number
  ASSERT_TRUE(Run(AssignMemberNumbers{{{early, "000123"}}, false}).ok());
  const std::string third = Admitted("third@example.jp", "2026-01-01", "2026-03-01");
  auto d = Run(AssignMemberNumbers{{}, true});
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ(Member(third).member_number, "000124");  // admitted 03-01, before `late`
  EXPECT_EQ(Member(late).member_number, "000125");
}

TEST_F(MembersSpec, M5_ANumberIsNeverReusedEvenAfterWithdrawalOrRenumbering) {
  const std::string a = Admitted("a@example.jp", "2026-01-01", "2026-01-02");
  const std::string b = Admitted("b@example.jp", "2026-01-01", "2026-01-02");
  ASSERT_TRUE(Run(AssignMemberNumbers{{{a, "100"}}, false}).ok());
  ASSERT_TRUE(Run(ChangeStatus{a, MemberStatus::kWithdrawn, D("2026-03-31"), ""}).ok());
  EXPECT_EQ(When(AssignMemberNumbers{{{b, "100"}}, false}).status().reason(), "member_number_taken");
  ASSERT_TRUE(Run(AssignMemberNumbers{{{b, "200"}}, false}).ok());
  ASSERT_TRUE(Run(AssignMemberNumbers{{{b, "201"}}, false}).ok());  // renumbered
  const std::string c = Admitted("c@example.jp", "2026-01-01", "2026-01-02");
  EXPECT_EQ(When(AssignMemberNumbers{{{c, "200"}}, false}).status().reason(), "member_number_taken");
}

TEST_F(MembersSpec, M5_ExplicitAssignmentsAreAllOrNothing) {
  const std::string a = Admitted("a@example.jp", "2026-01-01", "2026-01-02");
  const std::string b = Admitted("b@example.jp", "2026-01-01", "2026-01-02");
  ASSERT_TRUE(Run(AssignMemberNumbers{{{a, "1"}}, false}).ok());
  auto d = When(AssignMemberNumbers{{{b, "2"}, {a, "1"}, {b, "3"}}, false});
  EXPECT_EQ(d.status().reason(), "validation_failed");  // b twice
  auto taken = When(AssignMemberNumbers{{{b, "2"}, {"m000000009", "3"}}, false});
  EXPECT_EQ(taken.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Member(b).member_number.empty());
}

// --- M6: who may change what ------------------------------------------------------------------------

TEST_F(MembersSpec, M6_AMemberCannotChangeTheirName) {
  const std::string a = Applicant("a@example.jp");
  UpdateProfile u;
  u.member_id = a;
  u.actor = Actor::kMember;
  u.name = events::PersonName{"佐藤", "花子", "", "", ""};
  auto d = When(u);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(d.status().reason(), "field_not_editable");
}

TEST_F(MembersSpec, M6_AMemberMayChangeContactFieldsAndTheSecretariatTheName) {
  const std::string a = Applicant("a@example.jp");
  UpdateProfile own;
  own.member_id = a;
  own.actor = Actor::kMember;
  own.address = events::PostalAddress{"100-0001", "東京都", "千代田区", "1-1", "", "JP"};
  own.affiliation = "東京大学";
  own.payment_method = "bank_transfer";
  own.directory_visible = true;
  auto d = Run(own);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(Member(a).Profile().affiliation, "東京大学");
  EXPECT_TRUE(Member(a).directory_visible);
  UpdateProfile staff;
  staff.member_id = a;
  staff.name = events::PersonName{"佐藤", "太郎", "サトウ", "タロウ", "Sato Taro"};
  ASSERT_TRUE(Run(staff).ok());
  EXPECT_EQ(Member(a).Profile().name.family, "佐藤");
  // Nothing changed: no event.
  EXPECT_TRUE(When(staff)->empty());
}

// --- M7: transitions ---------------------------------------------------------------------------------

TEST_F(MembersSpec, M7_OnlyTheAllowedTransitionsAreAccepted) {
  using S = MemberStatus;
  const S all[] = {S::kApplying, S::kActive, S::kApplicationWithdrawn, S::kOnLeave, S::kWithdrawn};
  const std::set<std::pair<S, S>> allowed = {{S::kApplying, S::kActive},
                                             {S::kApplying, S::kApplicationWithdrawn},
                                             {S::kActive, S::kOnLeave},
                                             {S::kActive, S::kWithdrawn},
                                             {S::kOnLeave, S::kActive},
                                             {S::kOnLeave, S::kWithdrawn}};
  int n = 0;
  for (S from : all) {
    // A member whose latest entry is `from`, dated 2026-01-10.
    const std::string id = Applicant("t" + std::to_string(n++) + "@example.jp", "2026-01-01");
    if (from == S::kActive || from == S::kOnLeave || from == S::kWithdrawn) {
      ASSERT_TRUE(Run(ChangeStatus{id, S::kActive, D("2026-01-05"), ""}).ok());
    }
    if (from == S::kOnLeave) {
      ASSERT_TRUE(Run(ChangeStatus{id, S::kOnLeave, D("2026-01-10"), ""}).ok());
    }
    if (from == S::kWithdrawn) {
      ASSERT_TRUE(Run(ChangeStatus{id, S::kWithdrawn, D("2026-01-10"), ""}).ok());
    }
    if (from == S::kApplicationWithdrawn) {
      ASSERT_TRUE(Run(ChangeStatus{id, S::kApplicationWithdrawn, D("2026-01-10"), ""}).ok());
    }
    ASSERT_EQ(Member(id).LatestStatus().status, from);
    for (S to : all) {
      auto d = When(ChangeStatus{id, to, D("2026-02-01"), ""});
      if (allowed.contains({from, to})) {
        EXPECT_TRUE(d.ok()) << events::MemberStatusName(from) << " -> " << events::MemberStatusName(to);
      } else {
        EXPECT_EQ(d.status().reason(), "invalid_transition")
            << events::MemberStatusName(from) << " -> " << events::MemberStatusName(to);
      }
    }
  }
}

// --- Member types, fee schedules, imports ---------------------------------------------------------

TEST_F(MembersSpec, UnknownMemberTypesAreRefused) {
  auto d = When(ApplyMember{"a@example.jp", "emeritus", D("2026-04-01"), {"山田", "", "", "", ""}, {}, {}});
  EXPECT_EQ(d.status().reason(), "unknown_member_type");
  EXPECT_EQ(When(SetFeeSchedule{2026, {{"regular", 15000}, {"emeritus", 0}}}).status().reason(),
            "unknown_member_type");
}

TEST_F(MembersSpec, AMemberTypeChangeNeedsALaterDateAndAMemberStillIn) {
  const std::string a = Admitted("a@example.jp", "2026-04-01", "2026-04-01");
  EXPECT_EQ(When(ChangeMemberType{a, "student", D("2026-04-01")}).status().reason(), "type_date_conflict");
  ASSERT_TRUE(Run(ChangeMemberType{a, "student", D("2026-04-02")}).ok());
  EXPECT_EQ(events::TypeOn(Member(a).types, today_).member_type, "student");
  EXPECT_EQ(events::TypeOn(Member(a).types, D("2026-04-01")).member_type, "regular");
  ASSERT_TRUE(Run(ChangeStatus{a, MemberStatus::kWithdrawn, D("2026-05-01"), ""}).ok());
  const auto left = When(ChangeMemberType{a, "regular", D("2026-06-01")}).status();
  EXPECT_EQ(left.reason(), "member_withdrawn");
  EXPECT_EQ(left.message(), "member " + a + " left on 2026-05-01");
  // A withdrawal scheduled for later is named as such, not as a leaving that has happened.
  const std::string b = Admitted("b@example.jp", "2026-04-01", "2026-04-01");
  ASSERT_TRUE(Run(ChangeStatus{b, MemberStatus::kWithdrawn, D("2027-03-31"), ""}).ok());
  const auto leaving = When(ChangeMemberType{b, "student", D("2027-04-01")}).status();
  EXPECT_EQ(leaving.reason(), "member_withdrawn");
  EXPECT_EQ(leaving.message(), "member " + b + " is to leave on 2027-03-31");
}

TEST_F(MembersSpec, FeeSchedulesValidateAndRepeatNothing) {
  ASSERT_TRUE(Run(SetFeeSchedule{2026, {{"regular", 15000}, {"student", 5000}}}).ok());
  EXPECT_TRUE(When(SetFeeSchedule{2026, {{"regular", 15000}, {"student", 5000}}})->empty());
  EXPECT_EQ(When(SetFeeSchedule{2026, {{"regular", -1}}}).status().reason(), "validation_failed");
  EXPECT_EQ(When(SetFeeSchedule{1800, {{"regular", 1}}}).status().reason(), "validation_failed");
}

TEST_F(MembersSpec, ImportIsAllOrNothing) {
  Applicant("taken@example.jp");
  ImportMembers batch;
  for (int i = 0; i < 3; ++i) {
    ImportedMember im;
    im.application = {"i" + std::to_string(i) + "@example.jp", "regular", D("2020-04-01"),
                      {"会員", std::to_string(i), "", "", ""}, std::nullopt, std::nullopt};
    im.admitted_on = D("2020-04-01");
    im.member_number = std::to_string(1000 + i);
    batch.members.push_back(im);
  }
  batch.members[2].application.email = "TAKEN@example.jp";
  auto refused = When(batch);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "email_in_use");
  EXPECT_EQ(refused.status().field_errors()[0].field, "members[2].email");
  batch.members[2].application.email = "i2@example.jp";
  auto d = Run(batch);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->size(), 9u);  // applied, admitted (same day), numbered
  EXPECT_EQ(model_.members.size(), 4u);
  const MemberRecord& m = Member(MemberIdFor(2));
  ASSERT_EQ(m.statuses.size(), 1u);
  EXPECT_EQ(m.statuses[0].status, MemberStatus::kActive);
  EXPECT_EQ(m.member_number, "1000");
}

}  // namespace
}  // namespace kaiin::commands
