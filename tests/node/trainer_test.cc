#include "node/trainer.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/tensor_util.h"
#include "tests/status_matchers.h"

namespace orbitfl::node {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

// Four classes, each a different bright band over noise: learnable.
TileDataset BandDataset(int n, uint64_t seed) {
  TileDataset d;
  d.pixels = 8;
  d.bands = 4;
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> noise(0.3f, 0.1f);
  std::vector<float> tile(d.tile_values());
  for (int i = 0; i < n; ++i) {
    const int label = i % 4;
    for (int p = 0; p < 64; ++p) {
      for (int c = 0; c < 4; ++c) {
        tile[p * 4 + c] = noise(gen) + (c == label ? 0.4f : 0.0f);
      }
    }
    d.Add(tile.data(), label);
  }
  return d;
}

TrainerOptions Options() {
  TrainerOptions o;
  o.spec.pixels = 8;
  o.local_steps = 60;
  o.batch_size = 16;
  o.learning_rate = 0.1;
  return o;
}

TEST(TrainerTest, LocalTrainingImprovesTheModelOnHeldOutData) {
  auto trainer = LocalTrainer::Create(Options());
  ASSERT_THAT(trainer, IsOk());
  auto model = InitialModel(Options().spec, 5);
  ASSERT_THAT(model, IsOk());
  const TileDataset train = BandDataset(256, 1);
  const TileDataset test = BandDataset(200, 2);
  auto before = Evaluate(Options().spec, *model, test);
  ASSERT_THAT(before, IsOk());
  std::mt19937_64 gen(9);
  auto result = (*trainer)->Train(*model, train, gen);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->delta.base_version(), 0);
  EXPECT_EQ(result->delta.num_samples(), 256);
  EXPECT_EQ(result->flops, 3 * ForwardFlopsPerImage(Options().spec) * 60 * 16);
  ASSERT_THAT(ApplyDelta(result->delta, 1.0, *model), IsOk());
  auto after = Evaluate(Options().spec, *model, test);
  ASSERT_THAT(after, IsOk());
  EXPECT_LT(after->loss, before->loss);
  EXPECT_GT(after->accuracy, 0.8);
  EXPECT_EQ(after->examples, 200);
}

TEST(TrainerTest, SameGeneratorStateGivesIdenticalDeltas) {
  auto trainer = LocalTrainer::Create(Options());
  auto model = InitialModel(Options().spec, 5);
  const TileDataset train = BandDataset(64, 1);
  std::mt19937_64 g1(3), g2(3);
  auto a = (*trainer)->Train(*model, train, g1);
  auto b = (*trainer)->Train(*model, train, g2);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->delta.SerializeAsString(), b->delta.SerializeAsString());
}

TEST(TrainerTest, RefusesEmptyDataMismatchedTilesAndBadOptions) {
  auto trainer = LocalTrainer::Create(Options());
  auto model = InitialModel(Options().spec, 5);
  std::mt19937_64 gen(1);
  TileDataset empty;
  empty.pixels = 8;
  empty.bands = 4;
  EXPECT_THAT((*trainer)->Train(*model, empty, gen),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no tiles"));
  TileDataset big = BandDataset(4, 1);
  big.pixels = 16;
  EXPECT_THAT((*trainer)->Train(*model, big, gen),
              StatusIs(absl::StatusCode::kInvalidArgument, "16x16x4"));
  TrainerOptions bad = Options();
  bad.learning_rate = 0;
  EXPECT_THAT(LocalTrainer::Create(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, "learning_rate"));
  proto::Model wrong = *model;
  wrong.mutable_tensors(0)->set_name("nope");
  EXPECT_THAT((*trainer)->Train(wrong, BandDataset(4, 1), gen),
              StatusIs(absl::StatusCode::kInvalidArgument, "nope"));
}

}  // namespace
}  // namespace orbitfl::node
