#include "aggregator/robust.h"

#include <cmath>
#include <vector>

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
using ::orbitfl::testing::W;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::FloatNear;

// Five updates of two values; the last is an attacker's, 100x too large.
struct Five {
  proto::Model model = TinyModel({0, 0}, 0);
  std::vector<proto::ModelDelta> d = {
      TinyDelta("a", 0, 1, {1, -2}),   TinyDelta("b", 0, 1, {2, -1}),
      TinyDelta("c", 0, 1, {3, 0}),    TinyDelta("d", 0, 1, {4, 1}),
      TinyDelta("e", 0, 1, {100, -100}),
  };
  std::vector<const proto::ModelDelta*> p() const {
    std::vector<const proto::ModelDelta*> out;
    for (const proto::ModelDelta& x : d) out.push_back(&x);
    return out;
  }
};

Pseudogradient Combine(const RobustOptions& o, const Five& f,
                       const std::vector<double>& w) {
  absl::StatusOr<Pseudogradient> r = CombineDeltas(o, f.model.tensors(), f.p(), w);
  EXPECT_THAT(r, IsOk());
  return r.ok() ? *r : Pseudogradient{{0, 0}};
}

const std::vector<double> kEqual(5, 0.2);

TEST(RobustTest, MeanIsTheWeightedSum) {
  Five f;
  // (1+2+3+4+100)/5 = 22, (-2-1+0+1-100)/5 = -20.4.
  EXPECT_THAT(Combine({}, f, kEqual)[0],
              ElementsAre(DoubleNear(22, 1e-9), DoubleNear(-20.4, 1e-9)));
}

TEST(RobustTest, CoordinateWiseMedianIgnoresTheOutlier) {
  Five f;
  RobustOptions o;
  o.rule = "median";
  EXPECT_THAT(Combine(o, f, kEqual)[0],
              ElementsAre(DoubleNear(3, 1e-9), DoubleNear(-1, 1e-9)));
  // Four updates: the mean of the middle two; scaled by the weights' sum
  // (a staleness-discounted buffer keeps its discount).
  f.d.pop_back();
  EXPECT_THAT(Combine(o, f, {0.1, 0.1, 0.1, 0.1})[0],
              ElementsAre(DoubleNear(0.4 * 2.5, 1e-9), DoubleNear(0.4 * -0.5, 1e-9)));
}

TEST(RobustTest, TrimmedMeanCutsEachEnd) {
  Five f;
  RobustOptions o;
  o.rule = "trimmed_mean";
  o.trim_fraction = 0.2;  // one value from each end of five
  // First value: 1 2 3 4 100 -> mean(2, 3, 4) = 3. Second: -100 -2 -1 0 1
  // -> mean(-2, -1, 0) = -1.
  EXPECT_THAT(Combine(o, f, kEqual)[0],
              ElementsAre(DoubleNear(3, 1e-9), DoubleNear(-1, 1e-9)));
  o.trim_fraction = 0.1;  // floor(0.5) = 0: the plain mean
  EXPECT_THAT(Combine(o, f, kEqual)[0],
              ElementsAre(DoubleNear(22, 1e-9), DoubleNear(-20.4, 1e-9)));
}

TEST(RobustTest, NormClippingScalesLargeUpdatesDown) {
  Five f;
  RobustOptions o;
  o.clip_norm = 5;
  // Norms: sqrt(5), sqrt(5), 3, sqrt(17) (all <= 5, kept) and 100 sqrt(2)
  // (scaled to 5: (3.5355.., -3.5355..)).
  const double e = 5 / std::sqrt(2.0);
  EXPECT_THAT(Combine(o, f, kEqual)[0],
              ElementsAre(DoubleNear((10 + e) / 5, 1e-9),
                          DoubleNear((-2 - e) / 5, 1e-9)));
  // To the median norm, 3 (c's): a, b (sqrt 5) stay; d and e shrink.
  o.clip_norm = 0;
  o.clip_to_median = true;
  const double sd = 3 / std::sqrt(17.0);
  EXPECT_THAT(Combine(o, f, kEqual)[0],
              ElementsAre(DoubleNear((6 + 4 * sd + 3 / std::sqrt(2.0)) / 5, 1e-9),
                          DoubleNear((-3 + sd - 3 / std::sqrt(2.0)) / 5, 1e-9)));
}

TEST(RobustTest, RefusesBadOptionsAndMisfitUpdates) {
  RobustOptions o;
  o.rule = "krum";
  EXPECT_THAT(ValidateRobustOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "federation.robust.rule"));
  o = {};
  o.trim_fraction = 0.5;
  EXPECT_THAT(ValidateRobustOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "federation.robust.trim_fraction"));
  o = {};
  o.clip_norm = -1;
  EXPECT_THAT(ValidateRobustOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "federation.robust.clip_norm"));
  EXPECT_FALSE(IsRobust({}));
  Five f;
  f.d[2] = TinyDelta("c", 0, 1, {1, 2, 3});
  o = {};
  o.rule = "median";
  EXPECT_TRUE(IsRobust(o));
  EXPECT_THAT(CombineDeltas(o, f.model.tensors(), f.p(), kEqual),
              StatusIs(absl::StatusCode::kInvalidArgument, "update from c"));
}

// Through FedAvg: the median round ignores the attacker; the mean does not.
TEST(RobustTest, FedAvgWithTheMedianKeepsTheModelNearTheHonestUpdates) {
  for (const std::string rule : {"mean", "median"}) {
    FedAvgOptions o;
    o.expected_participants = 5;
    o.robust.rule = rule;
    auto fedavg = FedAvg::Create(o);
    ASSERT_THAT(fedavg, IsOk());
    (*fedavg)->Start(TinyModel({0, 0}, 0), kStart);
    Five f;
    for (const proto::ModelDelta& d : f.d) {
      ASSERT_TRUE((*fedavg)->Offer(d, kStart).accepted);
    }
    ASSERT_TRUE(*(*fedavg)->Advance(kStart));
    if (rule == "mean") {
      EXPECT_THAT(W(**fedavg), ElementsAre(FloatNear(22, 1e-5), FloatNear(-20.4, 1e-5)));
    } else {
      EXPECT_THAT(W(**fedavg), ElementsAre(FloatNear(3, 1e-5), FloatNear(-1, 1e-5)));
    }
  }
}

}  // namespace
}  // namespace orbitfl::aggregator
