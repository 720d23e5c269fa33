#ifndef ORBITFL_ORBIT_SGP4_DEEP_H_
#define ORBITFL_ORBIT_SGP4_DEEP_H_

// SDP4's deep-space terms for periods of 225 min and more: lunar and solar
// secular and long-period perturbations, and the resonance of 12 h and
// 24 h orbits with the Earth's tesseral harmonics, integrated in 720 min
// steps. Hoots & Roehrich, Spacetrack Report #3 (1980), sec. 10 (DEEP), as
// restructured by V2006 into dscom, dsinit, dspace and dpper (improved
// mode: GMST by IAU-82, Lyddane choice on the perturbed inclination).
// Internal to orbit/.

#include "orbit/sgp4_kernel.h"

namespace orbitfl::orbit::sgp4_internal {

// Initialisation inputs (mean elements and the near-Earth secular rates).
struct DeepSpaceInput {
  double epoch_days_since_1950 = 0;
  double ecco = 0, argpo = 0, inclo = 0, nodeo = 0, mo = 0;
  double no_unkozai = 0, mdot = 0, argpdot = 0, nodedot = 0, xpidot = 0;
  double gsto = 0;  // GMST at epoch, rad
};

struct DeepSpaceModel {
  // Lunar-solar long-period coefficients (dscom): s* for the Sun, x*/e*
  // for the Moon; zmos, zmol their mean anomalies at epoch.
  double se2 = 0, se3 = 0, si2 = 0, si3 = 0, sl2 = 0, sl3 = 0, sl4 = 0;
  double sgh2 = 0, sgh3 = 0, sgh4 = 0, sh2 = 0, sh3 = 0;
  double ee2 = 0, e3 = 0, xi2 = 0, xi3 = 0, xl2 = 0, xl3 = 0, xl4 = 0;
  double xgh2 = 0, xgh3 = 0, xgh4 = 0, xh2 = 0, xh3 = 0;
  double zmos = 0, zmol = 0;
  // Lunar-solar secular rates (dsinit), rad/min.
  double dedt = 0, didt = 0, dmdt = 0, dnodt = 0, domdt = 0;
  // Resonance: 0 none, 1 synchronous (24 h), 2 half-day (12 h, e >= 0.5).
  int irez = 0;
  double d2201 = 0, d2211 = 0, d3210 = 0, d3222 = 0, d4410 = 0, d4422 = 0;
  double d5220 = 0, d5232 = 0, d5421 = 0, d5433 = 0;
  double del1 = 0, del2 = 0, del3 = 0;
  double xfact = 0, xlamo = 0;
  // Copies the time step needs.
  double gsto = 0, argpo = 0, argpdot = 0, no_unkozai = 0;
};

void InitDeepSpace(const DeepSpaceInput& in, DeepSpaceModel* model);

// dspace: adds the lunar-solar secular terms and the resonance terms at t
// (minutes from epoch) to the mean elements. The resonance integrator
// starts from epoch on every call (V2006 keeps its last step as state; from
// epoch, the same 720 min steps give the same numbers).
void DeepSecular(const DeepSpaceModel& m, double t, double* em, double* argpm,
                 double* inclm, double* mm, double* nodem, double* nm);

// dpper: adds the lunar-solar long-period periodics at t to the elements.
void DeepPeriodic(const DeepSpaceModel& m, double t, double* ep, double* inclp,
                  double* nodep, double* argpp, double* mp);

// The whole SDP4 time step for one satellite: secular terms, deep-space
// terms, Kepler's equation and the short-period terms. error_code as
// ErrorCode; the state is meaningless when it is not kOk.
LaneState PropagateDeepSpace(const NearEarthCoefficients& c,
                             const DeepSpaceModel& m, double t);

}  // namespace orbitfl::orbit::sgp4_internal

#endif  // ORBITFL_ORBIT_SGP4_DEEP_H_
