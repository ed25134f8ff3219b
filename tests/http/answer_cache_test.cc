#include "http/answer_cache.h"

#include <gtest/gtest.h>

namespace kaiin::http {
namespace {

Response Answer(std::string body, int status = 200) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("ETag", "\"x\"");
  return r;
}

TEST(AnswerCacheTest, AnAnswerIsFoundOnlyAtItsPositionAndDate) {
  AnswerCache cache;
  EXPECT_FALSE(cache.Find("a", 10, 100));
  cache.Keep("a", 10, 100, Answer("A"));
  auto hit = cache.Find("a", 10, 100);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "A");
  EXPECT_EQ(hit->headers, Answer("A").headers);
  EXPECT_FALSE(cache.Find("b", 10, 100));
  EXPECT_FALSE(cache.Find("a", 11, 100));  // the projections moved on
  EXPECT_FALSE(cache.Find("a", 9, 100));   // or were rebuilt
  EXPECT_FALSE(cache.Find("a", 10, 101));  // a new day: "as of today" may differ
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 5u);
}

TEST(AnswerCacheTest, ALaterAnswerDropsTheOlderOnesAndAnOlderOneIsNotKept) {
  AnswerCache cache;
  cache.Keep("a", 10, 100, Answer("A10"));
  cache.Keep("b", 10, 100, Answer("B10"));
  cache.Keep("a", 12, 100, Answer("A12"));
  EXPECT_FALSE(cache.Find("b", 10, 100));
  EXPECT_FALSE(cache.Find("b", 12, 100));
  // A reader that began at 11 finishes after the one at 12: its answer is not kept.
  cache.Keep("b", 11, 100, Answer("B11"));
  EXPECT_FALSE(cache.Find("b", 11, 100));
  EXPECT_EQ(cache.Find("a", 12, 100)->body, "A12");
  cache.Keep("a", 12, 100, Answer("A12'"));  // kept again at the same position: the later one
  EXPECT_EQ(cache.Find("a", 12, 100)->body, "A12'");
  cache.Keep("a", 12, 101, Answer("A12 next day"));
  EXPECT_FALSE(cache.Find("a", 12, 100));
  EXPECT_EQ(cache.Find("a", 12, 101)->body, "A12 next day");
  cache.Keep("b", 12, 100, Answer("B of the day before"));
  EXPECT_FALSE(cache.Find("b", 12, 100));
}

TEST(AnswerCacheTest, OnlyWholeSuccessfulAnswersOfBoundedSizeAreKept) {
  AnswerCache cache(4, 400);
  cache.Keep("problem", 1, 1, Answer("{}", 503));
  cache.Keep("big", 1, 1, Answer(std::string(101, 'x')));  // over a quarter of the bytes
  Response streamed = Answer("head");
  streamed.stream = [](std::string*) { return Response::Chunk::kLast; };
  cache.Keep("streamed", 1, 1, streamed);
  EXPECT_FALSE(cache.Find("problem", 1, 1));
  EXPECT_FALSE(cache.Find("big", 1, 1));
  EXPECT_FALSE(cache.Find("streamed", 1, 1));
  cache.Keep("ok", 1, 1, Answer(std::string(100, 'x')));
  EXPECT_TRUE(cache.Find("ok", 1, 1));
}

TEST(AnswerCacheTest, TheLeastRecentlyUsedGoesFirstPastTheBounds) {
  AnswerCache cache(3, 1000);
  cache.Keep("a", 1, 1, Answer("a"));
  cache.Keep("b", 1, 1, Answer("b"));
  cache.Keep("c", 1, 1, Answer("c"));
  EXPECT_TRUE(cache.Find("a", 1, 1));  // a used after b
  cache.Keep("d", 1, 1, Answer("d"));  // four: b goes
  EXPECT_FALSE(cache.Find("b", 1, 1));
  EXPECT_TRUE(cache.Find("a", 1, 1));
  EXPECT_TRUE(cache.Find("c", 1, 1));
  EXPECT_TRUE(cache.Find("d", 1, 1));
  // By bytes: 250 + 250 + 250 > 1000 - what is held; the oldest make room.
  cache.Keep("x", 1, 1, Answer(std::string(250, 'x')));
  cache.Keep("y", 1, 1, Answer(std::string(250, 'y')));
  cache.Keep("z", 1, 1, Answer(std::string(250, 'z')));
  EXPECT_TRUE(cache.Find("z", 1, 1));
  EXPECT_TRUE(cache.Find("y", 1, 1));
  EXPECT_FALSE(cache.Find("a", 1, 1));
}

}  // namespace
}  // namespace kaiin::http
