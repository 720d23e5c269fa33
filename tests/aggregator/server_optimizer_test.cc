#include "aggregator/server_optimizer.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/tensor_util.h"
#include "tests/aggregator/models.h"
#include "tests/status_matchers.h"

namespace orbitfl::aggregator {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::orbitfl::testing::TinyDelta;
using ::orbitfl::testing::TinyModel;
using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::FloatNear;

std::unique_ptr<ServerOptimizer> Make(const ServerOptimizerOptions& o) {
  auto opt = ServerOptimizer::Create(o);
  EXPECT_THAT(opt, IsOk());
  return std::move(opt).value();
}

// Two steps from x0 = (1, -2) with Δ1 = (2, -4) and Δ2 = (0, 4) or (1, 1).
TEST(ServerOptimizerTest, SgdTwoStepsHandComputed) {
  ServerOptimizerOptions o;
  o.lr = 0.5;
  auto opt = Make(o);
  proto::Model x = TinyModel({1, -2}, 3);
  ASSERT_THAT(opt->Apply({{2, -4}}, x), IsOk());
  // x1 = (1, -2) + 0.5 (2, -4) = (2, -4).
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatEq(2), FloatEq(-4)));
  ASSERT_THAT(opt->Apply({{1, 1}}, x), IsOk());
  // x2 = (2, -4) + 0.5 (1, 1) = (2.5, -3.5).
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatEq(2.5), FloatEq(-3.5)));
  EXPECT_EQ(x.version(), 3);  // the caller owns versions
}

TEST(ServerOptimizerTest, SgdDefaultIsPlainFedAvgWithLrOne) {
  auto opt = Make(ServerOptimizerOptions{});
  EXPECT_EQ(opt->kind(), "sgd");
  EXPECT_DOUBLE_EQ(opt->lr(), 1);
  proto::Model x = TinyModel({1, -2}, 0);
  ASSERT_THAT(opt->Apply({{0.25, 0.125}}, x), IsOk());
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatEq(1.25), FloatEq(-1.875)));
}

TEST(ServerOptimizerTest, MomentumTwoStepsHandComputed) {
  ServerOptimizerOptions o;
  o.kind = "momentum";
  o.momentum = 0.5;
  auto opt = Make(o);
  EXPECT_DOUBLE_EQ(opt->lr(), 1);  // the default for momentum
  proto::Model x = TinyModel({1, -2}, 0);
  // m1 = Δ1 = (2, -4); x1 = (1, -2) + (2, -4) = (3, -6).
  ASSERT_THAT(opt->Apply({{2, -4}}, x), IsOk());
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatEq(3), FloatEq(-6)));
  // m2 = 0.5 (2, -4) + (1, 1) = (2, -1); x2 = (3, -6) + (2, -1) = (5, -7).
  ASSERT_THAT(opt->Apply({{1, 1}}, x), IsOk());
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatEq(5), FloatEq(-7)));
  // Reset forgets m: the next step is plain lr * Δ.
  opt->Reset();
  ASSERT_THAT(opt->Apply({{1, 1}}, x), IsOk());
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatEq(6), FloatEq(-6)));
}

TEST(ServerOptimizerTest, AdamTwoStepsHandComputed) {
  ServerOptimizerOptions o;
  o.kind = "adam";
  o.lr = 0.1;
  o.beta1 = 0.5;
  o.beta2 = 0.75;
  o.tau = 0.5;
  auto opt = Make(o);
  proto::Model x = TinyModel({1, -2}, 0);
  // Δ1 = (2, -4): m1 = 0.5 Δ1 = (1, -2); v1 = 0.25 Δ1² = (1, 4);
  // x1 = x0 + 0.1 (1 / (1 + 0.5), -2 / (2 + 0.5)) = (1.0666667, -2.08).
  ASSERT_THAT(opt->Apply({{2, -4}}, x), IsOk());
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatNear(1.0666667, 1e-6), FloatNear(-2.08, 1e-6)));
  // Δ2 = (0, 4): m2 = 0.5 m1 + 0.5 Δ2 = (0.5, 1);
  // v2 = 0.75 v1 + 0.25 Δ2² = (0.75, 7);
  // x2 = x1 + 0.1 (0.5 / (sqrt(0.75) + 0.5), 1 / (sqrt(7) + 0.5))
  //    = x1 + (0.0366025, 0.0317891) = (1.1032692, -2.0482109).
  ASSERT_THAT(opt->Apply({{0, 4}}, x), IsOk());
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatNear(1.1032692, 1e-6),
                          FloatNear(-2.0482109, 1e-6)));
}

TEST(ServerOptimizerTest, AdamDefaults) {
  ServerOptimizerOptions o;
  o.kind = "adam";
  auto opt = Make(o);
  EXPECT_DOUBLE_EQ(opt->lr(), 0.01);
  // One step of Δ = (1): m = 0.1, v = 0.01 -> 0.01 * 0.1 / (0.1 + 1e-3).
  proto::Model x = TinyModel({0}, 0);
  ASSERT_THAT(opt->Apply({{1}}, x), IsOk());
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatNear(0.01 * 0.1 / 0.101, 1e-7)));
}

TEST(ServerOptimizerTest, RefusesAnUpdateOfTheWrongShape) {
  auto opt = Make(ServerOptimizerOptions{});
  proto::Model x = TinyModel({1, -2}, 0);
  EXPECT_THAT(opt->Apply({{1, 2, 3}}, x),
              StatusIs(absl::StatusCode::kInvalidArgument, "\"w\""));
  EXPECT_THAT(opt->Apply({{1, 2}, {3}}, x),
              StatusIs(absl::StatusCode::kInvalidArgument, "2 tensors"));
  EXPECT_THAT(proto::ToFloats(x.tensors(0)),
              ElementsAre(FloatEq(1), FloatEq(-2)));
}

TEST(ServerOptimizerTest, OptionsAreValidatedNamingTheField) {
  const auto invalid = absl::StatusCode::kInvalidArgument;
  ServerOptimizerOptions o;
  o.kind = "adagrad";
  EXPECT_THAT(ServerOptimizer::Create(o),
              StatusIs(invalid, "federation.server_optimizer"));
  o.kind = "sgd";
  o.lr = -1;
  EXPECT_THAT(ServerOptimizer::Create(o),
              StatusIs(invalid, "federation.server_lr"));
  o.lr = 0;
  o.kind = "momentum";
  o.momentum = 1;
  EXPECT_THAT(ServerOptimizer::Create(o),
              StatusIs(invalid, "federation.server_momentum"));
  o = ServerOptimizerOptions{};
  o.kind = "adam";
  o.beta1 = -0.1;
  EXPECT_THAT(ServerOptimizer::Create(o),
              StatusIs(invalid, "federation.adam_beta1"));
  o.beta1 = 0.9;
  o.beta2 = 1.5;
  EXPECT_THAT(ServerOptimizer::Create(o),
              StatusIs(invalid, "federation.adam_beta2"));
  o.beta2 = 0.99;
  o.tau = 0;
  EXPECT_THAT(ServerOptimizer::Create(o),
              StatusIs(invalid, "federation.adam_tau"));
  // Parameters of other kinds are not checked.
  o = ServerOptimizerOptions{};
  o.tau = 0;
  o.momentum = 7;
  EXPECT_THAT(ServerOptimizer::Create(o), IsOk());
  o.kind = "";
  EXPECT_THAT(ServerOptimizer::Create(o), IsOk());
}

}  // namespace
}  // namespace orbitfl::aggregator
