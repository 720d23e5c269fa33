#ifndef ORBITFL_ORBIT_SEARCH_H_
#define ORBITFL_ORBIT_SEARCH_H_

// One-dimensional searches used by the window searches: roots of smooth
// margins, maxima of unimodal ones, and a bounded fast arccosine. Internal
// to orbit/.

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/time/time.h"
#include "orbit/frames.h"

namespace orbitfl::orbit::search {

inline constexpr double kInvGoldenRatio = 0.61803398874989484820;

// Finds the crossing of a margin function bracketed by `below` (margin < 0)
// and `above` (margin >= 0), in either order, by the Illinois variant of
// regula falsi (Dowell & Jarratt 1971): margins here are smooth, so it takes
// a few evaluations where bisection takes a dozen. Returns the side above
// the mask once the bracket is within `tolerance`, so every instant of a
// window is in view. Plain doubles (seconds): on the interpolated track
// evaluations are cheap and absl::Time arithmetic would dominate. A bracket
// that is not clean (a failed, NaN, end) is bisected instead.
template <typename Margin>
double IllinoisRootS(const Margin& margin, double below, double above,
                     double tolerance) {
  double f_below = margin(below), f_above = margin(above);
  if (!(f_below < 0) || !(f_above >= 0)) {
    while (std::fabs(above - below) > tolerance) {
      const double mid = below + (above - below) / 2;
      (margin(mid) >= 0 ? above : below) = mid;
    }
    return above;
  }
  const double inset = tolerance / 10;
  int side = 0;  // which end moved last: -1 below, +1 above
  while (std::fabs(above - below) > tolerance) {
    // The secant root, kept a tenth of the tolerance inside the bracket so
    // the bracket always shrinks.
    const double width = above - below;
    const double step_in = width > 0 ? inset : -inset;
    double x = below + width * std::clamp(f_below / (f_below - f_above), 0.0, 1.0);
    if (std::fabs(x - below) < inset) x = below + step_in;
    if (std::fabs(above - x) < inset) x = above - step_in;
    const double f = margin(x);
    if (f >= 0) {
      above = x;
      f_above = f;
      if (side == 1) f_below /= 2;  // Illinois: halve the stale end
      side = 1;
    } else {
      below = x;
      f_below = f;
      if (side == -1) f_above /= 2;
      side = -1;
    }
  }
  return above;
}

// The same on absl::Time, seconds counted from `below`.
template <typename Margin>
absl::Time IllinoisCrossing(const Margin& margin, absl::Time below,
                            absl::Time above, absl::Duration tolerance) {
  const double x = IllinoisRootS(
      [&](double s) { return margin(below + absl::Seconds(s)); }, 0.0,
      SecondsOf(above - below), SecondsOf(tolerance));
  return below + absl::Seconds(x);
}

// Golden-section search for the maximum of a unimodal margin on [lo, hi],
// in seconds.
template <typename Margin>
std::pair<double, double> GoldenMaxS(const Margin& margin, double lo,
                                     double hi, double tolerance) {
  double x1 = hi - (hi - lo) * kInvGoldenRatio;
  double x2 = lo + (hi - lo) * kInvGoldenRatio;
  double f1 = margin(x1), f2 = margin(x2);
  while (hi - lo > tolerance) {
    if (f1 < f2) {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + (hi - lo) * kInvGoldenRatio;
      f2 = margin(x2);
    } else {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - (hi - lo) * kInvGoldenRatio;
      f1 = margin(x1);
    }
  }
  return f1 >= f2 ? std::make_pair(x1, f1) : std::make_pair(x2, f2);
}

// The same on absl::Time, seconds counted from `lo`.
template <typename Margin>
std::pair<absl::Time, double> GoldenMax(const Margin& margin, absl::Time lo,
                                        absl::Time hi,
                                        absl::Duration tolerance) {
  const auto [x, f] = GoldenMaxS(
      [&](double s) { return margin(lo + absl::Seconds(s)); }, 0.0,
      SecondsOf(hi - lo), SecondsOf(tolerance));
  return {lo + absl::Seconds(x), f};
}

// acos(x) from Abramowitz & Stegun 4.4.45 (error below 6.8e-5 rad), moved
// by 1e-4 rad so it bounds the true value from below or above: skip bounds
// need no more, and libm's acos was a tenth of the window search.
inline double AcosApprox(double x) {
  const double a = std::fabs(std::clamp(x, -1.0, 1.0));
  const double r =
      std::sqrt(1 - a) *
      (1.5707288 + a * (-0.2121144 + a * (0.0742610 - 0.0187293 * a)));
  return x >= 0 ? r : kPi - r;
}
inline double AcosLowerBound(double x) { return AcosApprox(x) - 1e-4; }
inline double AcosUpperBound(double x) { return AcosApprox(x) + 1e-4; }

}  // namespace orbitfl::orbit::search

#endif  // ORBITFL_ORBIT_SEARCH_H_
