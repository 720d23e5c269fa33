#ifndef ORBITFL_SIM_WORLD_NOISE_H_
#define ORBITFL_SIM_WORLD_NOISE_H_

// Seeded value noise over the sphere, the building block of the world's
// texture and clouds. Everything here is a pure function of its arguments:
// no state, no global random engine.

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace orbitfl::world {

inline constexpr double kPi = 3.14159265358979323846;
// Mean Earth radius 6371 km: kilometres per degree of latitude.
inline constexpr double kKmPerDegree = 6371.0 * kPi / 180.0;

// splitmix64's finaliser: a cheap, well-mixed hash.
inline uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Hash of an integer lattice cell under `key`.
inline uint64_t CellHash(uint64_t key, int64_t ix, int64_t iy) {
  return Mix(key ^ Mix(static_cast<uint64_t>(ix) * 0x100000001B3ULL ^
                       Mix(static_cast<uint64_t>(iy))));
}

// floor(x) as an integer, for |x| well inside the int64 range: the value of
// static_cast<int64_t>(std::floor(x)) with one conversion instead of two.
inline int64_t FloorToInt(double x) {
  const auto i = static_cast<int64_t>(x);  // truncates toward zero
  return i - (x < static_cast<double>(i) ? 1 : 0);
}

// Uniform value in [-1, 1) from a hash.
inline float HashToSigned(uint64_t h) {
  return static_cast<float>(h >> 40) * (2.0f / 16777216.0f) - 1.0f;
}
// Uniform value in [0, 1) from a hash.
inline float HashToUnit(uint64_t h) {
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
}

// One octave of value noise sampled on a separable grid of ground points:
// row i lies at latitude row_lat[i], column j at longitude col_lon[j]
// (degrees; each list monotonic). Lattice cells are `cell_km` north-south
// and, east-west, an integer number of cells around the parallel (so the
// field wraps at the antimeridian without a seam) chosen to be about
// `cell_km` wide at latitude `ref_lat_deg`. Callers pass a latitude
// rounded by LatitudeBand() so that every tile of a region shares one
// lattice. Writes rows x cols values in [-1, 1] to `out` (row-major),
// smoothstep-interpolated between lattice values keyed by `key`. Costs
// O(rows * cols) plus one hash per lattice node touched, and allocates
// nothing once a thread has sampled a grid of this size (the working
// arrays are thread_local). Every point is blended the same way whatever
// the grid around it, so a grid matches ValueNoiseAt bit for bit.
void ValueNoiseGrid(const std::vector<double>& row_lat,
                    const std::vector<double>& col_lon, double cell_km,
                    double ref_lat_deg, uint64_t key, std::vector<float>* out);

// One field of a sum of fields on one lattice scale.
struct NoiseLayer {
  uint64_t key;
  float weight;
};
// Adds weight * (ValueNoiseGrid's field for key) of each layer in turn to
// `out`, which must hold rows x cols values; layers of weight 0 are
// skipped. The layers share the sampling of the grid's axes, the part of a
// small grid's cost that does not depend on the key.
void AddValueNoiseGrids(const std::vector<double>& row_lat,
                        const std::vector<double>& col_lon, double cell_km,
                        double ref_lat_deg,
                        std::initializer_list<NoiseLayer> layers,
                        std::vector<float>* out);

// The same field at one point.
float ValueNoiseAt(double lat_deg, double lon_deg, double cell_km,
                   double ref_lat_deg, uint64_t key);

// Latitude rounded to the band whose lattice a point uses (whole degrees).
inline double LatitudeBand(double lat_deg) {
  const double r = static_cast<double>(static_cast<int64_t>(
      lat_deg < 0 ? lat_deg - 0.5 : lat_deg + 0.5));
  return r > 89 ? 89 : (r < -89 ? -89 : r);
}

// Number of lattice cells around a parallel for cells about `cell_km` wide
// at `ref_lat_deg`.
int64_t CellsAround(double cell_km, double ref_lat_deg);

// Standard normal CDF.
double NormalCdf(double z);

}  // namespace orbitfl::world

#endif  // ORBITFL_SIM_WORLD_NOISE_H_
