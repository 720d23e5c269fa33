#ifndef ORBITFL_ORBIT_SGP4_MATH_H_
#define ORBITFL_ORBIT_SGP4_MATH_H_

// Branch-free sine/cosine, arctangent and reduction modulo 2 pi for the SGP4
// kernel (orbit/sgp4_kernel.h). libm's versions are calls GCC cannot
// vectorise; these are plain arithmetic and selects, so a loop over
// satellites that uses them vectorises, and the scalar and batch paths,
// which share them, agree bit for bit. Accuracy: about 1 ulp for arguments
// below 1e6 rad in magnitude (the reduction constants lose exactness
// beyond; SGP4's angles there are decades past epoch).
//
// Internal to orbit/: only the SGP4 files include this.

#include <cmath>

#include "absl/base/attributes.h"

namespace orbitfl::orbit::sgp4_internal {

// x rounded to the nearest integer (ties to even), for |x| < 2^51: adding
// and subtracting 1.5 * 2^52 leaves no fraction bits. Needs strict IEEE
// double arithmetic (no -ffast-math), which the project guarantees.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline double RoundToInteger(double x) {
  constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52
  return (x + kShifter) - kShifter;
}

// sin(x) and cos(x). Cody-Waite reduction by pi/2 with pi/2 split into
// P1 + P2 + P3, P1 and P2 of 33 significant bits each, so k * P1 and
// k * P2 are exact for |k| < 2^20; then Taylor polynomials on
// |r| <= pi/4, whose first omitted terms (r^19/19!, r^18/18!) are below
// 1e-17.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void SinCos(double x, double* sin_x,
                                                double* cos_x) {
  constexpr double kTwoOverPi = 0.63661977236758134308;
  constexpr double kP1 = 0x1.921fb544p+0;
  constexpr double kP2 = 0x1.0b4611a6p-34;
  constexpr double kP3 = 0x1.3198a2e037073p-69;
  const double k = RoundToInteger(x * kTwoOverPi);
  const double r = ((x - k * kP1) - k * kP2) - k * kP3;
  const double r2 = r * r;
  // sin r = r - r^3/3! + ... + r^17/17!, cos r = 1 - r^2/2! + ... +
  // r^16/16!, by Horner's rule in r^2.
  constexpr double kSin[] = {-1.0 / 6.0,
                             1.0 / 120.0,
                             -1.0 / 5040.0,
                             1.0 / 362880.0,
                             -1.0 / 39916800.0,
                             1.0 / 6227020800.0,
                             -1.0 / 1307674368000.0,
                             1.0 / 355687428096000.0};
  constexpr double kCos[] = {-1.0 / 2.0,           1.0 / 24.0,
                             -1.0 / 720.0,         1.0 / 40320.0,
                             -1.0 / 3628800.0,     1.0 / 479001600.0,
                             -1.0 / 87178291200.0, 1.0 / 20922789888000.0};
  // Written out: a loop here would keep the callers' loops from
  // vectorising.
  double ps = kSin[7], pc = kCos[7];
  ps = ps * r2 + kSin[6];
  pc = pc * r2 + kCos[6];
  ps = ps * r2 + kSin[5];
  pc = pc * r2 + kCos[5];
  ps = ps * r2 + kSin[4];
  pc = pc * r2 + kCos[4];
  ps = ps * r2 + kSin[3];
  pc = pc * r2 + kCos[3];
  ps = ps * r2 + kSin[2];
  pc = pc * r2 + kCos[2];
  ps = ps * r2 + kSin[1];
  pc = pc * r2 + kCos[1];
  ps = ps * r2 + kSin[0];
  pc = pc * r2 + kCos[0];
  const double s = r + r * r2 * ps;
  const double c = 1.0 + r2 * pc;
  // Quadrant k mod 4 in {0, 1, 2, 3}, computed in doubles.
  const double q = k - 4.0 * RoundToInteger(k * 0.25 - 0.375);
  const bool odd = q == 1.0 || q == 3.0;
  const double sin_r = odd ? c : s;
  const double cos_r = odd ? s : c;
  *sin_x = q >= 2.0 ? -sin_r : sin_r;
  *cos_x = (q == 1.0 || q == 2.0) ? -cos_r : cos_r;
}

// atan2(y, x) in [-pi, pi]. atan(a) for a = min/max of |x|, |y| in [0, 1]
// is reduced around the nearest of tan(j pi/16), j = 0..4, by
// atan(a) = atan(c) + atan((a - c) / (1 + a c)), which leaves
// |t| <= tan(pi/32) ~ 0.0985 for a Taylor series to t^17. atan(c) is kept
// as a double pair (hi + lo) of the exact arctangent of the double c.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline double Atan2(double y, double x) {
  const double ax = std::fabs(x), ay = std::fabs(y);
  const bool swap = ay > ax;
  const double num = swap ? ax : ay;
  const double den = swap ? ay : ax;
  const double a = den > 0.0 ? num / den : 0.0;
  // Expansion point: the largest j whose boundary tan((2j - 1) pi / 32) a
  // exceeds. Written as successive selects rather than a nested
  // conditional, which the compiler would lower to branches.
  double c = 0.0, atan_c_hi = 0.0, atan_c_lo = 0.0;
  const bool above0 = a > 0.09849140335716425;
  c = above0 ? 0.198912367379658 : c;
  atan_c_hi = above0 ? 0.19634954084936207 : atan_c_hi;
  atan_c_lo = above0 ? 6.846802412842648e-18 : atan_c_lo;
  const bool above1 = a > 0.3033466836073424;
  c = above1 ? 0.41421356237309503 : c;
  atan_c_hi = above1 ? 0.39269908169872414 : atan_c_hi;
  atan_c_lo = above1 ? 3.060132146563891e-18 : atan_c_lo;
  const bool above2 = a > 0.5345111359507916;
  c = above2 ? 0.6681786379192989 : c;
  atan_c_hi = above2 ? 0.5890486225480862 : atan_c_hi;
  atan_c_lo = above2 ? -5.412106055318847e-18 : atan_c_lo;
  const bool above3 = a > 0.8206787908286602;
  c = above3 ? 1.0 : c;
  atan_c_hi = above3 ? 0.7853981633974483 : atan_c_hi;
  atan_c_lo = above3 ? 3.061616997868383e-17 : atan_c_lo;
  const double t = (a - c) / (1.0 + a * c);
  const double t2 = t * t;
  // atan t = t - t^3/3 + ... + t^17/17, by Horner's rule in t^2.
  double p = 1.0 / 17.0;
  p = p * t2 - 1.0 / 15.0;
  p = p * t2 + 1.0 / 13.0;
  p = p * t2 - 1.0 / 11.0;
  p = p * t2 + 1.0 / 9.0;
  p = p * t2 - 1.0 / 7.0;
  p = p * t2 + 1.0 / 5.0;
  p = p * t2 - 1.0 / 3.0;
  const double series = t + t * t2 * p;
  double angle = atan_c_hi + (atan_c_lo + series);
  constexpr double kHalfPiHi = 1.5707963267948966;
  constexpr double kHalfPiLo = 6.123233995736766e-17;
  constexpr double kPiHi = 3.141592653589793;
  constexpr double kPiLo = 1.2246467991473532e-16;
  angle = swap ? (kHalfPiHi - angle) + kHalfPiLo : angle;
  angle = x < 0.0 ? (kPiHi - angle) + kPiLo : angle;
  return std::copysign(angle, y);
}

// x - 2 pi trunc(x / 2 pi), as fmod(x, 2 pi) but branch-free: 2 pi is split
// into C1 (32 significant bits, so k * C1 is exact for |k| < 2^21) and C2.
// Where x / 2 pi rounds across an integer the result is off by 2 pi, which
// no caller distinguishes (every use is an angle).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline double ModTwoPi(double x) {
  constexpr double kInvTwoPi = 0.15915494309189535;
  constexpr double kC1 = 0x1.921fb544p+2;
  constexpr double kC2 = 0x1.0b46p-32;
  const double q = x * kInvTwoPi;
  double k = RoundToInteger(q);
  k = std::fabs(k) > std::fabs(q) ? k - std::copysign(1.0, q) : k;
  return (x - k * kC1) - k * kC2;
}

}  // namespace orbitfl::orbit::sgp4_internal

#endif  // ORBITFL_ORBIT_SGP4_MATH_H_
