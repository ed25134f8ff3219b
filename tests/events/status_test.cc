// Status and Result: an OK status is one null pointer; an error keeps its parts through copies,
// moves and assignments.
#include "events/status.h"

#include <gtest/gtest.h>

#include <utility>

namespace kaiin {
namespace {

static_assert(sizeof(Status) == sizeof(void*), "an OK status must cost one pointer");

TEST(StatusTest, OkHasNoParts) {
  const Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.code(), StatusCode::kOk);
  EXPECT_EQ(ok.reason(), "");
  EXPECT_EQ(ok.message(), "");
  EXPECT_TRUE(ok.field_errors().empty());
  EXPECT_EQ(ok.ToString(), "OK");
  Status still_ok = Status::Ok().WithFieldErrors({{"f", "m"}});
  EXPECT_TRUE(still_ok.ok());
  EXPECT_TRUE(still_ok.field_errors().empty());
}

TEST(StatusTest, AnErrorKeepsItsPartsThroughCopiesMovesAndAssignments) {
  Status original = Status::InvalidArgument("bad_body", "the body is not JSON",
                                            {{"amount", "must be positive"}});
  Status copy = original;
  Status assigned = Status::Ok();
  assigned = original;
  Status moved = std::move(original);
  original = Status::Corruption("reused after the move");
  for (const Status* s : {&copy, &assigned, &moved}) {
    EXPECT_FALSE(s->ok());
    EXPECT_EQ(s->code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s->reason(), "bad_body");
    EXPECT_EQ(s->message(), "the body is not JSON");
    ASSERT_EQ(s->field_errors().size(), 1u);
    EXPECT_EQ(s->field_errors()[0].field, "amount");
    EXPECT_EQ(s->ToString(), "InvalidArgument [bad_body]: the body is not JSON");
  }
  EXPECT_EQ(original.code(), StatusCode::kCorruption);
  copy = Status::Ok();  // an error overwritten by OK is OK
  EXPECT_TRUE(copy.ok());
  EXPECT_EQ(copy.reason(), "");
  const Status& same = assigned;
  assigned = same;  // assigned to itself: the error stays
  EXPECT_EQ(assigned.reason(), "bad_body");
}

TEST(StatusTest, AResultHoldsAValueOrAnError) {
  Result<int> value = 7;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 7);
  EXPECT_TRUE(value.status().ok());
  Result<int> error = Status::NotFound("no such member");
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(error.status().reason(), "not_found");
}

}  // namespace
}  // namespace kaiin
