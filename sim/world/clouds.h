#ifndef ORBITFL_SIM_WORLD_CLOUDS_H_
#define ORBITFL_SIM_WORLD_CLOUDS_H_

// A seeded, time-evolving global cloud field. Cloud opacity at a point is a
// threshold of multi-scale value noise (systems of ~1000 km down to cells of
// a few km) against the local climatological cover, so that the fraction
// of cloudy sky follows a zonal climatology: the tropics' convergence zone
// and the mid-latitude storm tracks cloudy, the subtropical highs clear,
// and deserts (bare ground on the land-cover map) drier still. The noise
// evolves by blending independent fields every `evolution` period, so the
// sky over a place decorrelates over a few periods.

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "sim/world/land_cover.h"

namespace orbitfl::world {

struct CloudOptions {
  // Multiplies the climatological cover everywhere (0 gives a clear sky).
  double cover_scale = 1.0;
  // Lifetime of a weather pattern: the field blends to an independent one
  // over this period.
  absl::Duration evolution = absl::Hours(6);
  // Width of a cloud's soft edge, in units of cover (thin cloud between
  // clear and opaque).
  double edge_softness = 0.08;
};

class CloudField {
 public:
  // `map` (may be null: no desert drying) must outlive the field.
  CloudField(const LandCoverMap* map, const CloudOptions& options,
             uint64_t seed);

  // Zonal-mean fraction of sky covered at this latitude, before the
  // desert modulation (a smooth fit to satellite climatologies such as
  // ISCCP and MODIS: ~0.65 at the ITCZ, ~0.45 over the subtropical highs,
  // ~0.8 over the Southern Ocean's storm track).
  static double ZonalCover(double lat_deg);
  // Expected cover at a place: ZonalCover, lowered over deserts, times
  // cover_scale, clamped to [0, 1].
  double ExpectedCover(double lat_deg, double lon_deg) const;

  // Opacity in [0, 1] (0 clear, 1 opaque cloud) on a separable grid of
  // points (see ValueNoiseGrid), using the lattice of latitude band
  // `ref_lat_deg`.
  void OpacityGrid(const std::vector<double>& row_lat,
                   const std::vector<double>& col_lon, double ref_lat_deg,
                   absl::Time t, std::vector<float>* out) const;
  // Opacity at one point, on the lattice of its own latitude band.
  float OpacityAt(double lat_deg, double lon_deg, absl::Time t) const;

  const CloudOptions& options() const { return options_; }

 private:
  // Fraction of bare ground in 2-degree boxes, smoothed.
  std::vector<float> dryness_;
  CloudOptions options_;
  uint64_t seed_;
};

}  // namespace orbitfl::world

#endif  // ORBITFL_SIM_WORLD_CLOUDS_H_
