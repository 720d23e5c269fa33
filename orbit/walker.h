#ifndef ORBITFL_ORBIT_WALKER_H_
#define ORBITFL_ORBIT_WALKER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orbit/propagator.h"

namespace orbitfl::orbit {

// Walker delta pattern T/P/F (Walker 1984): T satellites in P planes with
// RAAN spaced 360/P deg over the full circle, T/P satellites per plane
// evenly spaced in argument of latitude, and an inter-plane phase offset of
// F*360/T deg. Circular orbits.
struct WalkerDeltaOptions {
  int total = 0;
  int planes = 0;
  int phasing = 0;          // 0 <= F < P
  double altitude_km = 0;   // above the equatorial radius
  double inclination_deg = 0;
  absl::Time epoch;
  std::string name_prefix = "sat";
};

struct NamedElements {
  std::string name;  // PREFIX-PP-SS, plane and slot from 0, two digits
  int plane = 0;
  int slot = 0;
  KeplerElements elements;
};

// InvalidArgument naming the field when T, P, F, altitude or inclination is
// out of range (T % P != 0, altitude <= 0 or > 100000 km, inclination
// outside [0, 180]).
absl::StatusOr<std::vector<NamedElements>> WalkerDelta(
    const WalkerDeltaOptions& options);

// Walker star pattern (polar "streets of coverage"): the same T/P/F, names
// and slot phasing as WalkerDelta, but the P planes' RAANs are spaced
// 180/P deg, spread over half the circle, so ascending and descending halves
// of the planes interleave and planes P-1 and 0 meet counter-rotating at the
// seam. The options are validated as for WalkerDelta, with messages naming
// "walker_star." fields.
absl::StatusOr<std::vector<NamedElements>> WalkerStar(
    const WalkerDeltaOptions& options);

// Inclination (deg, retrograde, in (90, 180]) of a circular orbit at
// `altitude_km` above the equatorial radius whose secular J2 nodal rate
// equals the Sun's mean motion, 360 deg per tropical year. Uses the same
// rate formula as J2Propagator, so a J2Propagator at this inclination is
// sun-synchronous. InvalidArgument naming "sun_synchronous.altitude_km" when
// the altitude is not positive and finite, or too high for any inclination
// to turn the node that fast (above about 5,974 km).
absl::StatusOr<double> SunSynchronousInclinationDeg(double altitude_km);

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_WALKER_H_
