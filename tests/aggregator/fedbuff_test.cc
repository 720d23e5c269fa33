#include "aggregator/fedbuff.h"

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
using ::orbitfl::testing::W;
using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<FedBuff> Make(FedBuffOptions o) {
  auto f = FedBuff::Create(o);
  EXPECT_THAT(f, IsOk());
  (*f)->Start(TinyModel({1.0f, 2.0f}, 0), kStart);
  return std::move(f).value();
}

FedBuffOptions Options(int k, double exponent) {
  FedBuffOptions o;
  o.buffer_size = k;
  o.staleness_exponent = exponent;
  return o;
}

TEST(FedBuffTest, AggregatesEveryKUpdatesWithStalenessWeightsHandComputed) {
  auto f = Make(Options(/*k=*/2, /*exponent=*/1.0));
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 10, {2, 0}), kStart).accepted);
  auto advanced = f->Advance(kStart);
  ASSERT_THAT(advanced, IsOk());
  EXPECT_FALSE(*advanced);  // one of two
  EXPECT_EQ(f->buffered(), 1);
  EXPECT_EQ(f->next_deadline(), absl::InfiniteFuture());
  EXPECT_TRUE(f->Offer(TinyDelta("b", 0, 99, {0, 4}), kStart).accepted);
  advanced = f->Advance(kStart);
  ASSERT_THAT(advanced, IsOk());
  EXPECT_TRUE(*advanced);
  // Both fresh (weight 1): Δ = ((2, 0) + (0, 4)) / 2 = (1, 2); w = (2, 4).
  // Samples do not matter.
  EXPECT_EQ(f->global().version(), 1);
  EXPECT_THAT(W(*f), ElementsAre(FloatNear(2, 1e-6), FloatNear(4, 1e-6)));
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(0.5)),
                          FieldsAre("b", 0, 1, 0, DoubleEq(0.5))));
  // c is one version stale: w(1) = (1 + 1)^-1 = 1/2; d is fresh.
  // Δ = (0.5 (4, 0) + 1 (0, 2)) / 2 = (1, 1); w = (3, 5).
  EXPECT_TRUE(f->Offer(TinyDelta("c", 0, 1, {4, 0}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("d", 1, 1, {0, 2}), kStart).accepted);
  ASSERT_THAT(f->Advance(kStart), IsOk());
  EXPECT_EQ(f->global().version(), 2);
  EXPECT_THAT(W(*f), ElementsAre(FloatNear(3, 1e-6), FloatNear(5, 1e-6)));
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("c", 0, 2, 1, DoubleEq(0.25)),
                          FieldsAre("d", 1, 2, 0, DoubleEq(0.5))));
  EXPECT_THAT(f->TakeApplied(), IsEmpty());
  EXPECT_EQ(f->updates_applied(), 4);
}

TEST(FedBuffTest, SeveralFullBuffersMakeOneVersionEachInArrivalOrder) {
  auto f = Make(Options(/*k=*/1, /*exponent=*/1.0));
  // Both based on v0: a makes v1 fresh; b goes into v2 one version stale,
  // weight 1/2. w = (1, 2) + (2, 0) + 0.5 (0, 2) = (3, 3).
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 1, {2, 0}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("b", 0, 1, {0, 2}), kStart).accepted);
  ASSERT_THAT(f->Advance(kStart), IsOk());
  EXPECT_EQ(f->global().version(), 2);
  EXPECT_THAT(W(*f), ElementsAre(FloatNear(3, 1e-6), FloatNear(3, 1e-6)));
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(1.0)),
                          FieldsAre("b", 0, 2, 1, DoubleEq(0.5))));
}

TEST(FedBuffTest, DefaultExponentIsASquareRootDiscount) {
  auto f = Make(Options(/*k=*/1, FedBuffOptions{}.staleness_exponent));
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 1, {0, 0}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 1, {0, 0}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 1, {0, 0}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 1, {0, 0}), kStart).accepted);
  ASSERT_THAT(f->Advance(kStart), IsOk());
  const std::vector<AppliedUpdate> log = f->TakeApplied();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_DOUBLE_EQ(log[1].weight, 1 / std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(log[3].weight, 0.5);  // (1 + 3)^-0.5
}

TEST(FedBuffTest, FlushAggregatesWhatIsThereOnceTheOldestHasWaited) {
  FedBuffOptions o = Options(/*k=*/3, /*exponent=*/0.5);
  o.flush_after = absl::Minutes(10);
  auto f = Make(o);
  EXPECT_EQ(f->next_deadline(), absl::InfiniteFuture());
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 1, {2, 0}), kStart).accepted);
  EXPECT_EQ(f->next_deadline(), kStart + absl::Minutes(10));
  EXPECT_TRUE(
      f->Offer(TinyDelta("b", 0, 1, {0, 4}), kStart + absl::Minutes(5))
          .accepted);
  // The oldest decides.
  EXPECT_EQ(f->next_deadline(), kStart + absl::Minutes(10));
  auto advanced = f->Advance(kStart + absl::Minutes(9));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_FALSE(*advanced);
  advanced = f->Advance(kStart + absl::Minutes(10));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_TRUE(*advanced);
  // Divided by the two present, not K: Δ = ((2, 0) + (0, 4)) / 2.
  EXPECT_THAT(W(*f), ElementsAre(FloatNear(2, 1e-6), FloatNear(4, 1e-6)));
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(0.5)),
                          FieldsAre("b", 0, 1, 0, DoubleEq(0.5))));
  EXPECT_EQ(f->buffered(), 0);
  EXPECT_EQ(f->next_deadline(), absl::InfiniteFuture());
}

TEST(FedBuffTest, RefusesUpdatesTooStaleOrFromTheFuture) {
  FedBuffOptions o = Options(/*k=*/1, /*exponent=*/0.5);
  o.max_staleness = 1;
  auto f = Make(o);
  for (int v = 0; v < 3; ++v) {
    EXPECT_TRUE(f->Offer(TinyDelta("a", v, 1, {1, 1}), kStart).accepted);
    ASSERT_THAT(f->Advance(kStart), IsOk());
  }
  EXPECT_EQ(f->global().version(), 3);
  EXPECT_EQ(f->min_base_version(), 2);
  const Decision old = f->Offer(TinyDelta("b", 1, 1, {1, 1}), kStart);
  EXPECT_FALSE(old.accepted);
  EXPECT_THAT(old.reason, HasSubstr("stale"));
  const Decision future = f->Offer(TinyDelta("c", 4, 1, {1, 1}), kStart);
  EXPECT_FALSE(future.accepted);
  EXPECT_THAT(future.reason, HasSubstr("newer"));
  // Based on v2: into v3 (staleness 1), accepted; the buffer is then full,
  // so the next one based on v2 would go into v4 (staleness 2): refused.
  EXPECT_TRUE(f->Offer(TinyDelta("d", 2, 1, {1, 1}), kStart).accepted);
  EXPECT_FALSE(f->Offer(TinyDelta("e", 2, 1, {1, 1}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("e", 3, 1, {1, 1}), kStart).accepted);
}

TEST(FedBuffTest, AppliesTheMeanThroughTheServerOptimizer) {
  FedBuffOptions o = Options(/*k=*/2, /*exponent=*/0.5);
  o.server_optimizer.lr = 0.5;
  auto f = Make(o);
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 1, {2, 0}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("b", 0, 1, {0, 4}), kStart).accepted);
  ASSERT_THAT(f->Advance(kStart), IsOk());
  // w = (1, 2) + 0.5 (1, 2) = (1.5, 3); the log's weight is before lr.
  EXPECT_THAT(W(*f), ElementsAre(FloatNear(1.5, 1e-6), FloatNear(3, 1e-6)));
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(0.5)),
                          FieldsAre("b", 0, 1, 0, DoubleEq(0.5))));
}

TEST(FedBuffTest, OptionsAreValidatedNamingTheField) {
  const auto invalid = absl::StatusCode::kInvalidArgument;
  FedBuffOptions o;
  o.buffer_size = 0;
  EXPECT_THAT(FedBuff::Create(o), StatusIs(invalid, "federation.buffer_size"));
  o = FedBuffOptions{};
  o.staleness_exponent = -0.5;
  EXPECT_THAT(FedBuff::Create(o),
              StatusIs(invalid, "federation.staleness_exponent"));
  o = FedBuffOptions{};
  o.max_staleness = -1;
  EXPECT_THAT(FedBuff::Create(o),
              StatusIs(invalid, "federation.max_staleness"));
  o = FedBuffOptions{};
  o.flush_after = -absl::Seconds(1);
  EXPECT_THAT(FedBuff::Create(o),
              StatusIs(invalid, "federation.buffer_timeout_s"));
  o = FedBuffOptions{};
  o.server_optimizer.kind = "adam";
  o.server_optimizer.tau = -1;
  EXPECT_THAT(FedBuff::Create(o), StatusIs(invalid, "federation.adam_tau"));
  EXPECT_THAT(FedBuff::Create(FedBuffOptions{}), IsOk());
}

}  // namespace
}  // namespace orbitfl::aggregator
