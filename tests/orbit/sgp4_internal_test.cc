// The SGP4 kernel's internals: its branch-free sine/cosine, arctangent and
// reduction against libm, and its AVX2 build against the baseline one.

#include <cmath>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "orbit/sgp4_kernel.h"
#include "orbit/sgp4_math.h"
#include "orbit/sgp4_model.h"
#include "orbit/tle.h"

namespace orbitfl::orbit::sgp4_internal {
namespace {

constexpr double kTwoPi = 6.283185307179586;

// |a - ref| in units in the last place of ref.
double Ulps(double a, double ref) {
  const double magnitude = std::fabs(ref);
  const double ulp = magnitude < 1e-300
                         ? 4.9e-324
                         : std::nextafter(magnitude, INFINITY) - magnitude;
  return std::fabs(a - ref) / ulp;
}

TEST(Sgp4MathTest, SinCosWithinTwoUlps) {
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> wide(-1e5, 1e5), narrow(-7, 7),
      jitter(-1, 1);
  double worst_sin = 0, worst_cos = 0;
  for (int i = 0; i < 300000; ++i) {
    double x = i % 3 == 0 ? wide(gen) : narrow(gen);
    if (i % 7 == 0) {  // next to multiples of pi/2, where reduction is hardest
      x = std::round(x / (kTwoPi / 4)) * (kTwoPi / 4) *
          (1 + 1e-12 * jitter(gen));
    }
    double s, c;
    SinCos(x, &s, &c);
    worst_sin = std::max(worst_sin, Ulps(s, std::sin(x)));
    worst_cos = std::max(worst_cos, Ulps(c, std::cos(x)));
  }
  EXPECT_LE(worst_sin, 2.0);
  EXPECT_LE(worst_cos, 2.0);
  double s, c;
  SinCos(0.0, &s, &c);
  EXPECT_EQ(s, 0.0);
  EXPECT_EQ(c, 1.0);
}

TEST(Sgp4MathTest, Atan2WithinThreeUlpsInEveryQuadrant) {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> d(-3, 3);
  double worst = 0;
  for (int i = 0; i < 300000; ++i) {
    const double y = i % 5 == 0 ? d(gen) * 1e-9 : d(gen);
    const double x = i % 11 == 0 ? d(gen) * 1e-9 : d(gen);
    worst = std::max(worst, Ulps(Atan2(y, x), std::atan2(y, x)));
  }
  EXPECT_LE(worst, 3.0);
  EXPECT_EQ(Atan2(0.0, 0.0), 0.0);
  EXPECT_EQ(Atan2(0.0, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(Atan2(0.0, -1.0), std::atan2(0.0, -1.0));
  EXPECT_DOUBLE_EQ(Atan2(1.0, 0.0), std::atan2(1.0, 0.0));
  EXPECT_DOUBLE_EQ(Atan2(-1.0, 0.0), std::atan2(-1.0, 0.0));
  EXPECT_TRUE(std::isnan(Atan2(NAN, 1.0)));
}

TEST(Sgp4MathTest, ModTwoPiIsFmodUpToAWholeTurn) {
  std::mt19937_64 gen(13);
  std::uniform_real_distribution<double> d(-1e5, 1e5);
  for (int i = 0; i < 100000; ++i) {
    const double x = i % 2 ? d(gen) : d(gen) * 1e-4;
    const double r = ModTwoPi(x);
    EXPECT_LT(std::fabs(r), kTwoPi + 1e-12);
    EXPECT_LE(std::fabs(std::remainder(r - std::fmod(x, kTwoPi), kTwoPi)),
              1e-15)
        << x;
  }
  EXPECT_EQ(ModTwoPi(1.0), 1.0);
  EXPECT_EQ(ModTwoPi(-1.0), -1.0);
}

// Near-Earth sets spread over the model's branches: circular and eccentric,
// polar, equatorial and retrograde, the simplified drag model (perigee
// below 220 km) and the lowered atmosphere (below 156 km).
std::vector<NearEarthCoefficients> SpreadOfSatellites() {
  std::vector<NearEarthCoefficients> sats;
  for (int i = 0; i < 70; ++i) {
    Tle tle;
    SetTleEpoch(absl::FromUnixSeconds(1774000000), &tle);
    tle.inclination_deg = std::fmod(i * 23.0, 180.0);
    tle.raan_deg = std::fmod(i * 47.0, 360.0);
    tle.arg_perigee_deg = std::fmod(i * 71.0, 360.0);
    tle.mean_anomaly_deg = std::fmod(i * 113.0, 360.0);
    tle.eccentricity = i % 4 == 0 ? 0.0 : 0.0005 * (i % 40);
    tle.mean_motion_rev_per_day = 11.0 + 0.08 * i;  // 11 .. 16.5
    tle.bstar_per_earth_radius = 1e-5 * (i % 9) - 2e-5;
    Sgp4Model model;
    EXPECT_TRUE(InitSgp4(tle, &model).ok()) << i;
    EXPECT_FALSE(model.deep_space);
    sats.push_back(model.near);
  }
  return sats;
}

TEST(Sgp4KernelTest, Avx2BlockEqualsBaselineBlockAndLanes) {
  const std::vector<NearEarthCoefficients> sats = SpreadOfSatellites();
  constexpr int kLanes = NearEarthSet::kBlockLanes;
  const NearEarthSet set(sats, kLanes);
  const NearEarthSet singles(sats, 1);
  LaneStates<kLanes> baseline, avx2;
  LaneStates<1> one;
  double minutes[kLanes];
  int failed = 0;
  for (double start : {-2000.0, 0.0, 333.3, 7000.0}) {
    for (int first = 0; first < set.padded_size(); first += kLanes) {
      for (int j = 0; j < kLanes; ++j) minutes[j] = start + 17.0 * j;
      PropagateNearEarthBlock(set, first, minutes, &baseline,
                              BlockIsa::kBaseline);
      if (CpuHasAvx2()) {
        PropagateNearEarthBlock(set, first, minutes, &avx2, BlockIsa::kAvx2);
      }
      for (int j = 0; j < kLanes && first + j < set.size(); ++j) {
        SCOPED_TRACE(absl::StrCat("lane ", first + j, " at ", minutes[j]));
        PropagateNearEarthLane(singles, first + j, minutes[j], &one);
        EXPECT_EQ(baseline.error_code[j], one.error_code[0]);
        failed += baseline.error_code[j] != kOk;
        if (baseline.error_code[j] != kOk) continue;
        EXPECT_EQ(baseline.x_km[j], one.x_km[0]);
        EXPECT_EQ(baseline.vz_km_s[j], one.vz_km_s[0]);
        if (!CpuHasAvx2()) continue;
        EXPECT_EQ(avx2.error_code[j], baseline.error_code[j]);
        EXPECT_EQ(avx2.x_km[j], baseline.x_km[j]);
        EXPECT_EQ(avx2.y_km[j], baseline.y_km[j]);
        EXPECT_EQ(avx2.z_km[j], baseline.z_km[j]);
        EXPECT_EQ(avx2.vx_km_s[j], baseline.vx_km_s[j]);
        EXPECT_EQ(avx2.vy_km_s[j], baseline.vy_km_s[j]);
        EXPECT_EQ(avx2.vz_km_s[j], baseline.vz_km_s[j]);
      }
    }
  }
  // Strong drag decays some of the low ones within days.
  EXPECT_GT(failed, 0);
  if (!CpuHasAvx2()) GTEST_SKIP() << "no AVX2 on this CPU: baseline only";
}

}  // namespace
}  // namespace orbitfl::orbit::sgp4_internal
