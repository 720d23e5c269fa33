#include "aggregator/dp.h"

#include <cmath>
#include <limits>

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
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::FloatEq;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Records what it is offered; accepts unless told otherwise.
class Recorder final : public Strategy {
 public:
  std::string name() const override { return "recorder"; }
  void Start(const proto::Model& initial, absl::Time start) override {
    global_ = initial;
  }
  Decision Offer(const proto::ModelDelta& delta, absl::Time now) override {
    offered.push_back(delta);
    return {accept, accept ? "" : "refused"};
  }
  absl::StatusOr<bool> Advance(absl::Time now) override { return false; }
  const proto::Model& global() const override { return global_; }
  int64_t updates_applied() const override { return 0; }
  void SaveState(proto::StrategyState* state) const override {
    *state->mutable_global() = global_;
  }
  absl::Status RestoreState(const proto::StrategyState& state) override {
    global_ = state.global();
    return absl::OkStatus();
  }
  int64_t min_base_version() const override { return 0; }
  absl::Time next_deadline() const override { return absl::InfiniteFuture(); }
  std::vector<AppliedUpdate> TakeApplied() override {
    return {{"x", 0, 1, 0, 1.0}};
  }

  std::vector<proto::ModelDelta> offered;
  bool accept = true;

 private:
  proto::Model global_;
};

struct Wrapped {
  std::unique_ptr<DpStrategy> dp;
  Recorder* inner;  // owned by dp
};

Wrapped Make(double clip_norm, double noise_multiplier, uint64_t seed = 7) {
  DpOptions o;
  o.clip_norm = clip_norm;
  o.noise_multiplier = noise_multiplier;
  o.seed = seed;
  auto recorder = std::make_unique<Recorder>();
  Recorder* inner = recorder.get();
  auto dp = DpStrategy::Create(o, std::move(recorder));
  EXPECT_THAT(dp, IsOk());
  (*dp)->Start(TinyModel({0, 0}, 0), kStart);
  return {std::move(dp).value(), inner};
}

proto::ModelDelta Zeros(const std::string& satellite, int64_t base, int n) {
  return TinyDelta(satellite, base, 1, std::vector<float>(n, 0.0f));
}

TEST(DpTest, ClipsOverAllTensorsTogetherHandComputed) {
  Wrapped w = Make(/*clip_norm=*/1.0, /*noise_multiplier=*/0);
  // Two tensors, (3, 0) and (0, 4): ||Δ|| = 5 over both, so both scale by
  // 1/5: (0.6, 0) and (0, 0.8).
  proto::ModelDelta d = TinyDelta("a", 0, 10, {3, 0});
  proto::Tensor* b = d.add_tensors();
  b->set_name("b");
  b->add_shape(2);
  proto::SetFloats({0, 4}, b);
  ASSERT_TRUE(w.dp->Offer(d, kStart).accepted);
  ASSERT_EQ(w.inner->offered.size(), 1u);
  const proto::ModelDelta& got = w.inner->offered[0];
  EXPECT_EQ(got.satellite(), "a");
  EXPECT_EQ(got.num_samples(), 10);
  EXPECT_THAT(proto::ToFloats(got.tensors(0)),
              ElementsAre(FloatEq(0.6f), FloatEq(0)));
  EXPECT_THAT(proto::ToFloats(got.tensors(1)),
              ElementsAre(FloatEq(0), FloatEq(0.8f)));
  // Within the bound: untouched, to the byte.
  Wrapped wide = Make(/*clip_norm=*/10.0, /*noise_multiplier=*/0);
  ASSERT_TRUE(wide.dp->Offer(d, kStart).accepted);
  EXPECT_EQ(wide.inner->offered[0].SerializeAsString(), d.SerializeAsString());
  // Clipping only promises nothing.
  EXPECT_EQ(w.dp->dp_epsilon(), kInf);
}

TEST(DpTest, NoiseIsGaussianWithStandardDeviationZTimesC) {
  // C = 2, z = 1.5: N(0, 3²) on each of 200000 coordinates of a zero delta
  // (norm 0: nothing to clip).
  Wrapped w = Make(/*clip_norm=*/2.0, /*noise_multiplier=*/1.5);
  constexpr int kN = 200000;
  ASSERT_TRUE(w.dp->Offer(Zeros("a", 0, kN), kStart).accepted);
  const std::vector<float> x = proto::ToFloats(w.inner->offered[0].tensors(0));
  double sum = 0, sum_sq = 0;
  int within_one_sigma = 0;
  for (float v : x) {
    sum += v;
    sum_sq += static_cast<double>(v) * v;
    if (std::abs(v) < 3.0) ++within_one_sigma;
  }
  const double mean = sum / kN;
  const double sd = std::sqrt(sum_sq / kN - mean * mean);
  // Standard errors: 3 / sqrt(kN) = 0.0067 for the mean, 3 / sqrt(2 kN) =
  // 0.0047 for the deviation, 0.001 for the one-sigma share (0.6827).
  EXPECT_NEAR(mean, 0.0, 0.03);
  EXPECT_NEAR(sd, 3.0, 0.03);
  EXPECT_NEAR(static_cast<double>(within_one_sigma) / kN, 0.6827, 0.005);
}

TEST(DpTest, NoiseIsDeterministicPerSeedSatelliteAndBase) {
  auto noised = [](uint64_t seed, const std::string& sat, int64_t base) {
    Wrapped w = Make(1.0, 1.0, seed);
    w.dp->Offer(Zeros(sat, base, 64), kStart);
    return w.inner->offered[0].tensors(0).data();
  };
  EXPECT_EQ(noised(7, "a", 0), noised(7, "a", 0));
  EXPECT_NE(noised(7, "a", 0), noised(8, "a", 0));
  EXPECT_NE(noised(7, "a", 0), noised(7, "b", 0));
  EXPECT_NE(noised(7, "a", 0), noised(7, "a", 1));
  // A second update on the same base draws fresh noise: shared noise would
  // cancel in the difference of the two.
  Wrapped w = Make(1.0, 1.0);
  w.dp->Offer(Zeros("a", 0, 64), kStart);
  w.dp->Offer(Zeros("a", 0, 64), kStart);
  EXPECT_NE(w.inner->offered[0].tensors(0).data(),
            w.inner->offered[1].tensors(0).data());
  // The deviates are those of GaussianStream(seed, satellite, base, 0),
  // scaled by z C.
  Wrapped scaled = Make(/*clip_norm=*/0.5, /*noise_multiplier=*/4.0, 42);
  scaled.dp->Offer(Zeros("sat-7", 3, 2), kStart);
  GaussianStream g(42, "sat-7", 3, 0);
  const double first = g.Next(), second = g.Next();
  EXPECT_THAT(proto::ToFloats(scaled.inner->offered[0].tensors(0)),
              ElementsAre(FloatEq(static_cast<float>(2.0 * first)),
                          FloatEq(static_cast<float>(2.0 * second))));
}

TEST(DpTest, GaussianStreamMatchesAnIndependentImplementation) {
  // SplitMix64 from state 0: the reference outputs of Vigna's splitmix64.c.
  constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
  EXPECT_EQ(GaussianStream::Mix(kGolden), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(GaussianStream::Mix(2 * kGolden), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(GaussianStream::Mix(3 * kGolden), 0x06C45D188009454FULL);
  // Key derivation and Box-Muller as dp.h documents them, computed with
  // /usr/bin/python3:
  //   M = 2**64 - 1; G = 0x9E3779B97F4A7C15
  //   def mix(z):
  //     z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
  //     z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
  //     return z ^ (z >> 31)
  //   def fnv(b, h=0xCBF29CE484222325):
  //     for c in b: h ^= c; h = (h * 0x100000001B3) & M
  //     return h
  //   key = mix(fnv(struct.pack('<Q', 42) + b'sat-7' +
  //                 struct.pack('<q', 3) + struct.pack('<q', 0)))
  //   w = [mix((key + i * G) & M) for i in (1, 2, 3, 4)]
  //   u1 = ((w[0] >> 11) + 1) / 2**53; u2 = (w[1] >> 11) / 2**53
  //   r = math.sqrt(-2 * math.log(u1))
  //   r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)
  GaussianStream words(42, "sat-7", 3, 0);
  EXPECT_EQ(words.NextWord(), 0xBDDE3DAA5874F258ULL);
  EXPECT_EQ(words.NextWord(), 0xE3A4358231BD780BULL);
  EXPECT_EQ(words.NextWord(), 0xF947BB251CAD2768ULL);
  EXPECT_EQ(words.NextWord(), 0x5854F12F73B6815EULL);
  GaussianStream normals(42, "sat-7", 3, 0);
  EXPECT_NEAR(normals.Next(), 0.5932809948065133, 1e-14);
  EXPECT_NEAR(normals.Next(), -0.49569447190008026, 1e-14);
}

TEST(DpTest, EpsilonMatchesAnIndependentComputation) {
  // /usr/bin/python3, the same grid as dp.h:
  //   grid = ([1 + x/100 for x in range(1, 101)] +
  //           [2 + x/20 for x in range(1, 161)] + list(range(11, 65)) +
  //           [80, 96, 128, 160, 192, 256, 512, 1024])
  //   min(k*a/(2*z*z) + math.log(1/d)/(a - 1) for a in grid)
  // gives 5.298526138535465 (α = 5.8) for z = 1, k = 1, δ = 1e-5 and
  // 84.94564137317008 (α = 1.53) for z = 1.1, k = 100. Over all α > 1 the
  // minimum is a + 2 sqrt(a log(1/δ)), a = k / (2 z²): 5.298525912188081
  // and 84.94527688766024; the grid is within 1e-5 of it.
  EXPECT_NEAR(GaussianEpsilon(1, 1.0, 1e-5), 5.298526138535465, 1e-9);
  EXPECT_NEAR(GaussianEpsilon(100, 1.1, 1e-5), 84.94564137317008, 1e-9);
  EXPECT_GE(GaussianEpsilon(1, 1.0, 1e-5), 5.298525912188081);
  EXPECT_GE(GaussianEpsilon(100, 1.1, 1e-5), 84.94527688766024);
  // Grows with releases, falls with noise.
  for (int64_t k = 1; k < 200; ++k) {
    EXPECT_LT(GaussianEpsilon(k, 1.0, 1e-5), GaussianEpsilon(k + 1, 1.0, 1e-5));
  }
  for (double z = 0.5; z < 20; z += 0.5) {
    EXPECT_GT(GaussianEpsilon(10, z, 1e-5), GaussianEpsilon(10, z + 0.5, 1e-5));
  }
  EXPECT_EQ(GaussianEpsilon(0, 1.0, 1e-5), 0);
  EXPECT_EQ(GaussianEpsilon(3, 0.0, 1e-5), kInf);
  EXPECT_TRUE(std::isnan(GaussianEpsilon(3, 1.0, 0)));
}

TEST(DpTest, AcceptedUpdatesAreReleasesAndEpsilonIsTheLargest) {
  Wrapped w = Make(/*clip_norm=*/1.0, /*noise_multiplier=*/1.1);
  EXPECT_EQ(w.dp->dp_epsilon(), 0);
  for (int v = 0; v < 3; ++v) w.dp->Offer(Zeros("a", v, 2), kStart);
  w.dp->Offer(Zeros("b", 0, 2), kStart);
  w.inner->accept = false;
  w.dp->Offer(Zeros("b", 1, 2), kStart);  // refused: not released
  EXPECT_EQ(w.dp->releases("a"), 3);
  EXPECT_EQ(w.dp->releases("b"), 1);
  EXPECT_EQ(w.dp->releases("c"), 0);
  EXPECT_DOUBLE_EQ(w.dp->dp_epsilon(), GaussianEpsilon(3, 1.1, 1e-5));
  // Everything else is the inner strategy's.
  EXPECT_EQ(w.dp->name(), "recorder+dp");
  EXPECT_THAT(w.dp->TakeApplied(), ElementsAre(FieldsAre("x", 0, 1, 0, 1.0)));
  // A new run starts a new budget.
  w.dp->Start(TinyModel({0, 0}, 0), kStart);
  EXPECT_EQ(w.dp->dp_epsilon(), 0);
}

TEST(DpTest, OptionsAreValidatedNamingTheField) {
  const auto invalid = absl::StatusCode::kInvalidArgument;
  auto make = [](const DpOptions& o) {
    return DpStrategy::Create(o, std::make_unique<Recorder>());
  };
  DpOptions o;
  o.clip_norm = 0;
  EXPECT_THAT(make(o), StatusIs(invalid, "federation.dp.clip_norm"));
  o = DpOptions{};
  o.noise_multiplier = -1;
  EXPECT_THAT(make(o), StatusIs(invalid, "federation.dp.noise_multiplier"));
  o = DpOptions{};
  o.delta = 1;
  EXPECT_THAT(make(o), StatusIs(invalid, "federation.dp.delta"));
  EXPECT_THAT(DpStrategy::Create(DpOptions{}, nullptr),
              StatusIs(invalid, "no strategy"));
  EXPECT_THAT(make(DpOptions{}), IsOk());
}

}  // namespace
}  // namespace orbitfl::aggregator
