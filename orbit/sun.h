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

// Mean solar radius (IAU 2015 nominal value, rounded) and the astronomical
// unit (IAU 2012 resolution B2).
inline constexpr double kSunRadiusKm = 696000.0;
inline constexpr double kAstronomicalUnitKm = 149597870.7;

// Distance from the Earth's centre to the Sun (km), from the same Almanac
// formulae as SunDirectionInertial (R in AU, about 1e-4 AU).
double SunDistanceKm(absl::Time t);

// Sun position in the inertial frame (km from the Earth's centre).
Vec3 SunPositionInertial(absl::Time t);

enum class Illumination { kSunlit, kPenumbra, kUmbra };

// Whether a satellite sees the whole solar disc, part of it, or none, with
// the conical shadow model: the Sun is a sphere of kSunRadiusKm at its
// Almanac distance, the Earth a sphere of the equatorial radius (no
// atmosphere, no oblateness; the shadow edge moves by up to about 20 km, a
// few seconds of a LEO eclipse). An annular eclipse (the Sun's disc inside
// the Earth's, only possible beyond about 1.4 million km) counts as
// penumbra.
Illumination SatelliteIllumination(const Vec3& r_inertial_km, absl::Time t);

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_SUN_H_
