#include "sim/world/tile.h"

#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "orbit/frames.h"
#include "orbit/sun.h"
#include "sim/world/clouds.h"
#include "sim/world/land_cover.h"
#include "tests/sim/world/earth.h"
#include "tests/status_matchers.h"

namespace orbitfl::world {
namespace {

constexpr int kNir = 3;
constexpr int kRed = 2;

absl::Time Epoch() { return absl::FromUnixSeconds(1774008000); }  // 2026-03-20

// About local solar noon at a longitude on the epoch's day (equinox: the
// Sun is near the zenith at the equator).
absl::Time NoonAt(double lon_deg) {
  return Epoch() + absl::Seconds(-lon_deg / 15.0 * 3600);
}

// Mid-afternoon: the Sun about 45 deg up in the tropics, well away from
// the glint of water under a high Sun.
absl::Time AfternoonAt(double lon_deg) { return NoonAt(lon_deg) + absl::Hours(3); }

double BandMean(const Tile& tile, int band) {
  double sum = 0;
  const size_t n = tile.pixels.size() / kTileBands;
  for (size_t p = 0; p < n; ++p) sum += tile.pixels[p * kTileBands + band];
  return sum / n;
}

// Mean absolute difference between horizontal neighbours in one band: how
// much fine texture a tile has.
double Roughness(const Tile& tile, int n, int band) {
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    for (int j = 1; j < n; ++j) {
      sum += std::abs(tile.pixels[(i * n + j) * kTileBands + band] -
                      tile.pixels[(i * n + j - 1) * kTileBands + band]);
    }
  }
  return sum / (n * (n - 1));
}

TileOptions Quiet() {
  TileOptions o;
  o.noise_stddev = 0;
  return o;
}

TEST(TileSynthesizerTest, HasTheRequestedShapeAndRange) {
  CloudField clouds(&Earth(), CloudOptions{}, 7);
  TileOptions options;
  options.pixels = 24;
  options.gsd_m = 100;
  TileSynthesizer synth(&Earth(), &clouds, options, 7);
  for (double lat : {-80.0, -3.0, 0.0, 23.0, 72.0, 89.9}) {
    const Tile tile = synth.Synthesize(lat, 10, Epoch());
    ASSERT_EQ(tile.pixels.size(), 24u * 24u * kTileBands);
    EXPECT_EQ(tile.lat_deg, lat);
    EXPECT_EQ(tile.lon_deg, 10);
    EXPECT_GE(tile.cloud_fraction, 0);
    EXPECT_LE(tile.cloud_fraction, 1);
    float total = 0;
    for (float f : tile.class_fraction) total += f;
    EXPECT_NEAR(total, 1.0f, 1e-5);
    for (float v : tile.pixels) {
      ASSERT_GE(v, 0.0f);
      ASSERT_LE(v, 1.0f);
    }
  }
}

TEST(TileSynthesizerTest, SameInputsGiveIdenticalTiles) {
  CloudField clouds(&Earth(), CloudOptions{}, 42);
  TileSynthesizer a(&Earth(), &clouds, TileOptions{}, 42);
  TileSynthesizer b(&Earth(), &clouds, TileOptions{}, 42);
  const Tile t1 = a.Synthesize(44.5, 12.25, NoonAt(12));
  const Tile t2 = b.Synthesize(44.5, 12.25, NoonAt(12));
  EXPECT_EQ(t1.pixels, t2.pixels);
  EXPECT_EQ(t1.label, t2.label);
  EXPECT_EQ(t1.cloud_fraction, t2.cloud_fraction);
}

TEST(TileSynthesizerTest, SeedTimeAndPlaceChangeThePixels) {
  TileSynthesizer a(&Earth(), nullptr, TileOptions{}, 42);
  TileSynthesizer b(&Earth(), nullptr, TileOptions{}, 43);
  const absl::Time t = NoonAt(-60);
  const Tile base = a.Synthesize(-3, -60, t);
  EXPECT_NE(base.pixels, b.Synthesize(-3, -60, t).pixels);
  EXPECT_NE(base.pixels, a.Synthesize(-3, -60, t + absl::Milliseconds(1)).pixels);
  EXPECT_NE(base.pixels, a.Synthesize(-3, -60.001, t).pixels);
}

TEST(TileSynthesizerTest, LabelIsTheClassOfAUniformRegion) {
  TileSynthesizer synth(&Earth(), nullptr, TileOptions{}, 1);
  const struct {
    double lat_deg, lon_deg;
    LandCover expected;
  } cases[] = {
      {23, 10, LandCover::kBare},    {-5, -65, LandCover::kDenseVegetation},
      {72, -40, LandCover::kIce},    {-80, 0, LandCover::kIce},
      {0, -150, LandCover::kWater},  {0, 22, LandCover::kDenseVegetation},
      {40, -100, LandCover::kSparseVegetation},
      {35.68, 139.69, LandCover::kUrban},
  };
  for (const auto& c : cases) {
    const Tile tile = synth.Synthesize(c.lat_deg, c.lon_deg, Epoch());
    EXPECT_EQ(tile.label, c.expected)
        << c.lat_deg << ", " << c.lon_deg << ": " << LandCoverName(tile.label);
    EXPECT_GT(tile.class_fraction[static_cast<int>(c.expected)], 0.5f);
  }
}

TEST(TileSynthesizerTest, SpectraSeparateWaterFromVegetation) {
  TileSynthesizer synth(&Earth(), nullptr, TileOptions{}, 3);
  const Tile water = synth.Synthesize(0, -150, AfternoonAt(-150));
  const Tile forest = synth.Synthesize(-3, -65, AfternoonAt(-65));
  EXPECT_LT(BandMean(water, kNir) + 0.15, BandMean(forest, kNir));
  // Vegetation's red edge: NIR well above red.
  EXPECT_GT(BandMean(forest, kNir), 3 * BandMean(forest, kRed));
}

TEST(TileSynthesizerTest, ClassesHaveTheirOwnTexture) {
  // City blocks and streets and field parcels are rough at the pixel scale;
  // open water and ice sheets are smooth.
  TileSynthesizer synth(&Earth(), nullptr, Quiet(), 4);
  const double urban = Roughness(synth.Synthesize(35.68, 139.69, NoonAt(139.69)), 32, kRed);
  const double fields = Roughness(synth.Synthesize(40, -100, NoonAt(-100)), 32, kNir);
  const double water = Roughness(synth.Synthesize(0, -150, AfternoonAt(-150)), 32, kRed);
  const double ice = Roughness(synth.Synthesize(-80, 0, NoonAt(0)), 32, kRed);
  EXPECT_GT(urban, 3 * water);
  EXPECT_GT(urban, 3 * ice);
  EXPECT_GT(fields, 3 * water);
}

TEST(TileSynthesizerTest, LowSunDimsTheTileAndIsReported) {
  TileSynthesizer synth(&Earth(), nullptr, Quiet(), 5);
  const Tile noon = synth.Synthesize(23, 10, NoonAt(10));
  const Tile evening = synth.Synthesize(23, 10, NoonAt(10) + absl::Hours(5));
  const orbit::Geodetic where{23 * M_PI / 180, 10 * M_PI / 180, 0};
  EXPECT_NEAR(noon.sun_elevation_deg,
              orbit::SunElevationRad(where, NoonAt(10)) * 180 / M_PI, 0.05);
  EXPECT_GT(noon.sun_elevation_deg, 60);
  EXPECT_LT(evening.sun_elevation_deg, 25);
  EXPECT_GT(evening.sun_elevation_deg, 5);
  EXPECT_LT(BandMean(evening, kRed), 0.6 * BandMean(noon, kRed));
}

TEST(TileSynthesizerTest, CloudsBrightenAndAreCounted) {
  CloudField clouds(&Earth(), CloudOptions{}, 6);
  TileSynthesizer cloudy(&Earth(), &clouds, Quiet(), 6);
  TileSynthesizer clear(&Earth(), nullptr, Quiet(), 6);
  // Over the ocean at noon: wherever the tile is overcast it is far
  // brighter than the sea below; on average the share of overcast tiles is
  // the climatological cover.
  int overcast = 0, n = 0;
  double fraction_sum = 0;
  for (int k = 0; k < 200; ++k) {
    const double lat = -50 + 0.5 * k, lon = -150 + 0.3 * k;
    const absl::Time t = AfternoonAt(lon) + absl::Hours(24 * (k % 7));
    const Tile a = cloudy.Synthesize(lat, lon, t);
    const Tile b = clear.Synthesize(lat, lon, t);
    EXPECT_EQ(b.cloud_fraction, 0);
    fraction_sum += a.cloud_fraction;
    ++n;
    if (a.cloud_fraction == 1 && a.label == LandCover::kWater) {
      ++overcast;
      EXPECT_GT(BandMean(a, kNir), BandMean(b, kNir) + 0.05);
    }
  }
  EXPECT_GT(overcast, 20);
  EXPECT_GT(fraction_sum / n, 0.4);
  EXPECT_LT(fraction_sum / n, 0.85);
}

TEST(TileSynthesizerTest, WaterGlintsUnderAHighSun) {
  // Cox-Munk glint: strong with the Sun near the zenith, gone at 45 deg.
  TileSynthesizer synth(&Earth(), nullptr, Quiet(), 8);
  const Tile noon = synth.Synthesize(0, -150, NoonAt(-150));
  const Tile afternoon = synth.Synthesize(0, -150, AfternoonAt(-150));
  EXPECT_GT(noon.sun_elevation_deg, 80);
  EXPECT_GT(BandMean(noon, kNir), 0.15);
  EXPECT_LT(BandMean(afternoon, kNir), 0.03);
}

TEST(TileSynthesizerTest, CoastlineTilesMixClassesAndLabelTheMajority) {
  // West half water, east half dense forest, on a coarse synthetic map.
  const int h = 18, w = 36;
  std::vector<LandCover> classes(w * h, LandCover::kWater);
  for (int r = 0; r < h; ++r) {
    for (int c = w / 2; c < w; ++c) classes[r * w + c] = LandCover::kDenseVegetation;
  }
  ORBITFL_ASSERT_OK_AND_ASSIGN(auto map,
                               LandCoverMap::FromClasses(w, h, classes));
  TileOptions options = Quiet();
  options.pixels = 32;
  options.gsd_m = 100000.0 / 32;
  TileSynthesizer synth(map.get(), nullptr, options, 5);
  // Centred 20 km east of the coast at lon 0: about 70% of the tile is land.
  const Tile tile = synth.Synthesize(10, 20.0 / 109.5, AfternoonAt(0));
  EXPECT_EQ(tile.label, LandCover::kDenseVegetation);
  EXPECT_GT(tile.class_fraction[static_cast<int>(LandCover::kWater)], 0.15f);
  // North-up, west on the left: the first column is water, the last land.
  const float west_nir = tile.pixels[(16 * 32 + 0) * kTileBands + kNir];
  const float east_nir = tile.pixels[(16 * 32 + 31) * kTileBands + kNir];
  EXPECT_LT(west_nir, 0.1f);
  EXPECT_GT(east_nir, 0.2f);
}

TEST(TileSynthesizerTest, OverlappingTilesAgreeWithoutSensorNoise) {
  TileOptions options = Quiet();
  options.pixels = 32;
  TileSynthesizer synth(&Earth(), nullptr, options, 9);
  // Shift the second tile exactly 8 pixels south along the meridian.
  const double shift_deg = 8 * options.gsd_m / 1000 / (6371.0 * M_PI / 180.0);
  const absl::Time t = NoonAt(-65);
  const Tile north = synth.Synthesize(-5, -65, t);
  const Tile south = synth.Synthesize(-5 - shift_deg, -65, t);
  double max_diff = 0;
  for (int i = 0; i < 24; ++i) {
    for (int j = 0; j < 32; ++j) {
      for (int b = 0; b < kTileBands; ++b) {
        const float x = north.pixels[((i + 8) * 32 + j) * kTileBands + b];
        const float y = south.pixels[(i * 32 + j) * kTileBands + b];
        max_diff = std::max(max_diff, static_cast<double>(std::abs(x - y)));
      }
    }
  }
  EXPECT_LT(max_diff, 0.01);
}

TEST(TileSynthesizerTest, NoiseHasTheRequestedSpread) {
  // A uniform bare world isolates the sensor noise from class boundaries;
  // bare reflectances sit far from the clamps at 0 and 1.
  ORBITFL_ASSERT_OK_AND_ASSIGN(
      auto map, LandCoverMap::FromClasses(
                    4, 2, std::vector<LandCover>(8, LandCover::kBare)));
  TileOptions quiet = Quiet(), noisy = Quiet();
  noisy.noise_stddev = 0.04;
  const Tile a =
      TileSynthesizer(map.get(), nullptr, quiet, 2).Synthesize(10, 45, NoonAt(45));
  const Tile b =
      TileSynthesizer(map.get(), nullptr, noisy, 2).Synthesize(10, 45, NoonAt(45));
  double sum = 0, sum_sq = 0;
  for (size_t k = 0; k < a.pixels.size(); ++k) {
    const double d = b.pixels[k] - a.pixels[k];
    sum += d;
    sum_sq += d * d;
  }
  const double n = a.pixels.size();
  EXPECT_NEAR(sum / n, 0.0, 0.005);
  EXPECT_NEAR(std::sqrt(sum_sq / n - (sum / n) * (sum / n)), 0.04, 0.004);
}

TEST(TileSynthesizerTest, PolarAndDegenerateTilesAreSafe) {
  CloudField clouds(&Earth(), CloudOptions{}, 11);
  TileOptions options;
  TileSynthesizer synth(&Earth(), &clouds, options, 11);
  const Tile pole = synth.Synthesize(90, 0, Epoch());
  EXPECT_EQ(pole.pixels.size(), 32u * 32u * kTileBands);
  EXPECT_EQ(pole.label, LandCover::kIce);
  options.pixels = 0;
  const Tile empty =
      TileSynthesizer(&Earth(), &clouds, options, 11).Synthesize(0, -150, Epoch());
  EXPECT_TRUE(empty.pixels.empty());
  EXPECT_EQ(empty.label, LandCover::kWater);
}

}  // namespace
}  // namespace orbitfl::world
