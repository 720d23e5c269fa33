#include "node/trainer.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/parallel.h"
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

// Two classes: a bright blue or a bright NIR band over noise.
TileDataset TwoClassDataset(int n, uint64_t seed) {
  TileDataset d = BandDataset(n * 2, seed);
  TileDataset out;
  out.pixels = d.pixels;
  out.bands = d.bands;
  for (int64_t i = 0; i < d.size(); ++i) {
    if (d.y[i] == 0 || d.y[i] == 3) {
      out.Add(d.x.data() + i * d.tile_values(), d.y[i] == 3 ? 1 : 0);
    }
  }
  return out;
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

// The gradient of the whole batch, the sum of its shards' weighted
// gradients: the same step whatever the shard count (up to rounding), and
// bit for bit the same result on any number of threads.
TEST(TrainerTest, GradientShardsChangeRoundingOnlyAndThreadsNothing) {
  const TileDataset data = BandDataset(200, 3);
  auto model = InitialModel(Options().spec, 5);
  ASSERT_THAT(model, IsOk());
  std::vector<proto::ModelDelta> deltas;
  for (const auto& [shards, threads] :
       std::vector<std::pair<int, int>>{{1, 1}, {3, 1}, {3, 2}, {3, 3}}) {
    TrainerOptions o = Options();
    o.local_steps = 5;
    o.gradient_shards = shards;
    SetComputeThreads(threads);
    auto trainer = LocalTrainer::Create(o);
    ASSERT_THAT(trainer, IsOk());
    std::mt19937_64 gen(9);
    auto r = (*trainer)->Train(*model, data, gen);
    ASSERT_THAT(r, IsOk());
    deltas.push_back(r->delta);
  }
  SetComputeThreads(1);
  // One shard against three: equal to float rounding.
  for (int t = 0; t < deltas[0].tensors_size(); ++t) {
    const std::vector<float> a = proto::ToFloats(deltas[0].tensors(t));
    const std::vector<float> b = proto::ToFloats(deltas[1].tensors(t));
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i], b[i], 1e-4 + 1e-3 * std::abs(a[i]));
    }
  }
  // Three shards on one, two and three threads: identical bytes.
  EXPECT_EQ(deltas[1].SerializeAsString(), deltas[2].SerializeAsString());
  EXPECT_EQ(deltas[1].SerializeAsString(), deltas[3].SerializeAsString());
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
  bad = Options();
  bad.proximal_mu = -0.1;
  EXPECT_THAT(LocalTrainer::Create(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "training.proximal_mu"));
  proto::Model wrong = *model;
  wrong.mutable_tensors(0)->set_name("nope");
  EXPECT_THAT((*trainer)->Train(wrong, BandDataset(4, 1), gen),
              StatusIs(absl::StatusCode::kInvalidArgument, "nope"));
}

// The delta of `options` from the seeded model, batches drawn from seed 3.
std::vector<float> Delta(const TrainerOptions& options,
                         const TileDataset& train) {
  auto trainer = LocalTrainer::Create(options);
  EXPECT_THAT(trainer, IsOk());
  auto model = InitialModel(options.spec, 5);
  std::mt19937_64 gen(3);
  auto r = (*trainer)->Train(*model, train, gen);
  EXPECT_THAT(r, IsOk());
  std::vector<float> flat;
  for (const proto::Tensor& t : r->delta.tensors()) {
    const std::vector<float> v = proto::ToFloats(t);
    flat.insert(flat.end(), v.begin(), v.end());
  }
  return flat;
}

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

TEST(TrainerTest, ProximalTermPullsTowardsTheGlobalModelHandComputed) {
  const TileDataset train = BandDataset(64, 1);
  TrainerOptions plain = Options();
  TrainerOptions prox = Options();
  prox.proximal_mu = 2.0;
  // Step 1 starts at w = w_global, where the proximal gradient
  // mu (w - w_global) is zero: the same step, to the byte.
  plain.local_steps = prox.local_steps = 1;
  const std::vector<float> step1 = Delta(plain, train);
  EXPECT_EQ(Delta(prox, train), step1);
  // Step 2 at w1 = w0 + step1: w2' - w2 = -lr mu (w1 - w0), so the deltas
  // differ by -0.1 * 2 * step1.
  plain.local_steps = prox.local_steps = 2;
  const std::vector<float> a = Delta(plain, train);
  const std::vector<float> b = Delta(prox, train);
  ASSERT_EQ(a.size(), step1.size());
  ASSERT_EQ(b.size(), step1.size());
  double largest = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(b[i] - a[i], -0.1 * 2.0 * step1[i], 2e-6) << i;
    largest = std::max(largest, std::abs(0.2 * step1[i]));
  }
  EXPECT_GT(largest, 1e-3);  // the check above is not vacuous
}

TEST(TrainerTest, StrongProximalTermKeepsTheDeltaSmall) {
  const TileDataset train = BandDataset(64, 1);
  TrainerOptions plain = Options();
  plain.local_steps = 20;
  TrainerOptions prox = plain;
  prox.proximal_mu = 5.0;  // lr mu = 0.5: a strong pull, still stable
  const double free_norm = Norm(Delta(plain, train));
  const double prox_norm = Norm(Delta(prox, train));
  EXPECT_LT(prox_norm, 0.5 * free_norm);
  EXPECT_GT(prox_norm, 0);
  // mu = 0 is plain local SGD to the byte.
  TrainerOptions zero = plain;
  zero.proximal_mu = 0;
  EXPECT_EQ(Delta(zero, train), Delta(plain, train));
}

}  // namespace
}  // namespace orbitfl::node

namespace orbitfl::node {
namespace {

// Trains `options` from a seeded model on held-out-checked data; returns
// the accuracy after training.
double TrainAndEvaluate(const TrainerOptions& options,
                        const TileDataset& train, const TileDataset& test) {
  auto trainer = LocalTrainer::Create(options);
  EXPECT_THAT(trainer, IsOk());
  if (!trainer.ok()) return 0;
  auto model = InitialModel(options.spec, 5);
  auto before = Evaluate(options.spec, *model, test);
  std::mt19937_64 gen(9);
  auto result = (*trainer)->Train(*model, train, gen);
  EXPECT_THAT(result, IsOk());
  if (!result.ok()) return 0;
  EXPECT_EQ(result->flops, TrainingFlopsPerImage(options.spec) *
                               options.local_steps * options.batch_size);
  EXPECT_THAT(ApplyDelta(result->delta, 1.0, *model), IsOk());
  auto after = Evaluate(options.spec, *model, test);
  EXPECT_THAT(after, IsOk());
  if (!after.ok()) return 0;
  EXPECT_LT(after->loss, before->loss) << options.spec.architecture;
  return after->accuracy;
}

TEST(TrainerTest, ResNetLearnsTheBands) {
  TrainerOptions o = Options();
  o.spec.architecture = "resnet";
  o.local_steps = 40;
  EXPECT_GT(TrainAndEvaluate(o, BandDataset(256, 1), BandDataset(200, 2)),
            0.8);
}

// encoder_head with an encoder pre-trained (once per test binary) on the
// unlabelled images of TwoClassDataset(128, 1).
TrainerOptions EncoderHeadOptions() {
  TrainerOptions o = Options();
  o.spec.architecture = "encoder_head";
  o.spec.num_classes = 2;
  o.local_steps = 100;
  static const std::shared_ptr<const proto::Model> encoder = [&] {
    auto e = PretrainEncoder(o.spec, TwoClassDataset(128, 1), 150, 1);
    EXPECT_THAT(e, IsOk());
    return e.ok() ? std::make_shared<const proto::Model>(*e) : nullptr;
  }();
  o.spec.encoder = encoder;
  return o;
}

TEST(TrainerTest, EncoderHeadLearnsOnAFrozenPretrainedEncoder) {
  const TileDataset train = TwoClassDataset(128, 1);
  const TrainerOptions o = EncoderHeadOptions();
  const std::string encoder_bytes = o.spec.encoder->SerializeAsString();
  EXPECT_GT(TrainAndEvaluate(o, train, TwoClassDataset(100, 2)), 0.8);
  EXPECT_EQ(o.spec.encoder->SerializeAsString(), encoder_bytes);
}

TEST(TrainerTest, EncoderHeadDeltaHoldsOnlyTheHeadAndTheEncoderStaysFrozen) {
  const TileDataset train = TwoClassDataset(64, 1);
  TrainerOptions o = EncoderHeadOptions();
  o.local_steps = 10;
  auto trainer = LocalTrainer::Create(o);
  ASSERT_THAT(trainer, IsOk());
  auto model = InitialModel(o.spec, 5);
  std::mt19937_64 g1(3), g2(3);
  auto a = (*trainer)->Train(*model, train, g1);
  ASSERT_THAT(a, IsOk());
  std::set<std::string> names;
  for (const proto::Tensor& t : a->delta.tensors()) names.insert(t.name());
  EXPECT_EQ(names, (std::set<std::string>{"head.weight", "head.bias"}));
  EXPECT_EQ(ParameterCount(*model), 129);
  // Were the encoder trained by the first call, the second from the same
  // start would differ.
  auto b = (*trainer)->Train(*model, train, g2);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->delta.SerializeAsString(), b->delta.SerializeAsString());
}

TEST(TrainerTest, EncoderHeadNeedsItsEncoderAndBinaryLabels) {
  TrainerOptions o = Options();
  o.spec.architecture = "encoder_head";
  o.spec.num_classes = 2;
  EXPECT_THAT(LocalTrainer::Create(o),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "ModelSpec.encoder is not set"));
  auto head = InitialModel(o.spec, 1);
  EXPECT_THAT(Evaluate(o.spec, *head, TwoClassDataset(4, 1)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "encoder"));
  // An encoder of another shape does not fit.
  ModelSpec wide = o.spec;
  wide.pixels = 16;
  TileDataset tiles16 = BandDataset(8, 1);
  tiles16.pixels = 16;
  tiles16.x.resize(8 * 16 * 16 * 4, 0.5f);
  auto encoder16 = PretrainEncoder(wide, tiles16, 1, 1);
  ASSERT_THAT(encoder16, IsOk());
  o.spec.encoder = std::make_shared<const proto::Model>(*encoder16);
  EXPECT_THAT(LocalTrainer::Create(o),
              StatusIs(absl::StatusCode::kInvalidArgument, "encoder tensor"));
  // Four-class labels on a binary head.
  const TileDataset four = BandDataset(16, 1);
  o = EncoderHeadOptions();
  auto trainer = LocalTrainer::Create(o);
  ASSERT_THAT(trainer, IsOk());
  std::mt19937_64 gen(1);
  EXPECT_THAT((*trainer)->Train(*head, four, gen),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "label 2 of tile 2 outside [0, 2)"));
}

}  // namespace
}  // namespace orbitfl::node
