#include "aggregator/fedavg.h"

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
using ::testing::FloatEq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::unique_ptr<FedAvg> Make(int expected, int min_participants = 1) {
  FedAvgOptions o;
  o.round_deadline = absl::Hours(1);
  o.expected_participants = expected;
  o.min_participants = min_participants;
  auto f = FedAvg::Create(o);
  EXPECT_THAT(f, IsOk());
  (*f)->Start(TinyModel({1.0f, 2.0f}, 0), kStart);
  return std::move(f).value();
}

TEST(FedAvgTest, SampleWeightedMeanOfDeltasHandComputed) {
  auto f = Make(/*expected=*/2);
  // Weights 1/4 and 3/4: w = (1,2) + 0.25*(4,0) + 0.75*(0,-4) = (2, -1).
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 100, {4, 0}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("b", 0, 300, {0, -4}), kStart).accepted);
  auto advanced = f->Advance(kStart + absl::Minutes(1));
  ASSERT_THAT(advanced, IsOk());
  EXPECT_TRUE(*advanced);
  EXPECT_EQ(f->global().version(), 1);
  EXPECT_EQ(f->updates_applied(), 2);
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatEq(2.0f), FloatEq(-1.0f)));
  // The log: both into v1, fresh, by satellite name, weighted by samples.
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(0.25)),
                          FieldsAre("b", 0, 1, 0, DoubleEq(0.75))));
  EXPECT_THAT(f->TakeApplied(), IsEmpty());
}

TEST(FedAvgTest, RoundWaitsForDeadlineUnlessEveryoneReported) {
  auto f = Make(/*expected=*/3);
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 10, {1, 1}), kStart).accepted);
  EXPECT_FALSE(*f->Advance(kStart + absl::Minutes(59)));
  EXPECT_EQ(f->global().version(), 0);
  EXPECT_TRUE(*f->Advance(kStart + absl::Hours(1)));
  EXPECT_EQ(f->global().version(), 1);
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatEq(2.0f), FloatEq(3.0f)));
  // The next round's deadline counts from the aggregation.
  EXPECT_EQ(f->next_deadline(), kStart + absl::Hours(2));
}

TEST(FedAvgTest, AMergedUpdateReportsForEachOfItsContributors) {
  auto f = Make(/*expected=*/3);
  proto::ModelDelta merged = TinyDelta("a", 0, 20, {1, 1});
  merged.add_contributors("a");
  merged.add_contributors("b");
  EXPECT_TRUE(f->Offer(merged, kStart).accepted);
  EXPECT_FALSE(*f->Advance(kStart + absl::Minutes(1)));  // 2 of 3
  EXPECT_TRUE(f->Offer(TinyDelta("c", 0, 20, {3, 3}), kStart).accepted);
  EXPECT_TRUE(*f->Advance(kStart + absl::Minutes(2)));  // 3 of 3, early
  // Equal samples: w = (1,2) + (1,1)/2 + (3,3)/2 = (3, 4).
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatEq(3.0f), FloatEq(4.0f)));
}

// One holder may send two merges in a round (it merged again after more
// updates reached it); a satellite already counted, alone or merged, may
// not report again.
TEST(FedAvgTest, EachContributorReportsOnceARound) {
  auto f = Make(/*expected=*/5);
  proto::ModelDelta first = TinyDelta("h", 0, 10, {1, 1});
  first.add_contributors("h");
  first.add_contributors("a");
  EXPECT_TRUE(f->Offer(first, kStart).accepted);
  proto::ModelDelta second = TinyDelta("h", 0, 10, {1, 1});
  second.add_contributors("b");
  second.add_contributors("c");
  EXPECT_TRUE(f->Offer(second, kStart).accepted);
  Decision alone = f->Offer(TinyDelta("a", 0, 10, {1, 1}), kStart);
  EXPECT_FALSE(alone.accepted);
  EXPECT_THAT(alone.reason, HasSubstr("duplicate: a"));
  proto::ModelDelta again = TinyDelta("x", 0, 10, {1, 1});
  again.add_contributors("d");
  again.add_contributors("c");
  EXPECT_THAT(f->Offer(again, kStart).reason, HasSubstr("duplicate: c"));
  EXPECT_FALSE(*f->Advance(kStart + absl::Minutes(1)));  // 4 of 5
  EXPECT_TRUE(f->Offer(TinyDelta("d", 0, 10, {1, 1}), kStart).accepted);
  EXPECT_TRUE(*f->Advance(kStart + absl::Minutes(2)));  // 5 of 5
  EXPECT_THAT(f->TakeApplied(), SizeIs(3));
}

TEST(FedAvgTest, DeadlineWithTooFewParticipantsExtendsTheRound) {
  auto f = Make(/*expected=*/3, /*min_participants=*/2);
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 10, {1, 1}), kStart).accepted);
  EXPECT_FALSE(*f->Advance(kStart + absl::Hours(1)));
  EXPECT_EQ(f->next_deadline(), kStart + absl::Hours(2));
  EXPECT_THAT(f->TakeApplied(), IsEmpty());
  EXPECT_TRUE(f->Offer(TinyDelta("b", 0, 10, {1, 1}), kStart).accepted);
  EXPECT_TRUE(*f->Advance(kStart + absl::Hours(2)));
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("a", 0, 1, 0, DoubleEq(0.5)),
                          FieldsAre("b", 0, 1, 0, DoubleEq(0.5))));
  // Round v1.
  EXPECT_TRUE(f->Offer(TinyDelta("c", 1, 7, {1, 1}), kStart).accepted);
  EXPECT_TRUE(f->Offer(TinyDelta("a", 1, 7, {1, 1}), kStart).accepted);
  EXPECT_TRUE(*f->Advance(kStart + absl::Hours(4)));
  EXPECT_THAT(f->TakeApplied(),
              ElementsAre(FieldsAre("a", 1, 2, 0, DoubleEq(0.5)),
                          FieldsAre("c", 1, 2, 0, DoubleEq(0.5))));
}

TEST(FedAvgTest, RefusesStaleDuplicateAndEmptyUpdates) {
  auto f = Make(/*expected=*/5);
  Decision stale = f->Offer(TinyDelta("a", 3, 10, {1, 1}), kStart);
  EXPECT_FALSE(stale.accepted);
  EXPECT_THAT(stale.reason, HasSubstr("stale"));
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 10, {1, 1}), kStart).accepted);
  Decision dup = f->Offer(TinyDelta("a", 0, 10, {1, 1}), kStart);
  EXPECT_FALSE(dup.accepted);
  EXPECT_THAT(dup.reason, HasSubstr("duplicate"));
  EXPECT_FALSE(f->Offer(TinyDelta("b", 0, 0, {1, 1}), kStart).accepted);
}

TEST(FedAvgTest, ServerMomentumCarriesOverRoundsHandComputed) {
  FedAvgOptions o;
  o.server_optimizer.kind = "momentum";
  o.server_optimizer.momentum = 0.5;
  auto created = FedAvg::Create(o);
  ASSERT_THAT(created, IsOk());
  std::unique_ptr<FedAvg> f = std::move(created).value();
  f->Start(TinyModel({1.0f, 2.0f}, 0), kStart);
  // Round 0: m = (2, 0); w = (1, 2) + (2, 0) = (3, 2).
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 10, {2, 0}), kStart).accepted);
  EXPECT_TRUE(*f->Advance(kStart));
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatEq(3.0f), FloatEq(2.0f)));
  // Round 1: m = 0.5 (2, 0) + (0, 2) = (1, 2); w = (4, 4).
  EXPECT_TRUE(f->Offer(TinyDelta("a", 1, 10, {0, 2}), kStart).accepted);
  EXPECT_TRUE(*f->Advance(kStart));
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatEq(4.0f), FloatEq(4.0f)));
  // A new Start forgets the momentum.
  f->Start(TinyModel({1.0f, 2.0f}, 0), kStart);
  EXPECT_TRUE(f->Offer(TinyDelta("a", 0, 10, {0, 2}), kStart).accepted);
  EXPECT_TRUE(*f->Advance(kStart));
  EXPECT_THAT(proto::ToFloats(f->global().tensors(0)),
              ElementsAre(FloatEq(1.0f), FloatEq(4.0f)));
}

TEST(FedAvgTest, RejectsBadOptions) {
  FedAvgOptions o;
  o.round_deadline = absl::ZeroDuration();
  EXPECT_THAT(FedAvg::Create(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "round_deadline_s"));
  o.round_deadline = absl::Hours(1);
  o.min_participants = 0;
  EXPECT_THAT(FedAvg::Create(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "min_participants"));
  o.min_participants = 1;
  o.server_optimizer.kind = "sdg";
  EXPECT_THAT(FedAvg::Create(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "federation.server_optimizer"));
}

}  // namespace
}  // namespace orbitfl::aggregator
