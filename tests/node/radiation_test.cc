#include "node/radiation.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/tensor_util.h"
#include "tests/status_matchers.h"

namespace orbitfl::node {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

proto::Tensor MakeTensor(const std::string& name,
                         const std::vector<float>& values) {
  proto::Tensor t;
  t.set_name(name);
  t.add_shape(static_cast<int64_t>(values.size()));
  proto::SetFloats(values, &t);
  return t;
}

// Tensors of the given sizes, values like trained weights.
proto::Model MakeModel(const std::vector<int>& sizes) {
  proto::Model m;
  m.set_version(3);
  std::mt19937_64 gen(99);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  for (size_t k = 0; k < sizes.size(); ++k) {
    std::vector<float> v(sizes[k]);
    for (float& x : v) x = normal(gen);
    *m.add_tensors() = MakeTensor("t" + std::to_string(k), v);
  }
  return m;
}

// Options giving `per_day` upsets a day over `bits` at multiplier 1.
SeuOptions RateFor(double per_day, int64_t bits) {
  SeuOptions o;
  o.upsets_per_bit_per_day = per_day / bits;
  return o;
}

// --- where ---

TEST(RadiationTest, SouthAtlanticAnomalyRegion) {
  EXPECT_TRUE(InSouthAtlanticAnomaly(-26, -50));  // flux peak, Brazil
  EXPECT_TRUE(InSouthAtlanticAnomaly(-23, -43));  // Rio de Janeiro
  EXPECT_TRUE(InSouthAtlanticAnomaly(-25, -85));  // western edge
  EXPECT_TRUE(InSouthAtlanticAnomaly(-25, 35));   // eastern tail
  EXPECT_TRUE(InSouthAtlanticAnomaly(-26, 310));  // longitudes wrap
  EXPECT_FALSE(InSouthAtlanticAnomaly(-25, -95));
  EXPECT_FALSE(InSouthAtlanticAnomaly(-25, 45));
  EXPECT_FALSE(InSouthAtlanticAnomaly(5, -50));
  EXPECT_FALSE(InSouthAtlanticAnomaly(-55, -50));
  EXPECT_FALSE(InSouthAtlanticAnomaly(48.9, 2.3));    // Paris
  EXPECT_FALSE(InSouthAtlanticAnomaly(-26, -150));    // South Pacific
  EXPECT_FALSE(InSouthAtlanticAnomaly(-26, 130));     // Australia
}

TEST(RadiationTest, GeomagneticLatitudeOfTheDipole) {
  EXPECT_NEAR(GeomagneticLatitudeDeg(80.65, -72.68), 90, 1e-6);
  EXPECT_NEAR(GeomagneticLatitudeDeg(-80.65, 107.32), -90, 1e-6);
  // The geographic poles sit 9.35 deg from the dipole's.
  EXPECT_NEAR(GeomagneticLatitudeDeg(90, 0), 80.65, 1e-6);
  EXPECT_NEAR(GeomagneticLatitudeDeg(-90, 0), -80.65, 1e-6);
  // Paris by hand: asin(sin 48.9 sin 80.65 + cos 48.9 cos 80.65 cos 74.98).
  EXPECT_NEAR(GeomagneticLatitudeDeg(48.9, 2.3), 50.47, 0.05);
}

TEST(RadiationTest, RateMultipliersAtKnownPlaces) {
  const SeuOptions o;  // SAA 30x, polar 4x beyond 55 deg geomagnetic
  EXPECT_EQ(UpsetRateMultiplier(-26, -50, o), 30);  // SAA peak
  EXPECT_EQ(UpsetRateMultiplier(48.9, 2.3, o), 1);  // Paris
  EXPECT_EQ(UpsetRateMultiplier(41.9, 12.5, o), 1);  // Rome
  EXPECT_EQ(UpsetRateMultiplier(0, -150, o), 1);  // equatorial Pacific
  EXPECT_EQ(UpsetRateMultiplier(90, 0, o), 4);    // North Pole
  EXPECT_EQ(UpsetRateMultiplier(-90, 0, o), 4);   // South Pole
  EXPECT_EQ(UpsetRateMultiplier(64.1, -21.9, o), 4);  // Reykjavik
  SeuOptions custom;
  custom.saa_multiplier = 100;
  custom.polar_multiplier = 5;
  EXPECT_EQ(UpsetRateMultiplier(-26, -50, custom), 100);
  EXPECT_EQ(UpsetRateMultiplier(90, 0, custom), 5);
  // Where both apply, the larger wins.
  custom.polar_geomagnetic_latitude_deg = 0;
  EXPECT_EQ(UpsetRateMultiplier(-26, -50, custom), 100);
  EXPECT_EQ(UpsetRateMultiplier(48.9, 2.3, custom), 5);
}

// --- options ---

TEST(RadiationTest, ParsesProtection) {
  EXPECT_EQ(ParseSeuProtection("none").value(), SeuProtection::kNone);
  EXPECT_EQ(ParseSeuProtection("checksum").value(), SeuProtection::kChecksum);
  EXPECT_THAT(ParseSeuProtection("ecc"),
              StatusIs(kInvalid,
                       "\"ecc\", expected \"none\" or \"checksum\""));
}

TEST(RadiationTest, RejectsBadOptionsNamingTheField) {
  EXPECT_THAT(ValidateSeuOptions(SeuOptions()), IsOk());
  SeuOptions o;
  o.upsets_per_bit_per_day = -1;
  EXPECT_THAT(ValidateSeuOptions(o),
              StatusIs(kInvalid, "upsets_per_bit_per_day: expected"));
  o = SeuOptions();
  o.saa_multiplier = 0.5;
  EXPECT_THAT(ValidateSeuOptions(o), StatusIs(kInvalid, "saa_multiplier"));
  o = SeuOptions();
  o.polar_multiplier = std::nan("");
  EXPECT_THAT(ValidateSeuOptions(o), StatusIs(kInvalid, "polar_multiplier"));
  o = SeuOptions();
  o.polar_geomagnetic_latitude_deg = 95;
  EXPECT_THAT(ValidateSeuOptions(o),
              StatusIs(kInvalid, "polar_geomagnetic_latitude_deg"));
}

// --- upsets ---

TEST(RadiationTest, ExpectedUpsetsScaleWithBitsTimeAndMultiplier) {
  SeuOptions o;
  o.upsets_per_bit_per_day = 3e-8;
  EXPECT_NEAR(ExpectedUpsets(1000000, absl::Hours(24), 1, o), 0.03, 1e-15);
  EXPECT_NEAR(ExpectedUpsets(1000000, absl::Hours(12), 2, o), 0.03, 1e-15);
  EXPECT_NEAR(ExpectedUpsets(2000000, absl::Hours(24), 30, o), 1.8, 1e-12);
  EXPECT_EQ(ExpectedUpsets(1000000, absl::ZeroDuration(), 1, o), 0);
}

TEST(RadiationTest, BitsAddressValuesLittleEndian) {
  proto::Model m;
  *m.add_tensors() = MakeTensor("a", {1.0f, 0.5f});
  *m.add_tensors() = MakeTensor("b", {1.5f, 2.0f});
  EXPECT_EQ(ModelBits(m), 128);
  ASSERT_THAT(FlipBit(32 * 3 + 31, m), IsOk());  // sign of b[1]
  EXPECT_EQ(proto::ToFloats(m.tensors(1))[1], -2.0f);
  ASSERT_THAT(FlipBit(32 * 3 + 31, m), IsOk());  // and back
  EXPECT_EQ(proto::ToFloats(m.tensors(1))[1], 2.0f);
  ASSERT_THAT(FlipBit(0, m), IsOk());  // lowest mantissa bit of a[0]
  EXPECT_EQ(proto::ToFloats(m.tensors(0))[0], std::nextafter(1.0f, 2.0f));
  EXPECT_THAT(FlipBit(128, m),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "bit 128 is outside the model's 128 bits"));
  EXPECT_THAT(FlipBit(-1, m), StatusIs(absl::StatusCode::kOutOfRange, "-1"));
}

TEST(RadiationTest, AnExponentFlipTurnsAWeightIntoInfNanOrHuge) {
  // Unprotected, one upset in the top exponent bit (30) wrecks a value.
  proto::Model m;
  *m.add_tensors() = MakeTensor("w", {0.05f, 1.0f, 1.5f});
  for (int i = 0; i < 3; ++i) ASSERT_THAT(FlipBit(32 * i + 30, m), IsOk());
  const std::vector<float> v = proto::ToFloats(m.tensors(0));
  EXPECT_GT(v[0], 1e36f);   // 0x3D4CCCCD -> 0x7D4CCCCD, about 1.7e37
  EXPECT_TRUE(std::isinf(v[1]));  // 0x3F800000 -> 0x7F800000
  EXPECT_TRUE(std::isnan(v[2]));  // 0x3FC00000 -> 0x7FC00000
}

TEST(RadiationTest, UpsetsAreDeterministicForASeed) {
  const proto::Model original = MakeModel({500, 300});
  const SeuOptions o = RateFor(50, ModelBits(original));
  auto run = [&](uint64_t seed, int64_t* count) {
    proto::Model m = original;
    std::mt19937_64 gen(seed);
    absl::StatusOr<int64_t> n = InjectUpsets(absl::Hours(24), 1, o, gen, m);
    EXPECT_THAT(n, IsOk());
    *count = *n;
    return m.SerializeAsString();
  };
  int64_t a = 0, b = 0, c = 0;
  const std::string first = run(123, &a);
  EXPECT_EQ(run(123, &b), first);
  EXPECT_EQ(a, b);
  EXPECT_GT(a, 0);
  EXPECT_NE(run(124, &c), first);
  EXPECT_NE(first, original.SerializeAsString());
}

TEST(RadiationTest, CountsFollowThePoissonMean) {
  proto::Model m = MakeModel({1000});
  const SeuOptions o = RateFor(20, ModelBits(m));
  std::mt19937_64 gen(2024);
  const int draws = 4000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < draws; ++i) {
    absl::StatusOr<int64_t> n = InjectUpsets(absl::Hours(24), 1, o, gen, m);
    ASSERT_THAT(n, IsOk());
    sum += *n;
    sum_sq += double(*n) * *n;
  }
  const double mean = sum / draws;
  const double var = sum_sq / draws - mean * mean;
  // Standard error of the mean: sqrt(20 / 4000) = 0.07.
  EXPECT_NEAR(mean, 20, 0.5);
  EXPECT_NEAR(var, 20, 3);  // a Poisson count's variance is its mean

  // Half a day in the SAA (30x): mean 300.
  sum = 0;
  for (int i = 0; i < 400; ++i) {
    sum += InjectUpsets(absl::Hours(12), 30, o, gen, m).value();
  }
  EXPECT_NEAR(sum / 400, 300, 6);
}

TEST(RadiationTest, UpsetsLandUniformlyOverTheBits) {
  const proto::Model original = MakeModel({1000, 3000});
  proto::Model m = original;
  const SeuOptions o = RateFor(4000, ModelBits(m));
  std::mt19937_64 gen(5);
  ASSERT_THAT(InjectUpsets(absl::Hours(24), 1, o, gen, m), IsOk());
  int64_t changed[2] = {0, 0};
  int64_t exponent_bits = 0, all = 0;
  for (int k = 0; k < 2; ++k) {
    const std::string& before = original.tensors(k).data();
    const std::string& after = m.tensors(k).data();
    for (size_t i = 0; i < before.size(); ++i) {
      const uint8_t diff = static_cast<uint8_t>(before[i] ^ after[i]);
      for (int b = 0; b < 8; ++b) {
        if (!(diff >> b & 1)) continue;
        ++changed[k];
        ++all;
        const int bit_in_float = 8 * (i % 4) + b;
        if (bit_in_float >= 23 && bit_in_float <= 30) ++exponent_bits;
      }
    }
  }
  // A quarter of the bits are in the first tensor, 8 of 32 in exponents.
  EXPECT_NEAR(double(changed[0]) / all, 0.25, 0.03);
  EXPECT_NEAR(double(exponent_bits) / all, 0.25, 0.03);
}

TEST(RadiationTest, NothingHappensWithoutTimeOrRate) {
  const proto::Model original = MakeModel({100});
  proto::Model m = original;
  std::mt19937_64 gen(1);
  EXPECT_EQ(InjectUpsets(absl::ZeroDuration(), 30, SeuOptions(), gen, m)
                .value(), 0);
  SeuOptions off;
  off.upsets_per_bit_per_day = 0;
  EXPECT_EQ(InjectUpsets(absl::Hours(1000), 30, off, gen, m).value(), 0);
  EXPECT_EQ(m.SerializeAsString(), original.SerializeAsString());
  proto::Model empty;
  EXPECT_EQ(InjectUpsets(absl::Hours(1), 1, SeuOptions(), gen, empty).value(),
            0);
}

TEST(RadiationTest, InjectRejectsBadArguments) {
  proto::Model m = MakeModel({10});
  std::mt19937_64 gen(1);
  EXPECT_THAT(InjectUpsets(absl::Seconds(-1), 1, SeuOptions(), gen, m),
              StatusIs(kInvalid, "upset interval: expected >= 0"));
  EXPECT_THAT(InjectUpsets(absl::Seconds(1), -2, SeuOptions(), gen, m),
              StatusIs(kInvalid, "mean_multiplier: expected"));
  SeuOptions bad;
  bad.saa_multiplier = 0;
  EXPECT_THAT(InjectUpsets(absl::Seconds(1), 1, bad, gen, m),
              StatusIs(kInvalid, "saa_multiplier"));
}

// --- protection ---

TEST(ProtectedModelTest, ScrubRestoresEveryCorruptedTensor) {
  const proto::Model original = MakeModel({64, 32, 16, 8, 4});
  ProtectedModel p(original, SeuProtection::kChecksum);
  // Upsets in tensors 0, 2 (twice, different bits) and 4.
  int64_t first_bits[5];
  int64_t at = 0;
  for (int k = 0; k < 5; ++k) {
    first_bits[k] = at;
    at += 8 * original.tensors(k).data().size();
  }
  ASSERT_THAT(FlipBit(first_bits[0] + 30, p.model()), IsOk());
  ASSERT_THAT(FlipBit(first_bits[2] + 3, p.model()), IsOk());
  ASSERT_THAT(FlipBit(first_bits[2] + 77, p.model()), IsOk());
  ASSERT_THAT(FlipBit(first_bits[4] + 127, p.model()), IsOk());
  EXPECT_NE(p.model().SerializeAsString(), original.SerializeAsString());
  EXPECT_EQ(p.Scrub(), 3);
  EXPECT_EQ(p.model().SerializeAsString(), original.SerializeAsString());
  EXPECT_EQ(p.Scrub(), 0);
}

TEST(ProtectedModelTest, ScrubRepairsRandomUpsetsRoundAfterRound) {
  const proto::Model original = MakeModel({400, 200, 100, 50, 10});
  ProtectedModel p(original, SeuProtection::kChecksum);
  const SeuOptions o = RateFor(3, ModelBits(original));
  std::mt19937_64 gen(77);
  int64_t upsets = 0, repaired = 0;
  for (int round = 0; round < 200; ++round) {
    upsets += InjectUpsets(absl::Hours(24), 1, o, gen, p.model()).value();
    int corrupted = 0;
    for (int k = 0; k < original.tensors_size(); ++k) {
      corrupted += p.model().tensors(k).data() != original.tensors(k).data();
    }
    const int fixed = p.Scrub();
    ASSERT_EQ(fixed, corrupted) << "round " << round;
    repaired += fixed;
    ASSERT_EQ(p.model().SerializeAsString(), original.SerializeAsString());
  }
  EXPECT_GT(upsets, 400);
  EXPECT_GT(repaired, 300);
}

TEST(ProtectedModelTest, WithoutProtectionUpsetsStay) {
  const proto::Model original = MakeModel({16});
  ProtectedModel p(original, SeuProtection::kNone);
  ASSERT_THAT(FlipBit(30, p.model()), IsOk());
  EXPECT_EQ(p.Scrub(), 0);
  EXPECT_NE(p.model().SerializeAsString(), original.SerializeAsString());
}

TEST(ProtectedModelTest, CommitAdoptsALegitimateChange) {
  ProtectedModel p(MakeModel({8, 8}), SeuProtection::kChecksum);
  // Training writes new weights, then commits them.
  proto::SetFloats(std::vector<float>(8, 0.25f), p.model().mutable_tensors(1));
  p.Commit();
  const std::string trained = p.model().SerializeAsString();
  EXPECT_EQ(p.Scrub(), 0);
  ASSERT_THAT(FlipBit(256 + 5, p.model()), IsOk());  // tensor 1: bits 256-511
  EXPECT_EQ(p.Scrub(), 1);
  EXPECT_EQ(p.model().SerializeAsString(), trained);
}

TEST(ProtectedModelTest, ScrubUndoesChangedLayouts) {
  const proto::Model original = MakeModel({8, 8, 8});
  ProtectedModel p(original, SeuProtection::kChecksum);
  p.model().mutable_tensors(1)->set_name("renamed");
  EXPECT_EQ(p.Scrub(), 1);
  EXPECT_EQ(p.model().SerializeAsString(), original.SerializeAsString());
  p.model().mutable_tensors()->RemoveLast();
  EXPECT_EQ(p.Scrub(), 3);
  EXPECT_EQ(p.model().SerializeAsString(), original.SerializeAsString());
}

}  // namespace
}  // namespace orbitfl::node
