#ifndef ORBITFL_ORBIT_SGP4_KERNEL_H_
#define ORBITFL_ORBIT_SGP4_KERNEL_H_

// The SGP4 time step shared by the scalar propagator and the batch:
// constants, the near-Earth coefficients of many satellites in
// structure-of-arrays form, the block kernel that propagates them, and the
// Kepler and short-period stages that the deep-space path reuses.
//
// Equations: Hoots & Roehrich, Spacetrack Report #3 (1980), sec. 6 (SGP4),
// as revised by Vallado, Crawford, Hujsak & Kelso, "Revisiting Spacetrack
// Report #3", AIAA 2006-6753 (hereafter V2006), in its improved ('i') mode.
// Variable names follow V2006 so each line can be checked against it.
// Units: Earth radii (WGS-72), minutes, radians, unless a name says km.
//
// Internal to orbit/.

#include <cmath>
#include <cstddef>
#include <vector>

#include "absl/base/attributes.h"
#include "orbit/frames.h"
#include "orbit/sgp4_math.h"

namespace orbitfl::orbit::sgp4_internal {

// WGS-72 as SGP4 uses it (V2006, getgravconst "wgs72").
inline constexpr double kRadiusEarthKm = 6378.135;
inline constexpr double kMuKm3S2 = 398600.8;
// sqrt(mu / R^3) in 1/min, i.e. 60 / sqrt(R^3 / mu).
inline constexpr double kXke = 0.07436691613317342;
inline constexpr double kJ2 = 0.001082616;
inline constexpr double kJ3 = -0.00000253881;
inline constexpr double kJ4 = -0.00000165597;
inline constexpr double kJ3OverJ2 = kJ3 / kJ2;
inline constexpr double kTwoPi = 2.0 * kPi;
inline constexpr double kTwoThirds = 2.0 / 3.0;
// Earth radii per minute to km/s.
inline constexpr double kVelocityKmS = kRadiusEarthKm * kXke / 60.0;

// V2006's error codes (5 is retired).
enum ErrorCode : int {
  kOk = 0,
  kMeanEccentricity = 1,       // mean e outside [-0.001, 1)
  kMeanMotion = 2,             // mean motion <= 0
  kPerturbedEccentricity = 3,  // e after lunar-solar periodics outside [0, 1]
  kSemiLatusRectum = 4,        // p < 0
  kDecayed = 6,                // radius below 1 Earth radius
};

// Per-satellite constants of the near-Earth (period < 225 min) model, set
// by InitSgp4 (sgp4_model.h). For the "simplified" model (perigee below
// 220 km) the higher-order drag coefficients are zero, which reduces the
// full-model expressions to the simplified ones exactly.
enum NearEarthField : int {
  kMo,
  kMdot,
  kArgpo,
  kArgpdot,
  kNodeo,
  kNodedot,
  kNodecf,
  kBstar,
  kCc1,
  kCc4,
  kCc5,
  kD2,
  kD3,
  kD4,
  kT2cof,
  kT3cof,
  kT4cof,
  kT5cof,
  kOmgcof,
  kXmcof,
  kEta,
  kDelmo,
  kSinmao,
  kNoUnkozai,
  kAmBase,  // kAmBase = (xke / no_unkozai)^(2/3)
  kEcco,
  kInclo,
  kSinio,
  kCosio,
  kCon41,
  kX1mth2,
  kX7thm1,
  kXlcof,
  kAycof,
  kNumNearEarthFields
};

struct NearEarthCoefficients {
  double value[kNumNearEarthFields] = {};
};

// Coefficients of many satellites, field-major (all kMo, then all kMdot,
// ...), padded to a multiple of `lane_multiple` with copies of the first
// satellite so that every block is full.
class NearEarthSet {
 public:
  static constexpr int kBlockLanes = 32;

  NearEarthSet(const std::vector<NearEarthCoefficients>& sats,
               int lane_multiple);
  int size() const { return size_; }
  int padded_size() const { return stride_; }
  const double* field(NearEarthField f) const {
    return data_.data() + static_cast<size_t>(f) * stride_;
  }

 private:
  int size_ = 0;
  int stride_ = 0;
  std::vector<double> data_;
};

// States of a block of lanes. Error codes are doubles so that the kernel's
// loops stay in one type; error_value is the quantity that failed (mean
// eccentricity, mean motion, p or radius in Earth radii).
template <int N>
struct LaneStates {
  double x_km[N], y_km[N], z_km[N];
  double vx_km_s[N], vy_km_s[N], vz_km_s[N];
  double error_code[N];
  double error_value[N];
};

// Propagates lane `lane` of `set` to `minutes_since_epoch` (the scalar
// propagator's path).
void PropagateNearEarthLane(const NearEarthSet& set, int lane,
                            double minutes_since_epoch, LaneStates<1>* out);

// The instruction set of the block kernel. kAuto: AVX2 (four lanes per
// instruction) on x86-64 CPUs that have it, else the baseline (SSE2 on
// x86-64). AVX2 is used without FMA, so every operation rounds as in the
// baseline and the two give identical results.
enum class BlockIsa { kAuto, kBaseline, kAvx2 };
bool CpuHasAvx2();

// Propagates lanes [first, first + kBlockLanes) of `set` to
// minutes_since_epoch[0..kBlockLanes). kAvx2 requires CpuHasAvx2().
void PropagateNearEarthBlock(const NearEarthSet& set, int first,
                             const double* minutes_since_epoch,
                             LaneStates<NearEarthSet::kBlockLanes>* out,
                             BlockIsa isa = BlockIsa::kAuto);

// One Newton step for Kepler's equation in equinoctial form,
// E - axnl sin E + aynl cos E = u, from the estimate eo1 (V2006 sgp4()).
// Returns the step, clamped to +-0.95, and sin/cos of eo1.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline double KeplerStep(double u, double axnl,
                                                      double aynl, double eo1,
                                                      double* sineo1,
                                                      double* coseo1) {
  SinCos(eo1, sineo1, coseo1);
  double tem5 = 1.0 - *coseo1 * axnl - *sineo1 * aynl;
  tem5 = (u - aynl * *coseo1 + axnl * *sineo1 - eo1) / tem5;
  return std::fabs(tem5) >= 0.95 ? (tem5 > 0.0 ? 0.95 : -0.95) : tem5;
}

// Newton's iteration as V2006 runs it: while the last step is at least
// 1e-12 and at most 10 steps. sin/cos are those of the last estimate the
// step was computed from.
inline void SolveKepler(double u, double axnl, double aynl, double* sineo1,
                        double* coseo1) {
  double eo1 = u, tem5 = 9999.9;
  for (int ktr = 1; std::fabs(tem5) >= 1.0e-12 && ktr <= 10; ++ktr) {
    tem5 = KeplerStep(u, axnl, aynl, eo1, sineo1, coseo1);
    eo1 += tem5;
  }
}

// Inputs of the short-period stage: mean elements after the secular (and,
// for deep space, lunar-solar) terms, and the solution of Kepler's
// equation.
struct ShortPeriodInput {
  double am, nm, axnl, aynl, sineo1, coseo1, nodep, xincp, sinip, cosip;
  double con41, x1mth2, x7thm1;
};

struct LaneState {
  double r_km[3], v_km_s[3];
  double error_code, error_value;
};

// Short-period J2 terms and the orientation vectors (Spacetrack Report #3
// eqs. for SGP4 "short period preliminary quantities" through "position and
// velocity"; V2006 sgp4()). Error 4 when p < 0, 6 when the radius is below
// one Earth radius; the state is still computed (as V2006 does).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline LaneState ShortPeriodic(
    const ShortPeriodInput& in) {
  const double am = in.am, axnl = in.axnl, aynl = in.aynl;
  const double ecose = axnl * in.coseo1 + aynl * in.sineo1;
  const double esine = axnl * in.sineo1 - aynl * in.coseo1;
  const double el2 = axnl * axnl + aynl * aynl;
  const double pl = am * (1.0 - el2);
  const double rl = am * (1.0 - ecose);
  const double rdotl = std::sqrt(am) * esine / rl;
  const double rvdotl = std::sqrt(pl) / rl;
  const double betal = std::sqrt(1.0 - el2);
  double temp = esine / (1.0 + betal);
  const double sinu = am / rl * (in.sineo1 - aynl - axnl * temp);
  const double cosu = am / rl * (in.coseo1 - axnl + aynl * temp);
  double su = Atan2(sinu, cosu);
  const double sin2u = (cosu + cosu) * sinu;
  const double cos2u = 1.0 - 2.0 * sinu * sinu;
  temp = 1.0 / pl;
  const double temp1 = 0.5 * kJ2 * temp;
  const double temp2 = temp1 * temp;

  // Update for short-period periodics.
  const double mrt = rl * (1.0 - 1.5 * temp2 * betal * in.con41) +
                     0.5 * temp1 * in.x1mth2 * cos2u;
  su = su - 0.25 * temp2 * in.x7thm1 * sin2u;
  const double xnode = in.nodep + 1.5 * temp2 * in.cosip * sin2u;
  const double xinc = in.xincp + 1.5 * temp2 * in.cosip * in.sinip * cos2u;
  const double mvt = rdotl - in.nm * temp1 * in.x1mth2 * sin2u / kXke;
  const double rvdot =
      rvdotl + in.nm * temp1 * (in.x1mth2 * cos2u + 1.5 * in.con41) / kXke;

  // Orientation vectors.
  double sinsu, cossu, snod, cnod, sini, cosi;
  SinCos(su, &sinsu, &cossu);
  SinCos(xnode, &snod, &cnod);
  SinCos(xinc, &sini, &cosi);
  const double xmx = -snod * cosi;
  const double xmy = cnod * cosi;
  const double ux = xmx * sinsu + cnod * cossu;
  const double uy = xmy * sinsu + snod * cossu;
  const double uz = sini * sinsu;
  const double vx = xmx * cossu - cnod * sinsu;
  const double vy = xmy * cossu - snod * sinsu;
  const double vz = sini * cossu;

  LaneState s;
  const double mr = mrt * kRadiusEarthKm;
  s.r_km[0] = mr * ux;
  s.r_km[1] = mr * uy;
  s.r_km[2] = mr * uz;
  s.v_km_s[0] = (mvt * ux + rvdot * vx) * kVelocityKmS;
  s.v_km_s[1] = (mvt * uy + rvdot * vy) * kVelocityKmS;
  s.v_km_s[2] = (mvt * uz + rvdot * vz) * kVelocityKmS;
  // Error 4 before 6, as 0/1 arithmetic (exact) rather than nested
  // selects, which the compiler may turn into branches.
  const double is4 = pl < 0.0 ? 1.0 : 0.0;
  const double is6 = mrt < 1.0 ? 1.0 : 0.0;
  s.error_code = is4 * kSemiLatusRectum + (1.0 - is4) * is6 * kDecayed;
  s.error_value = pl < 0.0 ? pl : mrt;
  return s;
}

}  // namespace orbitfl::orbit::sgp4_internal

#endif  // ORBITFL_ORBIT_SGP4_KERNEL_H_
