#ifndef ORBITFL_SIM_WORLD_TILE_H_
#define ORBITFL_SIM_WORLD_TILE_H_

// Synthetic multiband image tiles of the Earth. A tile is a pure function of
// (centre, time, seed): the land-cover classes under its footprint set each
// pixel's spectrum and texture (parcels of fields, city blocks and streets,
// dunes, tree crowns), the Sun's elevation at the centre sets the light,
// the cloud field adds clouds and their shadows, and the sensor adds noise.

#include <array>
#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "sim/world/clouds.h"
#include "sim/world/land_cover.h"

namespace orbitfl::world {

inline constexpr int kTileBands = 4;  // B, G, R, NIR

struct TileOptions {
  int pixels = 32;             // tile edge, pixels
  double gsd_m = 30.0;         // ground sample distance, metres per pixel
  double noise_stddev = 0.01;  // sensor noise, reflectance units (0..1)
  double cloud_top_km = 2.0;   // height of cloud tops, for their shadows

  double ground_km() const { return pixels * gsd_m / 1000.0; }
};

struct Tile {
  // Top-of-atmosphere signal scaled so that a surface of reflectance r
  // under an overhead Sun reads r: in [0, 1], layout H x W x C
  // (C = kTileBands), row-major.
  std::vector<float> pixels;
  // Majority class of the footprint (ties to the lower class index).
  LandCover label = LandCover::kWater;
  // Share of the footprint's pixels in each class.
  std::array<float, kNumLandCoverClasses> class_fraction{};
  double lat_deg = 0;
  double lon_deg = 0;
  // Share of pixels under cloud of opacity >= 0.5.
  double cloud_fraction = 0;
  // The Sun's elevation at the centre (negative at night).
  double sun_elevation_deg = 0;
};

class TileSynthesizer {
 public:
  // `map` and `clouds` (null: a clear sky) must outlive the synthesizer.
  TileSynthesizer(const LandCoverMap* map, const CloudField* clouds,
                  const TileOptions& options, uint64_t seed);
  // Deterministic: the same (lat, lon, t) and seed give the same tile.
  Tile Synthesize(double lat_deg, double lon_deg, absl::Time t) const;
  const TileOptions& options() const { return options_; }
  const LandCoverMap& map() const { return *map_; }

 private:
  const LandCoverMap* map_;
  const CloudField* clouds_;
  TileOptions options_;
  uint64_t seed_;
};

}  // namespace orbitfl::world

#endif  // ORBITFL_SIM_WORLD_TILE_H_
