#include "sim/world/clouds.h"

#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "sim/world/land_cover.h"
#include "tests/sim/world/earth.h"
#include "sim/world/noise.h"

namespace orbitfl::world {
namespace {

absl::Time Noon() { return absl::FromUnixSeconds(1774008000); }  // 2026-03-20

// Mean opacity over points spread uniformly in area over a latitude band
// (and a longitude range), at several instants a day apart.
double MeanOpacity(const CloudField& clouds, double lat_lo, double lat_hi,
                   double lon_lo = -180, double lon_hi = 180, int n = 20000) {
  std::mt19937_64 gen(123);
  std::uniform_real_distribution<double> u(0, 1);
  const double s_lo = std::sin(lat_lo * kPi / 180);
  const double s_hi = std::sin(lat_hi * kPi / 180);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double lat = std::asin(s_lo + (s_hi - s_lo) * u(gen)) * 180 / kPi;
    const double lon = lon_lo + (lon_hi - lon_lo) * u(gen);
    const absl::Time t = Noon() + absl::Hours(24 * (i % 10));
    sum += clouds.OpacityAt(lat, lon, t);
  }
  return sum / n;
}

TEST(CloudFieldTest, GlobalMeanCoverIsRealistic) {
  // Satellite climatologies put the Earth's mean cloud cover at 0.6-0.7.
  CloudField clouds(&Earth(), CloudOptions{}, 1);
  const double mean = MeanOpacity(clouds, -90, 90);
  EXPECT_GT(mean, 0.60);
  EXPECT_LT(mean, 0.70);
}

TEST(CloudFieldTest, FollowsTheZonalClimatology) {
  CloudField clouds(&Earth(), CloudOptions{}, 2);
  const double itcz = MeanOpacity(clouds, 0, 10);
  const double subtropics_north = MeanOpacity(clouds, 20, 30);
  const double subtropics_south = MeanOpacity(clouds, -30, -20);
  const double southern_ocean = MeanOpacity(clouds, -65, -50);
  const double north_atlantic = MeanOpacity(clouds, 50, 65, -50, -10);
  EXPECT_GT(itcz, subtropics_north + 0.1);
  EXPECT_GT(itcz, subtropics_south + 0.05);
  EXPECT_GT(southern_ocean, 0.75);
  EXPECT_GT(north_atlantic, subtropics_north + 0.15);
}

TEST(CloudFieldTest, DesertsAreClearerThanTheOceanAtTheirLatitude) {
  CloudField clouds(&Earth(), CloudOptions{}, 3);
  const double sahara = MeanOpacity(clouds, 18, 28, -5, 25, 5000);
  const double pacific = MeanOpacity(clouds, 18, 28, -170, -140, 5000);
  EXPECT_LT(sahara, 0.3);
  EXPECT_GT(pacific, sahara + 0.15);
  EXPECT_LT(clouds.ExpectedCover(23, 10), clouds.ExpectedCover(23, -150));
}

TEST(CloudFieldTest, IsDeterministicAndSeeded) {
  CloudField a(&Earth(), CloudOptions{}, 7);
  CloudField b(&Earth(), CloudOptions{}, 7);
  CloudField c(&Earth(), CloudOptions{}, 8);
  int differ = 0;
  for (int i = 0; i < 200; ++i) {
    const double lat = -60 + 0.6 * i, lon = -170 + 1.7 * i;
    EXPECT_EQ(a.OpacityAt(lat, lon, Noon()), b.OpacityAt(lat, lon, Noon()));
    if (a.OpacityAt(lat, lon, Noon()) != c.OpacityAt(lat, lon, Noon())) ++differ;
  }
  EXPECT_GT(differ, 50);
}

// Correlation of the opacity at the same places `lag` apart.
double Correlation(const CloudField& clouds, absl::Duration lag) {
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> lat_d(-60, 60), lon_d(-180, 180);
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  constexpr int kN = 4000;
  for (int i = 0; i < kN; ++i) {
    const double lat = lat_d(gen), lon = lon_d(gen);
    const double x = clouds.OpacityAt(lat, lon, Noon());
    const double y = clouds.OpacityAt(lat, lon, Noon() + lag);
    sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
  }
  const double cov = sxy / kN - sx / kN * sy / kN;
  return cov / std::sqrt((sxx / kN - sx / kN * sx / kN) *
                         (syy / kN - sy / kN * sy / kN));
}

TEST(CloudFieldTest, EvolvesOverHoursAndForgetsOverDays) {
  CloudField clouds(&Earth(), CloudOptions{}, 11);
  EXPECT_GT(Correlation(clouds, absl::Minutes(10)), 0.95);
  const double hours = Correlation(clouds, absl::Hours(3));
  EXPECT_LT(hours, 0.95);
  EXPECT_GT(hours, 0.3);
  EXPECT_LT(std::abs(Correlation(clouds, absl::Hours(72))), 0.1);
}

TEST(CloudFieldTest, GridMatchesPointsAndScaleZeroIsClear) {
  CloudField clouds(&Earth(), CloudOptions{}, 4);
  const std::vector<double> lats = {10.2, 10.1, 10.0};
  const std::vector<double> lons = {20.0, 20.1, 20.2, 20.3};
  std::vector<float> grid;
  clouds.OpacityGrid(lats, lons, LatitudeBand(10.1), Noon(), &grid);
  ASSERT_EQ(grid.size(), 12u);
  for (size_t i = 0; i < lats.size(); ++i) {
    for (size_t j = 0; j < lons.size(); ++j) {
      EXPECT_FLOAT_EQ(grid[i * lons.size() + j],
                      clouds.OpacityAt(lats[i], lons[j], Noon()));
    }
  }
  CloudOptions clear;
  clear.cover_scale = 0;
  CloudField none(&Earth(), clear, 4);
  EXPECT_EQ(MeanOpacity(none, -90, 90, -180, 180, 500), 0.0);
}

TEST(CloudFieldTest, OpacityStaysInRange) {
  CloudField clouds(nullptr, CloudOptions{}, 9);
  for (int i = 0; i < 1000; ++i) {
    const float a = clouds.OpacityAt(-89 + 0.178 * i, -180 + 0.36 * i,
                                     Noon() + absl::Minutes(7 * i));
    ASSERT_GE(a, 0.0f);
    ASSERT_LE(a, 1.0f);
  }
}

}  // namespace
}  // namespace orbitfl::world
