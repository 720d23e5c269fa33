#ifndef ORBITFL_ORBIT_VISIBILITY_H_
#define ORBITFL_ORBIT_VISIBILITY_H_

// Satellite-to-ground-station visibility windows: a coarse scan of elevation
// with a step shorter than the shortest pass worth keeping, then bisection
// of each mask crossing (the pattern of dnwrnr/sgp4's pass predictor).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orbit/frames.h"
#include "orbit/propagator.h"

namespace orbitfl::orbit {

struct GroundStation {
  std::string name;
  Geodetic location;           // lat/lon radians, alt km
  double min_elevation_rad = 0;
};

struct ContactWindow {
  int satellite = 0;  // index into the propagators passed in
  int station = 0;    // index into the stations passed in
  absl::Time start;   // elevation rises through the mask
  absl::Time end;     // elevation sets through the mask
  double max_elevation_rad = 0;
};

struct WindowSearchOptions {
  absl::Time start;
  absl::Time stop;
  // Ephemeris step. Passes shorter than a step are still found when their
  // peak lies within 10 deg of the mask between three samples.
  absl::Duration scan_step = absl::Seconds(60);
  // Mask crossings are found to within this.
  absl::Duration tolerance = absl::Milliseconds(10);
  // Satellites are searched on this many threads; the result is the same
  // for any number.
  int num_threads = 1;
};

// All windows of every satellite over every station within [start, stop],
// sorted by (start, satellite, station). A window already open at `start`
// starts at `start`; one still open at `stop` ends at `stop`. Each satellite
// is propagated once per scan step and shared across all stations. Every
// Propagator must allow concurrent const calls when num_threads > 1.
absl::StatusOr<std::vector<ContactWindow>> FindGroundWindows(
    const std::vector<const Propagator*>& satellites,
    const std::vector<GroundStation>& stations,
    const WindowSearchOptions& options);

// Elevation of a satellite seen from a station at t (radians).
double ElevationRad(const Propagator& satellite, const GroundStation& station,
                    absl::Time t);

// Distance from a station to a satellite at t (km).
double SlantRangeKm(const Propagator& satellite, const GroundStation& station,
                    absl::Time t);

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_VISIBILITY_H_
