#ifndef ORBITFL_ORBIT_ISL_SCAN_H_
#define ORBITFL_ORBIT_ISL_SCAN_H_

// The inter-satellite window scan behind FindIslWindows (orbit/isl.h): the
// link geometry, the per-slice scan and its windows. Internal to orbit/.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "orbit/isl.h"

namespace orbitfl::orbit::isl_internal {


// Bound on the relative acceleration of two bodies orbiting above the
// surface: twice the surface gravity GM/R^2 = 9.80e-3 km/s^2, rounded up
// for J2 (0.2%). It bounds how far a pair's motion over a step can stray
// from the straight line through its state at one end.
inline constexpr double kMaxRelativeAccelKmS2 = 0.02;

// Samples propagated per call of Propagator::PropagateSeries. Blocks are
// aligned to the search's sample grid, not to a slice, so every sample
// comes from the same call whatever the number of threads.
inline constexpr int kSeriesBlock = 32;


// Function forms of frames.h's (inline) operators, which read better in the
// long expressions below.
inline Vec3 Plus(const Vec3& a, const Vec3& b) { return a + b; }
inline Vec3 Minus(const Vec3& a, const Vec3& b) { return a - b; }
inline Vec3 Times(double s, const Vec3& v) { return s * v; }

// SegmentClearanceKm, given d = b - a and |d|^2.
inline double Clearance(const Vec3& a_km, const Vec3& d_km, double d_sq) {
  // Closest point of the segment a + s d, s in [0, 1], to the origin.
  const double s =
      d_sq > 0 ? std::clamp(-Dot(a_km, d_km) / d_sq, 0.0, 1.0) : 0.0;
  return Norm(Plus(a_km, Times(s, d_km)));
}

// Cubic position over one step, p(u) = c0 + c1 u + c2 u^2 + c3 u^3 for u in
// [0, 1]: the Hermite interpolant of a trajectory from positions and
// velocities at both ends (e.g. Burden and Faires, "Numerical Analysis",
// sec. 3.4). Its error is at most h^4/384 max|p''''|, about 2 cm per
// satellite for LEO and a 30 s step; it only seeds searches that the exact
// propagator then confirms.
struct Cubic {
  Vec3 c0, c1, c2, c3;
  Vec3 At(double u) const {
    return Plus(c0, Times(u, Plus(c1, Times(u, Plus(c2, Times(u, c3))))));
  }
  // dp/du.
  Vec3 Slope(double u) const {
    return Plus(c1, Times(u, Plus(Times(2.0, c2), Times(3.0 * u, c3))));
  }
};

// One satellite at one sample; a cache line each, as the scan reads them
// in partner order.
struct alignas(64) State {
  Vec3 r_km;
  Vec3 v_km_s;
  double r_sq_km2 = 0;  // |r|^2
};

inline Cubic Hermite(const State& s0, const State& s1, double h_s) {
  const Vec3 m0 = Times(h_s, s0.v_km_s), m1 = Times(h_s, s1.v_km_s);
  const Vec3 dp = Minus(s1.r_km, s0.r_km);
  return {s0.r_km, m0, Minus(Times(3.0, dp), Plus(Times(2.0, m0), m1)),
          Minus(Plus(m0, m1), Times(2.0, dp))};
}

// Range and the in-view margin of one pair at one instant: the margin is
// the smaller of the spare range and the spare clearance above the
// grazing sphere, so the pair is in view exactly when it is >= 0.
struct Geometry {
  double range_km = 0;
  double margin_km = 0;
  bool in_view() const { return margin_km >= 0; }
};

class LinkModel {
 public:
  LinkModel(double max_range_km, double min_clearance_km)
      : max_range_km_(max_range_km),
        min_clearance_km_(min_clearance_km),
        surely_out_sq_((max_range_km + 1e-6) * (max_range_km + 1e-6)),
        clear_for_sure_sq_(min_clearance_km * min_clearance_km * (1 + 1e-9)) {}
  Geometry At(const Vec3& a_km, const Vec3& b_km) const {
    const Vec3 d = Minus(b_km, a_km);
    const double d_sq = Dot(d, d);
    const double range_km = std::sqrt(d_sq);
    return {range_km, std::min(max_range_km_ - range_km,
                               Clearance(a_km, d, d_sq) - min_clearance_km_)};
  }
  // Whether a pair this far apart is out of view for sure; used to skip
  // computing the geometry (the margin's range term is below -1 mm).
  bool SurelyOut(double d_sq) const { return d_sq > surely_out_sq_; }
  // The range and At(a, b).in_view() for the scan's inner loop, with the
  // clearance computed only when the radii leave line of sight in doubt: a
  // segment of length L between points at least r from the centre stays at
  // least sqrt(r^2 - L^2/4) from it (the nearer end is within L/2 of the
  // segment's closest point, at a right angle).
  // d = b - a, d_sq = |d|^2.
  std::pair<double, bool> RangeAndInView(const State& a, const State& b,
                                         const Vec3& d, double d_sq) const {
    const double range_km = std::sqrt(d_sq);
    if (!(max_range_km_ - range_km >= 0)) return {range_km, false};
    if (std::min(a.r_sq_km2, b.r_sq_km2) - 0.25 * d_sq >= clear_for_sure_sq_) {
      return {range_km, true};
    }
    return {range_km, Clearance(a.r_km, d, d_sq) - min_clearance_km_ >= 0};
  }
  double max_range_km() const { return max_range_km_; }

 private:
  double max_range_km_;
  double min_clearance_km_;
  double surely_out_sq_;
  double clear_for_sure_sq_;  // a hair above the minimum clearance squared
};

// Illinois variant of regula falsi (Dowell and Jarratt, BIT 11, 1971) on a
// bracket [lo, hi] where f changes sign; stops when the bracket is below
// u_tol. Superlinear on smooth roots, never leaves the bracket.
template <typename F>
double FindRoot(const F& f, double lo, double f_lo, double hi, double f_hi,
                double u_tol) {
  if (f_lo == 0) return lo;
  if (f_hi == 0) return hi;
  int last_side = 0;
  for (int i = 0; i < 100 && hi - lo > u_tol; ++i) {
    double u = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
    if (!(u > lo && u < hi)) u = 0.5 * (lo + hi);
    const double f_u = f(u);
    if (f_u == 0) return u;
    if ((f_u < 0) == (f_lo < 0)) {
      lo = u;
      f_lo = f_u;
      if (last_side == -1) f_hi *= 0.5;
      last_side = -1;
    } else {
      hi = u;
      f_hi = f_u;
      if (last_side == 1) f_lo *= 0.5;
      last_side = 1;
    }
  }
  return 0.5 * (lo + hi);
}

// A window as one time slice sees it: the open_at_* flags mark windows cut
// by the slice's first or last sample, to be joined with the neighbour's.
struct RawWindow {
  IslWindow window;
  // The window starts in (t[k-1], t[k]] for k = start_step + the slice's
  // first sample; 0 marks a window open at that first sample.
  int32_t start_step = 0;
  bool open_at_end = false;
  bool open_at_start() const { return start_step == 0; }
};

// A slice's windows with the order that sorts them by (start, a, b).
struct SliceWindows {
  std::vector<RawWindow> windows;
  std::vector<uint32_t> order;
};

inline bool ByStartAB(const IslWindow& x, const IslWindow& y) {
  return std::tie(x.start, x.a, x.b) < std::tie(y.start, y.a, y.b);
}

// What every slice shares, read-only.
struct ScanContext {
  const std::vector<const Propagator*>* satellites = nullptr;
  IslOptions options;
  LinkModel link{0, 0};
  // Partners b > a that the policy allows, per satellite; empty for
  // kAnyInRange, which finds partners through the grid.
  std::vector<std::vector<int>> partners;
  int64_t num_steps = 0;  // samples 0..num_steps, the last one at stop

  absl::Time SampleTime(int64_t k) const {
    return k == num_steps ? options.stop
                          : options.start + k * options.scan_step;
  }
};

// Scans the samples [first, last] of the search: windows open at `first`
// start there, windows open at `last` end there (and carry the flags).
class SliceScan {
 public:
  SliceScan(const ScanContext& ctx, int64_t first, int64_t last)
      : ctx_(ctx), link_(ctx.link), first_(first), last_(last) {
    const size_t n = ctx.satellites->size();
    prev_.resize(n);
    cur_.resize(n);
    series_.resize(n * kSeriesBlock);
    open_.resize(n);
    stamp_.assign(n, 0);
  }

  SliceWindows Run();

 private:
  // An open window's fields read every step, 24 bytes (the scan streams
  // through all of them); its start time sits in a parallel vector.
  struct OpenWindow {
    int b = 0;
    int32_t start_step = 0;  // as in RawWindow
    double min_range_km = 0;
    double rate = 0;  // RangeRate at the last sample
  };
  struct OpenList {
    std::vector<OpenWindow> windows;
    std::vector<absl::Time> starts;
    void Plus(const OpenWindow& w, absl::Time start) {
      windows.push_back(w);
      starts.push_back(start);
    }
  };
  // An exactly evaluated instant of the current step; u in [0, 1].
  struct Probe {
    absl::Time time;
    double u = 0;
    Geometry geometry;
  };
  struct Edge {
    absl::Time time;
    double range_km = 0;  // exact, at `time`
  };
  struct PairMotion {
    int a = 0, b = 0;
    Cubic ca, cb;
  };

  void Sample(int64_t k);
  template <typename Visit>
  void ForEachSatellite(double search_km, const Visit& visit);
  // Fills near_pairs_[0, returned count).
  size_t FindNearPairs(double search_km);
  void Start(int a, absl::Span<const int> candidates);
  void Advance(int a, absl::Span<const int> candidates);
  // Carries an open window over the step, given the range rate, range and
  // view at t1; false once it has closed.
  bool Carry(int a, OpenWindow& w, absl::Time& start, double rate1,
             double range1_km, bool in_view);
  void OpenDuringStep(int a, int b, const Geometry& g1, double rate1);
  void CheckShortWindow(int a, int b, double rate1);

  PairMotion Motion(int a, int b) const;
  Geometry Exact(int a, int b, absl::Time t) const;
  Geometry AtSample(const std::vector<State>& s, int a, int b) const {
    return link_.At(s[a].r_km, s[b].r_km);
  }
  // d . d/dt d of the relative position d: the range times the range rate,
  // which has the rate's sign (km^2/s).
  double RangeRate(const std::vector<State>& s, int a, int b) const {
    return Dot(Minus(s[b].r_km, s[a].r_km), Minus(s[b].v_km_s, s[a].v_km_s));
  }
  // To the nanosecond, in integer arithmetic (absl's Duration * double
  // showed in profiles).
  absl::Time TimeAt(double u) const {
    return t0_ + absl::Nanoseconds(std::llround(u * h_ns_));
  }
  Probe ProbeAt(const PairMotion& m, double u) const {
    const absl::Time t = TimeAt(u);
    return {t, u, Exact(m.a, m.b, t)};
  }
  // Where the interpolated range is stationary inside the step, given the
  // range rates at its ends of opposite signs: the closest approach when
  // they go from < 0 to >= 0, the farthest point the other way round.
  double StationaryU(const PairMotion& m, double rate0, double rate1) const;
  // The closest approach inside the step on the interpolated motion (the
  // range is good to the cubic's error, centimetres at a 30 s step).
  struct Approach {
    absl::Time time;
    double range_km = 0;
  };
  Approach ClosestApproach(const PairMotion& m, double rate0,
                           double rate1) const {
    const double u = StationaryU(m, rate0, rate1);
    return {TimeAt(u), Norm(Minus(m.cb.At(u), m.ca.At(u)))};
  }
  Edge RefineEdge(const PairMotion& m, const Probe& lo, const Probe& hi) const;
  void Emit(int a, int b, int32_t start_step, absl::Time start, absl::Time end,
            double min_km, bool open_at_end) {
    out_.push_back({{a, b, start, end, min_km}, start_step, open_at_end});
  }

  const ScanContext& ctx_;
  const LinkModel& link_;
  const int64_t first_, last_;
  int32_t step_ = 0;  // k - first_ of the current step's end sample
  std::vector<State> prev_, cur_;
  // Samples [series_first_, series_first_ + kSeriesBlock) of every
  // satellite, satellite-major.
  std::vector<StateVector> series_;
  int64_t series_first_ = -1;
  double max_speed_prev_ = 0, max_speed_cur_ = 0;
  absl::Time t0_, t1_;  // the current step
  double h_s_ = 0;   // step length, s
  double h_ns_ = 0;  // and ns
  double u_tol_ = 0;            // the edge tolerance as a fraction of the step
  double slack_km_ = 0;         // interpolation error allowance on margins
  std::vector<OpenList> open_;  // per satellite a, partners b > a
  // stamp_[b] == epoch_: b is a partner of the satellite being advanced
  // (no clearing per satellite).
  std::vector<uint64_t> stamp_;
  uint64_t epoch_ = 0;
  // Grid scratch.
  std::vector<std::pair<uint64_t, int>> keyed_;
  std::vector<Vec3> sorted_km_;
  std::vector<std::pair<int, int>> near_pairs_;
  std::vector<int> first_pair_, fill_, pair_b_;  // pairs grouped by a
  std::vector<RawWindow> out_;
};

}  // namespace orbitfl::orbit::isl_internal

#endif  // ORBITFL_ORBIT_ISL_SCAN_H_
