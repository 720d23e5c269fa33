#include "proto/delta_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/tensor_util.h"
#include "tests/status_matchers.h"

namespace orbitfl::proto {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

Tensor MakeTensor(const std::string& name, std::vector<int64_t> shape,
                  const std::vector<float>& values) {
  Tensor t;
  t.set_name(name);
  for (int64_t d : shape) t.add_shape(d);
  SetFloats(values, &t);
  return t;
}

ModelDelta MakeDelta(std::vector<Tensor> tensors) {
  ModelDelta d;
  d.set_satellite("sat-00-01");
  d.set_base_version(7);
  d.set_num_samples(640);
  d.set_train_loss(0.25);
  for (Tensor& t : tensors) *d.add_tensors() = std::move(t);
  return d;
}

std::vector<float> Gaussian(int64_t n, double stddev, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0.0, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(normal(gen));
  return v;
}

std::unique_ptr<DeltaEncoder> MakeEncoder(DeltaCodec codec,
                                          double topk_fraction = 0.01,
                                          bool error_feedback = true) {
  CodecOptions o;
  o.codec = codec;
  o.topk_fraction = topk_fraction;
  o.error_feedback = error_feedback;
  auto encoder = DeltaEncoder::Create(o);
  EXPECT_THAT(encoder, IsOk());
  return std::move(encoder).value();
}

// Encodes and decodes one tensor with a fresh encoder.
std::vector<float> RoundTrip(DeltaCodec codec, const std::vector<float>& x,
                             Tensor* encoded = nullptr,
                             double topk_fraction = 0.01) {
  auto encoder = MakeEncoder(codec, topk_fraction);
  absl::StatusOr<ModelDelta> e =
      encoder->Encode(MakeDelta({MakeTensor("w", {int64_t(x.size())}, x)}));
  EXPECT_THAT(e, IsOk());
  if (encoded != nullptr) *encoded = e->tensors(0);
  absl::StatusOr<ModelDelta> d = DecodeDelta(*e);
  EXPECT_THAT(d, IsOk());
  return ToFloats(d->tensors(0));
}

// --- Names and options ---

TEST(DeltaCodecTest, ParsesEveryNameItPrints) {
  for (DeltaCodec c : {DeltaCodec::kFp32, DeltaCodec::kFp16, DeltaCodec::kInt8,
                       DeltaCodec::kTopK}) {
    absl::StatusOr<DeltaCodec> parsed = ParseDeltaCodec(DeltaCodecName(c));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, c);
  }
}

TEST(DeltaCodecTest, UnknownNameListsTheValidOnes) {
  absl::StatusOr<DeltaCodec> c = ParseDeltaCodec("bf16");
  EXPECT_THAT(c, StatusIs(kInvalid, "\"bf16\""));
  for (const char* name : {"fp32", "fp16", "int8", "topk"}) {
    EXPECT_THAT(std::string(c.status().message()), HasSubstr(name));
  }
  EXPECT_THAT(ParseDeltaCodec("FP16"), StatusIs(kInvalid, "FP16"));
}

TEST(DeltaCodecTest, RejectsTopKFractionOutsideZeroToOne) {
  for (double f : {0.0, -0.1, 1.5, std::nan("")}) {
    CodecOptions o;
    o.codec = DeltaCodec::kTopK;
    o.topk_fraction = f;
    EXPECT_THAT(DeltaEncoder::Create(o), StatusIs(kInvalid, "topk_fraction"))
        << f;
  }
  CodecOptions o;
  o.codec = DeltaCodec::kTopK;
  o.topk_fraction = 1.0;
  EXPECT_THAT(DeltaEncoder::Create(o), IsOk());
}

// --- fp16 conversion ---

TEST(HalfTest, KnownBitPatterns) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(0.1f), 0x2E66);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF);  // largest finite half
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7BFF);  // just below the halfway point
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);  // tie, rounds to even: +inf
  EXPECT_EQ(FloatToHalf(-1e10f), 0xFC00);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::infinity()), 0xFC00);
  // Ties to even in the normal range: 1 + 2^-11 is halfway to 1 + 2^-10.
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  // Carry from the mantissa into the exponent: 2 - 2^-12 rounds up to 2.
  EXPECT_EQ(FloatToHalf(2.0f - std::ldexp(1.0f, -12)), 0x4000);
}

TEST(HalfTest, SubnormalsRoundToNearestEven) {
  const float q = std::ldexp(1.0f, -25);  // half of the smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(FloatToHalf(q), 0x0000);          // tie between 0 and 1: 0
  EXPECT_EQ(FloatToHalf(0.9f * q), 0x0000);
  EXPECT_EQ(FloatToHalf(1.5f * q), 0x0001);
  EXPECT_EQ(FloatToHalf(3 * q), 0x0002);      // tie between 1 and 2: 2
  EXPECT_EQ(FloatToHalf(5 * q), 0x0002);      // tie between 2 and 3: 2
  EXPECT_EQ(FloatToHalf(-3 * q), 0x8002);
  EXPECT_EQ(FloatToHalf(1023 * 2 * q), 0x03FF);  // largest subnormal
  EXPECT_EQ(FloatToHalf(2047 * q), 0x0400);  // tie, rounds up into normals
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(HalfToFloat(0x03FF), 1023 * std::ldexp(1.0f, -24));
  EXPECT_EQ(HalfToFloat(0x8001), -std::ldexp(1.0f, -24));
}

TEST(HalfTest, NanStaysNan) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  uint16_t h = FloatToHalf(nan);
  EXPECT_EQ(h & 0x7C00, 0x7C00);
  EXPECT_NE(h & 0x03FF, 0);
  // A signalling NaN whose payload sits only in the low bits.
  uint32_t bits = 0x7F800001;
  float snan;
  std::memcpy(&snan, &bits, sizeof(snan));
  h = FloatToHalf(snan);
  EXPECT_TRUE(std::isnan(HalfToFloat(h))) << std::hex << h;
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7E00)));
  EXPECT_TRUE(std::isnan(HalfToFloat(0xFC01)));
  EXPECT_EQ(HalfToFloat(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(HalfToFloat(0xFC00), -std::numeric_limits<float>::infinity());
}

TEST(HalfTest, EveryHalfSurvivesARoundTripThroughFloat) {
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const float f = HalfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(f)))) << h;
    } else {
      ASSERT_EQ(FloatToHalf(f), h) << "half 0x" << std::hex << h;
    }
  }
}

// Every positive finite half in increasing order, from its definition
// (m * 2^-24 for subnormals, (1 + m/1024) * 2^(e-15) for normals), not from
// HalfToFloat.
std::vector<double> PositiveHalves() {
  std::vector<double> v;
  for (int m = 0; m < 1024; ++m) v.push_back(std::ldexp(m, -24));
  for (int e = 1; e < 31; ++e) {
    for (int m = 0; m < 1024; ++m) v.push_back(std::ldexp(1024 + m, e - 25));
  }
  return v;  // index == bit pattern
}

TEST(HalfTest, MatchesNearestEvenReferenceOnRandomFloats) {
  const std::vector<double> halves = PositiveHalves();
  ASSERT_EQ(halves.size(), 0x7C00u);
  ASSERT_EQ(halves.back(), 65504.0);
  std::mt19937_64 gen(42);
  // Uniform bit patterns from 0 to 65520 cover every binade of the range.
  std::uniform_int_distribution<uint32_t> pattern(0, 0x477FEFFF);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t bits = pattern(gen);
    float x;
    std::memcpy(&x, &bits, sizeof(x));
    auto hi = std::lower_bound(halves.begin(), halves.end(), double{x});
    size_t want;
    if (hi == halves.end()) {
      want = halves.size() - 1;  // 65504 < x < 65520
    } else if (*hi == x || hi == halves.begin()) {
      want = hi - halves.begin();
    } else {
      const size_t up = hi - halves.begin();
      const double below = x - halves[up - 1], above = halves[up] - x;
      want = below < above ? up - 1 : above < below ? up : (up % 2 ? up - 1 : up);
    }
    ASSERT_EQ(FloatToHalf(x), want) << x;
    ASSERT_EQ(FloatToHalf(-x), want | 0x8000) << -x;
  }
}

// --- codecs ---

TEST(DeltaCodecTest, Fp32IsLosslessAndKeepsTheDeltaFields) {
  const ModelDelta delta = MakeDelta(
      {MakeTensor("conv.weight", {2, 3}, Gaussian(6, 1e-2, 1)),
       MakeTensor("conv.bias", {2}, {1.5f, -0.0f})});
  auto encoder = MakeEncoder(DeltaCodec::kFp32);
  absl::StatusOr<ModelDelta> encoded = encoder->Encode(delta);
  ASSERT_THAT(encoded, IsOk());
  EXPECT_EQ(encoded->SerializeAsString(), delta.SerializeAsString());
  absl::StatusOr<ModelDelta> decoded = DecodeDelta(*encoded);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(decoded->SerializeAsString(), delta.SerializeAsString());
  EXPECT_EQ(encoder->residual("conv.weight"), nullptr);
}

TEST(DeltaCodecTest, DeltaFromBeforeEncodingsDecodesToItself) {
  // What the trainer writes: name, shape, float32 data and nothing else.
  ModelDelta legacy = MakeDelta({MakeTensor("w", {3}, {1, 2, 3})});
  ASSERT_EQ(legacy.tensors(0).encoding(), TENSOR_ENCODING_FP32);
  absl::StatusOr<ModelDelta> decoded = DecodeDelta(legacy);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(decoded->SerializeAsString(), legacy.SerializeAsString());
}

TEST(DeltaCodecTest, EveryCodecKeepsNonTensorFields) {
  for (DeltaCodec c : {DeltaCodec::kFp16, DeltaCodec::kInt8,
                       DeltaCodec::kTopK}) {
    auto encoder = MakeEncoder(c);
    absl::StatusOr<ModelDelta> e =
        encoder->Encode(MakeDelta({MakeTensor("w", {4}, {1, 2, 3, 4})}));
    ASSERT_THAT(e, IsOk());
    absl::StatusOr<ModelDelta> d = DecodeDelta(*e);
    ASSERT_THAT(d, IsOk());
    EXPECT_EQ(d->satellite(), "sat-00-01");
    EXPECT_EQ(d->base_version(), 7);
    EXPECT_EQ(d->num_samples(), 640);
    EXPECT_EQ(d->train_loss(), 0.25);
    EXPECT_EQ(d->tensors(0).encoding(), TENSOR_ENCODING_FP32);
    EXPECT_EQ(d->tensors(0).indices_size(), 0);
    EXPECT_EQ(d->tensors(0).scale(), 0);
  }
}

TEST(DeltaCodecTest, Fp16RelativeErrorAtMostTwoToTheMinusEleven) {
  // Typical delta magnitudes; the smallest fall below 2^-14 into fp16's
  // subnormals, where the error is absolute: at most half a step, 2^-25.
  const std::vector<float> x = Gaussian(20000, 1e-3, 2);
  Tensor encoded;
  const std::vector<float> y = RoundTrip(DeltaCodec::kFp16, x, &encoded);
  EXPECT_EQ(encoded.encoding(), TENSOR_ENCODING_FP16);
  ASSERT_EQ(y.size(), x.size());
  int subnormal = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double err = std::fabs(double{y[i]} - x[i]);
    if (std::fabs(x[i]) >= std::ldexp(1.0, -14)) {
      ASSERT_LE(err, std::fabs(x[i]) * std::ldexp(1.0, -11)) << x[i];
    } else {
      ++subnormal;
      ASSERT_LE(err, std::ldexp(1.0, -25)) << x[i];
    }
  }
  EXPECT_GT(subnormal, 0);  // the subnormal branch was exercised
}

TEST(DeltaCodecTest, Fp16PassesInfAndNanThroughButRejectsFiniteOverflow) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> y = RoundTrip(
      DeltaCodec::kFp16, {inf, -inf, std::nanf(""), 65504.0f, 65519.0f});
  EXPECT_EQ(y[0], inf);
  EXPECT_EQ(y[1], -inf);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], 65504.0f);
  EXPECT_EQ(y[4], 65504.0f);

  auto encoder = MakeEncoder(DeltaCodec::kFp16);
  EXPECT_THAT(
      encoder->Encode(MakeDelta({MakeTensor("big", {2}, {1, -70000})})),
      StatusIs(kInvalid, "tensors[0] \"big\": value -70000 at index 1"));
}

TEST(DeltaCodecTest, Int8AbsoluteErrorAtMostHalfAStep) {
  std::vector<float> x = Gaussian(20000, 1e-2, 3);
  x[123] = -0.07f;  // the largest magnitude, so scale = 0.07 / 127
  Tensor encoded;
  const std::vector<float> y = RoundTrip(DeltaCodec::kInt8, x, &encoded);
  EXPECT_EQ(encoded.encoding(), TENSOR_ENCODING_INT8);
  const float scale = encoded.scale();
  EXPECT_FLOAT_EQ(scale, 0.07f / 127);
  EXPECT_EQ(static_cast<int8_t>(encoded.data()[123]), -127);
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_LE(std::fabs(double{y[i]} - x[i]), scale / 2 * (1 + 1e-6)) << i;
  }
}

TEST(DeltaCodecTest, Int8OfZerosHasScaleZero) {
  Tensor encoded;
  const std::vector<float> y =
      RoundTrip(DeltaCodec::kInt8, {0, 0, -0.0f}, &encoded);
  EXPECT_EQ(encoded.scale(), 0);
  EXPECT_EQ(y, (std::vector<float>{0, 0, 0}));
}

TEST(DeltaCodecTest, TopKKeepsTheLargestExactlyAndZerosTheRest) {
  const std::vector<float> x = Gaussian(5000, 1e-2, 4);
  Tensor encoded;
  const std::vector<float> y =
      RoundTrip(DeltaCodec::kTopK, x, &encoded, /*topk_fraction=*/0.02);
  EXPECT_EQ(encoded.encoding(), TENSOR_ENCODING_TOPK);
  ASSERT_EQ(encoded.indices_size(), 100);  // 2% of 5000
  EXPECT_TRUE(std::is_sorted(encoded.indices().begin(),
                             encoded.indices().end()));
  float smallest_kept = std::numeric_limits<float>::infinity();
  int kept = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (y[i] != 0) {
      ++kept;
      EXPECT_EQ(y[i], x[i]);  // bit-exact
      smallest_kept = std::min(smallest_kept, std::fabs(x[i]));
    }
  }
  EXPECT_EQ(kept, 100);
  for (size_t i = 0; i < x.size(); ++i) {
    if (y[i] == 0) {
      EXPECT_LE(std::fabs(x[i]), smallest_kept);
    }
  }
}

TEST(DeltaCodecTest, TopKSendsAtLeastOneValue) {
  Tensor encoded;
  const std::vector<float> y =
      RoundTrip(DeltaCodec::kTopK, {0.1f, -0.5f, 0.2f}, &encoded, 0.01);
  EXPECT_EQ(encoded.indices_size(), 1);
  EXPECT_EQ(y, (std::vector<float>{0, -0.5f, 0}));
  // With every value kept, top-k is lossless.
  const std::vector<float> x = Gaussian(64, 1.0, 5);
  EXPECT_EQ(RoundTrip(DeltaCodec::kTopK, x, nullptr, 1.0), x);
}

TEST(DeltaCodecTest, TopKBreaksTiesTowardsTheLowerIndex) {
  Tensor encoded;
  RoundTrip(DeltaCodec::kTopK, {1, -2, 2, 2, -2}, &encoded, 0.4);
  EXPECT_THAT(encoded.indices(), ::testing::ElementsAre(1, 2));
}

TEST(DeltaCodecTest, EmptyAndScalarTensors) {
  for (DeltaCodec c : {DeltaCodec::kFp32, DeltaCodec::kFp16, DeltaCodec::kInt8,
                       DeltaCodec::kTopK}) {
    auto encoder = MakeEncoder(c);
    absl::StatusOr<ModelDelta> e = encoder->Encode(
        MakeDelta({MakeTensor("none", {0}, {}), MakeTensor("flat", {3, 0}, {}),
                   MakeTensor("scalar", {}, {0.5f})}));
    ASSERT_THAT(e, IsOk()) << DeltaCodecName(c);
    absl::StatusOr<ModelDelta> d = DecodeDelta(*e);
    ASSERT_THAT(d, IsOk()) << DeltaCodecName(c);
    ASSERT_EQ(d->tensors_size(), 3);
    EXPECT_TRUE(d->tensors(0).data().empty());
    EXPECT_EQ(d->tensors(1).shape_size(), 2);
    EXPECT_TRUE(d->tensors(1).data().empty());
    EXPECT_EQ(e->tensors(1).indices_size(), 0);
    EXPECT_EQ(ToFloats(d->tensors(2)), (std::vector<float>{0.5f}))
        << DeltaCodecName(c);
  }
}

TEST(DeltaCodecTest, PayloadSizes) {
  const int n = 10000;
  const ModelDelta delta =
      MakeDelta({MakeTensor("w", {100, 100}, Gaussian(n, 1e-2, 6))});
  const int64_t fp32_wire = delta.ByteSizeLong();
  auto payload = [&](DeltaCodec c, int64_t* wire) {
    absl::StatusOr<ModelDelta> e = MakeEncoder(c)->Encode(delta);
    EXPECT_THAT(e, IsOk());
    *wire = e->ByteSizeLong();
    return PayloadBytes(*e);
  };
  int64_t wire;
  EXPECT_EQ(PayloadBytes(delta), 4 * n);
  EXPECT_EQ(payload(DeltaCodec::kFp32, &wire), 4 * n);
  EXPECT_EQ(wire, fp32_wire);
  EXPECT_EQ(payload(DeltaCodec::kFp16, &wire), 2 * n);
  EXPECT_NEAR(static_cast<double>(wire) / fp32_wire, 0.5, 0.005);
  EXPECT_EQ(payload(DeltaCodec::kInt8, &wire), n + 4);
  EXPECT_NEAR(static_cast<double>(wire) / fp32_wire, 0.25, 0.005);
  // 1% of 10000 = 100 values at 4 + 4 bytes, plus names and framing.
  EXPECT_EQ(payload(DeltaCodec::kTopK, &wire), 100 * 8);
  EXPECT_GE(wire, 800);
  EXPECT_LE(wire, 800 + 64);
}

TEST(DeltaCodecTest, EncodingIsDeterministic) {
  for (DeltaCodec c : {DeltaCodec::kFp16, DeltaCodec::kInt8,
                       DeltaCodec::kTopK}) {
    auto a = MakeEncoder(c, 0.05);
    auto b = MakeEncoder(c, 0.05);
    for (int round = 0; round < 5; ++round) {
      const ModelDelta delta = MakeDelta(
          {MakeTensor("w", {40, 25}, Gaussian(1000, 1e-2, 100 + round)),
           MakeTensor("b", {25}, Gaussian(25, 1e-2, 200 + round))});
      absl::StatusOr<ModelDelta> ea = a->Encode(delta);
      absl::StatusOr<ModelDelta> eb = b->Encode(delta);
      ASSERT_THAT(ea, IsOk());
      ASSERT_THAT(eb, IsOk());
      EXPECT_EQ(ea->SerializeAsString(), eb->SerializeAsString())
          << DeltaCodecName(c) << " round " << round;
    }
  }
}

// --- error feedback ---

// Runs `rounds` deltas through `encoder`; returns the largest difference
// between the sums of true and decoded deltas, and checks that difference
// is the residual the encoder holds.
double RunRounds(DeltaEncoder& encoder, int rounds, int n,
                 const std::vector<float>* constant_delta,
                 std::vector<double>* residual_norms = nullptr,
                 double tolerance = 1e-5) {
  std::vector<double> sum_true(n, 0), sum_sent(n, 0);
  for (int r = 0; r < rounds; ++r) {
    const std::vector<float> x = constant_delta != nullptr
                                     ? *constant_delta
                                     : Gaussian(n, 1e-2, 1000 + r);
    absl::StatusOr<ModelDelta> e =
        encoder.Encode(MakeDelta({MakeTensor("w", {n}, x)}));
    EXPECT_THAT(e, IsOk());
    absl::StatusOr<ModelDelta> d = DecodeDelta(*e);
    EXPECT_THAT(d, IsOk());
    const std::vector<float> y = ToFloats(d->tensors(0));
    for (int i = 0; i < n; ++i) {
      sum_true[i] += x[i];
      sum_sent[i] += y[i];
    }
    if (residual_norms != nullptr) {
      double sq = 0;
      for (float v : *encoder.residual("w")) sq += double{v} * v;
      residual_norms->push_back(std::sqrt(sq));
    }
  }
  const std::vector<float>* residual = encoder.residual("w");
  double max_gap = 0;
  for (int i = 0; i < n; ++i) {
    const double gap = sum_true[i] - sum_sent[i];
    if (residual != nullptr) {
      // What was not sent is exactly what the sender still holds, up to
      // float rounding accumulated over the rounds.
      EXPECT_NEAR(gap, (*residual)[i], tolerance) << i;
    }
    max_gap = std::max(max_gap, std::fabs(gap));
  }
  return max_gap;
}

TEST(ErrorFeedbackTest, TopKSendsEveryCoordinateOfAConstantDeltaOnAverage) {
  // A constant delta over 200 values, one sent per round: without memory
  // 199 coordinates would never move; with it each is sent in turn.
  const int n = 200, rounds = 10000;
  std::vector<float> x(n);
  double l1 = 0;
  for (int i = 0; i < n; ++i) {
    x[i] = 1e-3f * (1 + i % 7) * (i % 2 ? -1 : 1);
    l1 += std::fabs(x[i]);
  }
  const double total = 7e-3 * rounds;  // the largest coordinate's sum

  auto ef = MakeEncoder(DeltaCodec::kTopK, 0.005);
  // The residual adds x_i in float for up to a few hundred rounds between
  // sends: a few 1e-8 of rounding each time, 1e-4 over the run.
  const double gap = RunRounds(*ef, rounds, n, &x, nullptr, 1e-3);
  // Sending one value a round, a coordinate waits until its residual is
  // the largest; they level off near sum|x| (each of the n coordinates is
  // sent every sum|x| / |x_i| rounds), however many rounds run.
  EXPECT_LT(gap, 2 * l1);
  EXPECT_LT(gap, 0.05 * total);

  auto plain = MakeEncoder(DeltaCodec::kTopK, 0.005, /*error_feedback=*/false);
  EXPECT_EQ(plain->residual("w"), nullptr);
  EXPECT_GT(RunRounds(*plain, rounds, n, &x), 0.9 * total);
}

TEST(ErrorFeedbackTest, TopKResidualStaysBoundedOnRandomDeltas) {
  const int n = 1000;
  auto encoder = MakeEncoder(DeltaCodec::kTopK, 0.01);
  std::vector<double> norms;
  RunRounds(*encoder, 1500, n, nullptr, &norms);
  const double early = *std::max_element(norms.begin() + 100,
                                         norms.begin() + 500);
  const double late = *std::max_element(norms.begin() + 1000, norms.end());
  // A random walk without feedback would grow like sqrt(rounds): sqrt(3)
  // from the early window to the late one. The residual levels off.
  EXPECT_LT(late, 1.2 * early);
  // Far below the norm of everything that was left out, sum of dropped
  // values over 1500 rounds (about 1e-2 * sqrt(1500 * 1000) = 12).
  EXPECT_LT(late, 3.0);
}

TEST(ErrorFeedbackTest, Int8AndFp16SumsConverge) {
  for (DeltaCodec c : {DeltaCodec::kInt8, DeltaCodec::kFp16}) {
    auto encoder = MakeEncoder(c);
    const int n = 500;
    RunRounds(*encoder, 300, n, nullptr);  // checks gap == residual
    // The residual is one round's rounding error: at most half a step.
    for (float r : *encoder->residual("w")) {
      ASSERT_LE(std::fabs(r), c == DeltaCodec::kInt8 ? 1e-3 : 1e-5)
          << DeltaCodecName(c);
    }
  }
}

TEST(ErrorFeedbackTest, ResidualIsDroppedWhenTheShapeChanges) {
  auto encoder = MakeEncoder(DeltaCodec::kTopK, 0.25);
  ASSERT_THAT(encoder->Encode(MakeDelta({MakeTensor("w", {4}, {1, 2, 3, 4})})),
              IsOk());
  EXPECT_EQ(*encoder->residual("w"), (std::vector<float>{1, 2, 3, 0}));
  // Same name, new shape: encoded as if fresh.
  const ModelDelta reshaped =
      MakeDelta({MakeTensor("w", {2, 2}, {0.5, 0, 0, 0.25})});
  absl::StatusOr<ModelDelta> e = encoder->Encode(reshaped);
  absl::StatusOr<ModelDelta> fresh =
      MakeEncoder(DeltaCodec::kTopK, 0.25)->Encode(reshaped);
  ASSERT_THAT(e, IsOk());
  ASSERT_THAT(fresh, IsOk());
  EXPECT_EQ(e->SerializeAsString(), fresh->SerializeAsString());
  EXPECT_EQ(*encoder->residual("w"), (std::vector<float>{0, 0, 0, 0.25}));
  encoder->ClearResiduals();
  EXPECT_EQ(encoder->residual("w"), nullptr);
}

TEST(ErrorFeedbackTest, FailedEncodeLeavesResidualsAlone) {
  auto encoder = MakeEncoder(DeltaCodec::kTopK, 0.5);
  ASSERT_THAT(encoder->Encode(MakeDelta({MakeTensor("a", {2}, {1, 2}),
                                         MakeTensor("b", {2}, {3, 4})})),
              IsOk());
  const std::vector<float> a = *encoder->residual("a");
  EXPECT_THAT(
      encoder->Encode(MakeDelta({MakeTensor("a", {2}, {5, 6}),
                                 MakeTensor("b", {2}, {1, std::nanf("")})})),
      StatusIs(kInvalid, "tensors[1] \"b\": value nan at index 1"));
  EXPECT_EQ(*encoder->residual("a"), a);
}

TEST(ErrorFeedbackTest, Fp16InfDoesNotPoisonTheResidual) {
  auto encoder = MakeEncoder(DeltaCodec::kFp16);
  const float inf = std::numeric_limits<float>::infinity();
  ASSERT_THAT(encoder->Encode(MakeDelta({MakeTensor("w", {2}, {inf, 0.1f})})),
              IsOk());
  EXPECT_EQ((*encoder->residual("w"))[0], 0);
  absl::StatusOr<ModelDelta> e =
      encoder->Encode(MakeDelta({MakeTensor("w", {2}, {1, 0.1f})}));
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(ToFloats(DecodeDelta(*e)->tensors(0))[0], 1.0f);
}

// --- bad input ---

TEST(DeltaCodecTest, EncodeRejectsWhatItCannotCarry) {
  auto topk = MakeEncoder(DeltaCodec::kTopK);
  auto int8 = MakeEncoder(DeltaCodec::kInt8);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_THAT(int8->Encode(MakeDelta({MakeTensor("w", {2}, {1, inf})})),
              StatusIs(kInvalid, "\"w\": value inf at index 1; the int8 codec"));
  EXPECT_THAT(topk->Encode(MakeDelta({MakeTensor("w", {1}, {-inf})})),
              StatusIs(kInvalid, "the topk codec carries finite values only"));

  ModelDelta twice =
      MakeDelta({MakeTensor("w", {1}, {1}), MakeTensor("w", {1}, {2})});
  EXPECT_THAT(topk->Encode(twice),
              StatusIs(kInvalid, "tensors[1] \"w\": a second tensor"));

  ModelDelta short_data = MakeDelta({MakeTensor("w", {3}, {1, 2})});
  EXPECT_THAT(topk->Encode(short_data),
              StatusIs(kInvalid, "FP32 data has 8 bytes, expected 12"));

  absl::StatusOr<ModelDelta> once =
      int8->Encode(MakeDelta({MakeTensor("w", {1}, {1})}));
  ASSERT_THAT(once, IsOk());
  EXPECT_THAT(topk->Encode(*once),
              StatusIs(kInvalid, "encoding is INT8, expected FP32"));
}

// A one-tensor delta named "w" with its data, encoding and indices as given.
ModelDelta Raw(std::vector<int64_t> shape, std::string data,
               TensorEncoding encoding, std::vector<uint32_t> indices = {},
               float scale = 0) {
  Tensor t;
  t.set_name("w");
  for (int64_t d : shape) t.add_shape(d);
  t.set_data(std::move(data));
  t.set_encoding(encoding);
  for (uint32_t i : indices) t.add_indices(i);
  t.set_scale(scale);
  return MakeDelta({t});
}

std::string Bytes(int n) { return std::string(n, '\0'); }

TEST(DeltaCodecTest, DecodeRejectsMalformedTensors) {
  struct Case {
    ModelDelta delta;
    std::string message;
  };
  const std::vector<Case> cases = {
      {Raw({2}, Bytes(7), TENSOR_ENCODING_FP32),
       "tensors[0] \"w\": FP32 data has 7 bytes, expected 8 (4 per value, 2 "
       "values)"},
      {Raw({3}, Bytes(5), TENSOR_ENCODING_FP16),
       "\"w\": FP16 data has 5 bytes, expected 6"},
      {Raw({3}, Bytes(4), TENSOR_ENCODING_INT8, {}, 0.1f),
       "\"w\": INT8 data has 4 bytes, expected 3"},
      {Raw({3}, Bytes(3), TENSOR_ENCODING_INT8, {}, -0.1f),
       "\"w\": INT8 scale is -0.1, expected a finite value >= 0"},
      {Raw({3}, Bytes(3), TENSOR_ENCODING_INT8, {},
           std::numeric_limits<float>::infinity()),
       "\"w\": INT8 scale is inf"},
      {Raw({4}, Bytes(4), TENSOR_ENCODING_TOPK, {1, 2}),
       "\"w\": TOPK data has 4 bytes, expected 8 (4 per value, one value per "
       "index, 2 indices)"},
      {Raw({4}, Bytes(8), TENSOR_ENCODING_TOPK, {1, 4}),
       "\"w\": indices[1] is 4, out of range for 4 values"},
      {Raw({4}, Bytes(8), TENSOR_ENCODING_TOPK, {2, 2}),
       "\"w\": indices[1] is 2, a repeat of the previous index"},
      {Raw({4}, Bytes(8), TENSOR_ENCODING_TOPK, {3, 1}),
       "\"w\": indices[1] is 1, below the previous index"},
      {Raw({4}, Bytes(16), static_cast<TensorEncoding>(7)),
       "\"w\": unknown encoding 7, expected FP32 (0), FP16 (1), INT8 (2) or "
       "TOPK (3)"},
      {Raw({2, -3}, Bytes(0), TENSOR_ENCODING_FP32),
       "\"w\": shape[1] is -3, expected >= 0"},
      {Raw({1 << 20, 1 << 20}, Bytes(4), TENSOR_ENCODING_TOPK, {0}),
       "\"w\": shape holds more than 2^26 values"},
      {Raw({2}, Bytes(8), TENSOR_ENCODING_FP32, {0}),
       "\"w\": FP32 tensor has 1 indices; only TOPK tensors carry indices"},
      {Raw({2}, Bytes(4), TENSOR_ENCODING_FP16, {}, 0.5f),
       "\"w\": FP16 tensor has scale 0.5; only INT8 tensors carry a scale"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(DecodeDelta(c.delta), StatusIs(kInvalid, c.message));
  }
  // The same payloads, well formed, decode.
  EXPECT_THAT(DecodeDelta(Raw({4}, Bytes(8), TENSOR_ENCODING_TOPK, {0, 3})),
              IsOk());
  EXPECT_THAT(DecodeDelta(Raw({3}, Bytes(3), TENSOR_ENCODING_INT8, {}, 0.1f)),
              IsOk());
}

// Top-k tensors state their size in a few bytes: a forged upload listing
// tensors of 2^25 values each must be refused before any is allocated,
// not once the receiver has decoded a gigabyte.
TEST(DeltaCodecTest, DecodeCapsTheValuesOfTheWholeDelta) {
  ModelDelta d = Raw({int64_t{1} << 25}, "", TENSOR_ENCODING_TOPK);
  for (int k = 0; k < 40; ++k) *d.add_tensors() = d.tensors(0);
  for (int k = 0; k < d.tensors_size(); ++k) {
    d.mutable_tensors(k)->set_name(absl::StrCat("w", k));
  }
  EXPECT_LT(d.ByteSizeLong(), 1000u);
  EXPECT_THAT(DecodeDelta(d),
              StatusIs(kInvalid, "tensors[2] \"w2\": the delta's shapes hold "
                                 "more than 67108864 values in all"));
  // Two such tensors are exactly the cap, and decode to zeros.
  d.mutable_tensors()->DeleteSubrange(2, d.tensors_size() - 2);
  absl::StatusOr<ModelDelta> two = DecodeDelta(d);
  ASSERT_THAT(two, IsOk());
  EXPECT_EQ(two->tensors(1).data().size(), size_t{4} << 25);
  // A receiver may ask for less.
  EXPECT_THAT(DecodeDelta(d, int64_t{1} << 25),
              StatusIs(kInvalid, "tensors[1] \"w1\": the delta's shapes hold "
                                 "more than 33554432 values in all"));
}

TEST(DeltaCodecTest, DecodeNamesTheBadTensorAmongGoodOnes) {
  ModelDelta d = MakeDelta({MakeTensor("ok", {1}, {1})});
  Tensor* bad = d.add_tensors();
  bad->set_name("fc.bias");
  bad->add_shape(2);
  bad->set_data(Bytes(3));
  EXPECT_THAT(DecodeDelta(d), StatusIs(kInvalid, "tensors[1] \"fc.bias\""));
}

}  // namespace
}  // namespace orbitfl::proto
