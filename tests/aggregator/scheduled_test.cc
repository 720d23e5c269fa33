#include "aggregator/scheduled.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/tensor_util.h"
#include "tests/aggregator/models.h"
#include "tests/status_matchers.h"

namespace orbitfl::aggregator {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::kStart;
using ::orbitfl::testing::StatusIs;
using ::orbitfl::testing::TinyDelta;
using ::orbitfl::testing::TinyModel;
using ::orbitfl::testing::W;
using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

absl::Time At(absl::Duration d) { return kStart + d; }

std::unique_ptr<ScheduledAggregation> Make(
    std::vector<absl::Time> schedule, double exponent,
    int64_t max_staleness = 0) {
  ScheduledAggregationOptions o;
  o.schedule = std::move(schedule);
  o.staleness_exponent = exponent;
  o.max_staleness = max_staleness;
  auto s = ScheduledAggregation::Create(o);
  EXPECT_THAT(s, IsOk());
  (*s)->Start(TinyModel({1.0f, 2.0f}, 0), kStart);
  return std::move(s).value();
}

TEST(ScheduledAggregationTest, AggregatesOnlyAtScheduledInstantsHandComputed) {
  const absl::Duration h = absl::Hours(1);
  auto s = Make({At(h), At(2 * h), At(3 * h)}, /*exponent=*/1.0);
  EXPECT_EQ(s->name(), "fedspace");
  EXPECT_EQ(s->next_deadline(), At(h));
  EXPECT_TRUE(
      s->Offer(TinyDelta("a", 0, 1, {2, 0}), At(absl::Minutes(10))).accepted);
  EXPECT_TRUE(
      s->Offer(TinyDelta("b", 0, 1, {0, 4}), At(absl::Minutes(20))).accepted);
  auto advanced = s->Advance(At(absl::Minutes(30)));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_FALSE(*advanced);
  EXPECT_EQ(s->global().version(), 0);
  // At 1 h: Δ = ((2, 0) + (0, 4)) / 2 = (1, 2); w = (2, 4), v1.
  advanced = s->Advance(At(h));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_TRUE(*advanced);
  EXPECT_EQ(s->global().version(), 1);
  EXPECT_THAT(W(*s), ElementsAre(FloatNear(2, 1e-6), FloatNear(4, 1e-6)));
  EXPECT_THAT(s->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(0.5)),
                          FieldsAre("b", 0, 1, 0, DoubleEq(0.5))));
  EXPECT_EQ(s->next_deadline(), At(2 * h));
  // At 2 h the buffer is empty: skipped, no version.
  advanced = s->Advance(At(2 * h));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_FALSE(*advanced);
  EXPECT_EQ(s->global().version(), 1);
  EXPECT_EQ(s->next_deadline(), At(3 * h));
  // At 3 h: c is one version stale, w(1) = 1/2; d is fresh.
  // Δ = (0.5 (4, 0) + (0, 2)) / 2 = (1, 1); w = (3, 5), v2.
  EXPECT_TRUE(
      s->Offer(TinyDelta("c", 0, 1, {4, 0}), At(2 * h + absl::Minutes(5)))
          .accepted);
  EXPECT_TRUE(
      s->Offer(TinyDelta("d", 1, 1, {0, 2}), At(2 * h + absl::Minutes(6)))
          .accepted);
  ASSERT_THAT(s->Advance(At(3 * h)), IsOk());
  EXPECT_EQ(s->global().version(), 2);
  EXPECT_THAT(W(*s), ElementsAre(FloatNear(3, 1e-6), FloatNear(5, 1e-6)));
  EXPECT_THAT(s->TakeApplied(),
              ElementsAre(FieldsAre("c", 0, 2, 1, DoubleEq(0.25)),
                          FieldsAre("d", 1, 2, 0, DoubleEq(0.5))));
  EXPECT_EQ(s->updates_applied(), 4);
  // After the last instant nothing aggregates any more.
  EXPECT_EQ(s->next_deadline(), absl::InfiniteFuture());
  EXPECT_TRUE(s->Offer(TinyDelta("e", 2, 1, {1, 1}), At(4 * h)).accepted);
  advanced = s->Advance(At(10 * h));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_FALSE(*advanced);
  EXPECT_EQ(s->buffered(), 1);
  EXPECT_THAT(s->TakeApplied(), IsEmpty());
}

TEST(ScheduledAggregationTest, ALateTickRunsEachPassedInstantOnItsArrivals) {
  const absl::Duration h = absl::Hours(1);
  auto s = Make({At(h), At(2 * h)}, /*exponent=*/1.0);
  EXPECT_TRUE(
      s->Offer(TinyDelta("a", 0, 1, {2, 0}), At(absl::Minutes(30))).accepted);
  EXPECT_TRUE(
      s->Offer(TinyDelta("b", 0, 1, {0, 4}), At(absl::Minutes(90))).accepted);
  auto advanced = s->Advance(At(3 * h));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_TRUE(*advanced);
  // 1 h: a alone, fresh: w = (1, 2) + (2, 0) = (3, 2), v1.
  // 2 h: b, based on v0, one version stale: w = (3, 2) + 0.5 (0, 4) = (3, 4).
  EXPECT_EQ(s->global().version(), 2);
  EXPECT_THAT(W(*s), ElementsAre(FloatNear(3, 1e-6), FloatNear(4, 1e-6)));
  EXPECT_THAT(s->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(1.0)),
                          FieldsAre("b", 0, 2, 1, DoubleEq(0.5))));
}

TEST(ScheduledAggregationTest, InstantsBeforeTheStartAreDropped) {
  auto s = Make({kStart - absl::Hours(1), kStart, At(absl::Hours(1))}, 0.5);
  EXPECT_EQ(s->next_deadline(), kStart);
  ASSERT_THAT(s->Advance(kStart), IsOk());
  EXPECT_EQ(s->next_deadline(), At(absl::Hours(1)));
}

TEST(ScheduledAggregationTest, RefusesUpdatesTooStaleOrFromTheFuture) {
  std::vector<absl::Time> schedule;
  for (int i = 1; i <= 5; ++i) schedule.push_back(At(absl::Hours(i)));
  auto s = Make(schedule, 0.5, /*max_staleness=*/1);
  for (int v = 0; v < 3; ++v) {
    EXPECT_TRUE(s->Offer(TinyDelta("a", v, 1, {1, 1}), At(absl::Hours(v)))
                    .accepted);
    ASSERT_THAT(s->Advance(At(absl::Hours(v + 1))), IsOk());
  }
  EXPECT_EQ(s->global().version(), 3);
  EXPECT_EQ(s->min_base_version(), 2);
  const Decision old = s->Offer(TinyDelta("b", 1, 1, {1, 1}), At(absl::Hours(3)));
  EXPECT_FALSE(old.accepted);
  EXPECT_THAT(old.reason, HasSubstr("stale"));
  const Decision future =
      s->Offer(TinyDelta("c", 4, 1, {1, 1}), At(absl::Hours(3)));
  EXPECT_FALSE(future.accepted);
  EXPECT_THAT(future.reason, HasSubstr("newer"));
  EXPECT_TRUE(
      s->Offer(TinyDelta("d", 2, 1, {1, 1}), At(absl::Hours(3))).accepted);
}

TEST(ScheduledAggregationTest, OptionsAreValidated) {
  const auto invalid = absl::StatusCode::kInvalidArgument;
  ScheduledAggregationOptions o;
  EXPECT_THAT(ScheduledAggregation::Create(o), StatusIs(invalid, "empty"));
  o.schedule = {At(absl::Hours(2)), At(absl::Hours(1))};
  EXPECT_THAT(ScheduledAggregation::Create(o),
              StatusIs(invalid, "increasing order"));
  o.schedule = {At(absl::Hours(1)), At(absl::Hours(1)), At(absl::Hours(2))};
  EXPECT_THAT(ScheduledAggregation::Create(o), IsOk());
  o.staleness_exponent = -1;
  EXPECT_THAT(ScheduledAggregation::Create(o),
              StatusIs(invalid, "federation.staleness_exponent"));
  o.staleness_exponent = 0.5;
  o.max_staleness = -1;
  EXPECT_THAT(ScheduledAggregation::Create(o),
              StatusIs(invalid, "federation.max_staleness"));
  o.max_staleness = 0;
  o.server_optimizer.kind = "momentum";
  o.server_optimizer.momentum = -0.1;
  EXPECT_THAT(ScheduledAggregation::Create(o),
              StatusIs(invalid, "federation.server_momentum"));
}

}  // namespace
}  // namespace orbitfl::aggregator
