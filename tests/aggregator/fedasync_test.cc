#include "aggregator/fedasync.h"

#include <cmath>

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
using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<FedAsync> Make(double alpha, double exponent,
                               int64_t max_staleness = 0) {
  FedAsyncOptions o;
  o.alpha = alpha;
  o.staleness_exponent = exponent;
  o.max_staleness = max_staleness;
  auto f = FedAsync::Create(o);
  EXPECT_THAT(f, IsOk());
  (*f)->Start(TinyModel({1.0f, 2.0f}, 0), kStart);
  return std::move(f).value();
}

TEST(FedAsyncTest, MixesEachUpdateOnArrivalDiscountedByStalenessHandComputed) {
  auto f = Make(/*alpha=*/0.5, /*exponent=*/1.0);
  // Fresh: w = (1,2) + 0.5 * (4, 0) = (3, 2), version 1.
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 10, {4, 0}), kStart).accepted);
  ASSERT_THAT(f->Advance(kStart), IsOk());
  EXPECT_EQ(f->global().version(), 1);
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatNear(3, 1e-6), FloatNear(2, 1e-6)));
  // Based on v0 while the global is v1: staleness 1, weight 0.5 / 2 = 0.25.
  // w = (3,2) + 0.25 * (0, -8) = (3, 0), version 2.
  EXPECT_TRUE(f->Offer(TinyDelta("b", 0, 10, {0, -8}), kStart).accepted);
  auto advanced = f->Advance(kStart + absl::Minutes(1));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_TRUE(*advanced);
  EXPECT_EQ(f->global().version(), 2);
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatNear(3, 1e-6), FloatNear(0, 1e-6)));
  EXPECT_EQ(f->updates_applied(), 2);
  // The log holds both, drained once.
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(0.5)),
                          FieldsAre("b", 0, 2, 1, DoubleEq(0.25))));
  EXPECT_THAT(f->TakeApplied(), IsEmpty());
  // Nothing pending: no new model.
  advanced = f->Advance(kStart + absl::Minutes(2));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_FALSE(*advanced);
  EXPECT_THAT(f->TakeApplied(), IsEmpty());
}

TEST(FedAsyncTest, UpdatesArrivingTogetherApplyInOrderWithGrowingStaleness) {
  auto f = Make(/*alpha=*/1.0, /*exponent=*/0.5);
  // Both based on v0: the first is fresh (weight 1), the second is mixed
  // into v1 with staleness 1 (weight 1/sqrt(2)).
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 1, {1, 0}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("b", 0, 1, {0, 2}), kStart).accepted);
  ASSERT_THAT(f->Advance(kStart), IsOk());
  EXPECT_EQ(f->global().version(), 2);
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatNear(2, 1e-6),
                          FloatNear(2 + 2 / std::sqrt(2.0), 1e-6)));
  EXPECT_THAT(
      f->TakeApplied(),
      ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(1.0)),
                  FieldsAre("b", 0, 2, 1, DoubleEq(1 / std::sqrt(2.0)))));
  EXPECT_DOUBLE_EQ(f->MixingWeight(3), 1.0 / 2.0);
}

TEST(FedAsyncTest, RefusesUpdatesTooStaleOrFromTheFuture) {
  auto f = Make(/*alpha=*/0.5, /*exponent=*/0.5, /*max_staleness=*/1);
  for (int k = 0; k < 3; ++k) {
    EXPECT_TRUE(f->Offer(TinyDelta("a", k, 1, {1, 1}), kStart).accepted);
    ASSERT_THAT(f->Advance(kStart), IsOk());
  }
  EXPECT_EQ(f->global().version(), 3);
  EXPECT_EQ(f->min_base_version(), 2);
  const Decision old = f->Offer(TinyDelta("b", 1, 1, {1, 1}), kStart);
  EXPECT_FALSE(old.accepted);
  EXPECT_THAT(old.reason, HasSubstr("stale"));
  const Decision future = f->Offer(TinyDelta("c", 7, 1, {1, 1}), kStart);
  EXPECT_FALSE(future.accepted);
  EXPECT_THAT(future.reason, HasSubstr("newer"));
  EXPECT_TRUE(f->Offer(TinyDelta("d", 2, 1, {1, 1}), kStart).accepted);
}

TEST(FedAsyncTest, OptionsAreValidatedNamingTheField) {
  FedAsyncOptions o;
  o.alpha = 0;
  EXPECT_THAT(FedAsync::Create(o),
              StatusIs(absl::StatusCode::kInvalidArgument, "fedasync_alpha"));
  o.alpha = 0.5;
  o.staleness_exponent = -1;
  EXPECT_THAT(FedAsync::Create(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                            "staleness_exponent"));
}

}  // namespace
}  // namespace orbitfl::aggregator
