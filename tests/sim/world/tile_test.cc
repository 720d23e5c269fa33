#include "sim/world/tile.h"

#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "sim/world/land_cover.h"
#include "tests/status_matchers.h"

namespace orbitfl::world {
namespace {

constexpr int kNir = 3;
constexpr int kRed = 2;

const LandCoverMap& Earth() {
  static const LandCoverMap* map = [] {
    auto m = LandCoverMap::Create(kDefaultEarthImage);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? m->release() : nullptr;
  }();
  if (map == nullptr) std::abort();
  return *map;
}

absl::Time Epoch() { return absl::FromUnixSeconds(1700000000); }

double BandMean(const Tile& tile, int band) {
  double sum = 0;
  const size_t n = tile.pixels.size() / kTileBands;
  for (size_t p = 0; p < n; ++p) sum += tile.pixels[p * kTileBands + band];
  return sum / n;
}

TEST(TileSynthesizerTest, HasTheRequestedShapeAndRange) {
  TileOptions options;
  options.pixels = 24;
  TileSynthesizer synth(&Earth(), options, 7);
  for (double lat : {-80.0, -3.0, 0.0, 23.0, 72.0, 89.9}) {
    const Tile tile = synth.Synthesize(lat, 10, Epoch());
    ASSERT_EQ(tile.pixels.size(), 24u * 24u * kTileBands);
    EXPECT_EQ(tile.lat_deg, lat);
    EXPECT_EQ(tile.lon_deg, 10);
    for (float v : tile.pixels) {
      ASSERT_GE(v, 0.0f);
      ASSERT_LE(v, 1.0f);
    }
  }
}

TEST(TileSynthesizerTest, SameInputsGiveIdenticalTiles) {
  TileSynthesizer a(&Earth(), TileOptions{}, 42);
  TileSynthesizer b(&Earth(), TileOptions{}, 42);
  const Tile t1 = a.Synthesize(44.5, 12.25, Epoch());
  const Tile t2 = b.Synthesize(44.5, 12.25, Epoch());
  EXPECT_EQ(t1.pixels, t2.pixels);
  EXPECT_EQ(t1.label, t2.label);
}

TEST(TileSynthesizerTest, SeedTimeAndPlaceChangeThePixels) {
  TileSynthesizer a(&Earth(), TileOptions{}, 42);
  TileSynthesizer b(&Earth(), TileOptions{}, 43);
  const Tile base = a.Synthesize(-3, -60, Epoch());
  EXPECT_NE(base.pixels, b.Synthesize(-3, -60, Epoch()).pixels);
  EXPECT_NE(base.pixels,
            a.Synthesize(-3, -60, Epoch() + absl::Milliseconds(1)).pixels);
  EXPECT_NE(base.pixels, a.Synthesize(-3, -60.001, Epoch()).pixels);
}

TEST(TileSynthesizerTest, LabelIsTheClassOfAUniformRegion) {
  TileSynthesizer synth(&Earth(), TileOptions{}, 1);
  const struct {
    double lat_deg, lon_deg;
    LandCover expected;
  } cases[] = {
      {23, 10, LandCover::kBare},   {-3, -60, LandCover::kVegetation},
      {72, -40, LandCover::kIce},   {-80, 0, LandCover::kIce},
      {0, -150, LandCover::kWater}, {0, 22, LandCover::kVegetation},
  };
  for (const auto& c : cases) {
    const Tile tile = synth.Synthesize(c.lat_deg, c.lon_deg, Epoch());
    EXPECT_EQ(tile.label, Earth().ClassAt(c.lat_deg, c.lon_deg));
    EXPECT_EQ(tile.label, c.expected)
        << c.lat_deg << ", " << c.lon_deg << ": " << LandCoverName(tile.label);
  }
}

TEST(TileSynthesizerTest, SpectraSeparateWaterFromVegetation) {
  TileSynthesizer synth(&Earth(), TileOptions{}, 3);
  const Tile water = synth.Synthesize(0, -150, Epoch());
  const Tile forest = synth.Synthesize(-3, -60, Epoch());
  EXPECT_LT(BandMean(water, kNir) + 0.2, BandMean(forest, kNir));
  // Vegetation's red edge: NIR well above red.
  EXPECT_GT(BandMean(forest, kNir), 3 * BandMean(forest, kRed));
}

TEST(TileSynthesizerTest, CoastlineTilesMixClassesAndLabelTheMajority) {
  // West half water, east half vegetation, on a coarse synthetic map.
  const int h = 18, w = 36;
  std::vector<LandCover> classes(w * h, LandCover::kWater);
  for (int r = 0; r < h; ++r) {
    for (int c = w / 2; c < w; ++c) classes[r * w + c] = LandCover::kVegetation;
  }
  ORBITFL_ASSERT_OK_AND_ASSIGN(auto map,
                               LandCoverMap::FromClasses(w, h, classes));
  TileOptions options;
  options.pixels = 32;
  options.ground_km = 100;
  options.noise_stddev = 0;
  TileSynthesizer synth(map.get(), options, 5);
  // Centred 20 km east of the coast at lon 0: 70% of the tile is land.
  const Tile tile = synth.Synthesize(10, 20.0 / 109.5, Epoch());
  EXPECT_EQ(tile.label, LandCover::kVegetation);
  // North-up, west on the left: the first column is water, the last land.
  const float west_nir = tile.pixels[(16 * 32 + 0) * kTileBands + kNir];
  const float east_nir = tile.pixels[(16 * 32 + 31) * kTileBands + kNir];
  EXPECT_LT(west_nir, 0.1f);
  EXPECT_GT(east_nir, 0.25f);
}

TEST(TileSynthesizerTest, OverlappingTilesAgreeWithoutSensorNoise) {
  TileOptions options;
  options.pixels = 32;
  options.ground_km = 64;  // 2 km pixels
  options.noise_stddev = 0;
  TileSynthesizer synth(&Earth(), options, 9);
  // Shift the second tile exactly 8 pixels south along the meridian.
  const double shift_deg = 16.0 / (6371.0 * M_PI / 180.0);
  const Tile north = synth.Synthesize(-3, -60, Epoch());
  const Tile south =
      synth.Synthesize(-3 - shift_deg, -60, Epoch() + absl::Hours(5));
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
  EXPECT_LT(max_diff, 1e-3);
}

TEST(TileSynthesizerTest, NoiseHasTheRequestedSpread) {
  // A uniform bare world isolates the sensor noise from class boundaries;
  // bare reflectances sit far from the clamps at 0 and 1.
  ORBITFL_ASSERT_OK_AND_ASSIGN(
      auto map, LandCoverMap::FromClasses(
                    4, 2, std::vector<LandCover>(8, LandCover::kBare)));
  TileOptions quiet, noisy;
  quiet.noise_stddev = 0;
  noisy.noise_stddev = 0.04;
  const Tile a =
      TileSynthesizer(map.get(), quiet, 2).Synthesize(45, 45, Epoch());
  const Tile b =
      TileSynthesizer(map.get(), noisy, 2).Synthesize(45, 45, Epoch());
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
  TileOptions options;
  TileSynthesizer synth(&Earth(), options, 11);
  const Tile pole = synth.Synthesize(90, 0, Epoch());
  EXPECT_EQ(pole.pixels.size(), 32u * 32u * kTileBands);
  EXPECT_EQ(pole.label, LandCover::kIce);
  options.pixels = 0;
  const Tile empty =
      TileSynthesizer(&Earth(), options, 11).Synthesize(0, -150, Epoch());
  EXPECT_TRUE(empty.pixels.empty());
  EXPECT_EQ(empty.label, LandCover::kWater);
}

}  // namespace
}  // namespace orbitfl::world
