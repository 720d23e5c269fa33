#ifndef ORBITFL_SIM_WORLD_TILE_H_
#define ORBITFL_SIM_WORLD_TILE_H_

// Synthetic multiband image tiles of the Earth. A tile is a pure function of
// (centre, time, seed): the land-cover classes under its footprint set each
// pixel's spectrum, plus class-conditioned texture and sensor noise.

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "sim/world/land_cover.h"

namespace orbitfl::world {

inline constexpr int kTileBands = 4;  // B, G, R, NIR

struct TileOptions {
  int pixels = 32;            // tile edge, pixels
  double ground_km = 60.0;    // tile edge on the ground
  double noise_stddev = 0.04; // reflectance units (0..1)
};

struct Tile {
  // Reflectance in [0, 1], layout H x W x C (C = kTileBands), row-major.
  std::vector<float> pixels;
  // Majority class of the footprint: the label.
  LandCover label = LandCover::kWater;
  double lat_deg = 0;
  double lon_deg = 0;
};

class TileSynthesizer {
 public:
  // `map` must outlive the synthesizer.
  TileSynthesizer(const LandCoverMap* map, const TileOptions& options,
                  uint64_t seed);
  // Deterministic: the same (lat, lon, t) and seed give the same tile.
  Tile Synthesize(double lat_deg, double lon_deg, absl::Time t) const;
  const TileOptions& options() const { return options_; }

 private:
  const LandCoverMap* map_;
  TileOptions options_;
  uint64_t seed_;
};

}  // namespace orbitfl::world

#endif  // ORBITFL_SIM_WORLD_TILE_H_
