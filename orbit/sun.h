#ifndef ORBITFL_ORBIT_SUN_H_
#define ORBITFL_ORBIT_SUN_H_

#include "absl/time/time.h"
#include "orbit/frames.h"

namespace orbitfl::orbit {

// Unit vector to the Sun in the inertial frame, from the Astronomical
// Almanac's low-precision formulae (about 0.01 deg, 1950-2050).
Vec3 SunDirectionInertial(absl::Time t);

// Elevation of the Sun above the local horizon at a geodetic point
// (radians; negative at night).
double SunElevationRad(const Geodetic& where, absl::Time t);

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_SUN_H_
