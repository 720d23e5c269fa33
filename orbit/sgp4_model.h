#ifndef ORBITFL_ORBIT_SGP4_MODEL_H_
#define ORBITFL_ORBIT_SGP4_MODEL_H_

// SGP4/SDP4 initialisation: from a TLE's mean elements to the constants of
// the time step (V2006 twoline2rv, initl, sgp4init; see sgp4_kernel.h for
// the references). Internal to orbit/.

#include "absl/status/status.h"
#include "orbit/sgp4_deep.h"
#include "orbit/sgp4_kernel.h"
#include "orbit/tle.h"

namespace orbitfl::orbit::sgp4_internal {

struct Sgp4Model {
  // Period >= 225 min: SDP4, with lunar-solar and resonance terms.
  bool deep_space = false;
  // Secular and drag coefficients; for deep space the higher-order drag
  // terms are zero (V2006 forces the simplified model there).
  NearEarthCoefficients near;
  DeepSpaceModel deep;  // meaningful when deep_space
};

// InvalidArgument naming the field (without the satellite: callers add it)
// for elements SGP4 cannot start from: eccentricity outside [0, 1), mean
// motion <= 0 (also after removing the Kozai term: error 2), inclination
// outside [0, 180] deg, non-finite values.
absl::Status InitSgp4(const Tle& tle, Sgp4Model* model);

// Days from 1950 January 0.0 UTC (JD 2433281.5) to the TLE epoch, as
// V2006's `epoch`.
double EpochDaysSince1950(int year, double day_of_year);

// Greenwich mean sidereal time (IAU-82, V2006 gstime) of a Julian date
// given as days since 1950 January 0.0, radians in [0, 2 pi).
double GstimeRad(double days_since_1950);

}  // namespace orbitfl::orbit::sgp4_internal

#endif  // ORBITFL_ORBIT_SGP4_MODEL_H_
