#include "orbit/isl.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace orbitfl::orbit {
namespace {

// Bound on the relative acceleration of two bodies orbiting above the
// surface: twice the surface gravity GM/R^2 = 9.80e-3 km/s^2, rounded up
// for J2 (0.2%). It bounds how far a pair's motion over a step can stray
// from the straight line through its state at one end.
constexpr double kMaxRelativeAccelKmS2 = 0.02;

// Samples propagated per call of Propagator::PropagateSeries. Blocks are
// aligned to the search's sample grid, not to a slice, so every sample
// comes from the same call whatever the number of threads.
constexpr int kSeriesBlock = 32;


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

Cubic Hermite(const State& s0, const State& s1, double h_s) {
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

bool ByStartAB(const IslWindow& x, const IslWindow& y) {
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

void SliceScan::Sample(int64_t k) {
  const auto& sats = *ctx_.satellites;
  const int64_t block_first = k / kSeriesBlock * kSeriesBlock;
  // The last sample is clamped to stop, off the grid: it is propagated on
  // its own, and blocks end before it.
  const bool on_grid = k < ctx_.num_steps;
  if (on_grid && block_first != series_first_) {
    series_first_ = block_first;
    const int count =
        std::min<int64_t>(kSeriesBlock, ctx_.num_steps - block_first);
    for (size_t i = 0; i < sats.size(); ++i) {
      sats[i]->PropagateSeries(ctx_.SampleTime(block_first),
                               ctx_.options.scan_step, count,
                               &series_[i * kSeriesBlock]);
    }
  }
  max_speed_cur_ = 0;
  for (size_t i = 0; i < sats.size(); ++i) {
    const StateVector s = on_grid
                              ? series_[i * kSeriesBlock + (k - block_first)]
                              : sats[i]->Propagate(ctx_.SampleTime(k));
    cur_[i] = {s.position_km, s.velocity_km_s,
               Dot(s.position_km, s.position_km)};
    max_speed_cur_ = std::max(max_speed_cur_, Norm(s.velocity_km_s));
  }
}

// Calls visit(a, candidates) once for every satellite a, in index order,
// with the partners b > a within search_km now (policy partners pass
// through the same distance filter).
template <typename Visit>
void SliceScan::ForEachSatellite(double search_km, const Visit& visit) {
  const double search_sq = search_km * search_km;
  const int n = cur_.size();
  if (!ctx_.partners.empty()) {
    for (int a = 0; a < n; ++a) {
      pair_b_.clear();
      for (int b : ctx_.partners[a]) {
        const Vec3 d = Minus(cur_[b].r_km, cur_[a].r_km);
        if (Dot(d, d) <= search_sq) pair_b_.push_back(b);
      }
      visit(a, absl::MakeConstSpan(pair_b_));
    }
    return;
  }
  const absl::Span<const std::pair<int, int>> pairs(near_pairs_.data(),
                                                    FindNearPairs(search_km));
  // Counting sort of the pairs by a.
  first_pair_.assign(n + 1, 0);
  for (const auto& [a, b] : pairs) ++first_pair_[a + 1];
  for (int a = 0; a < n; ++a) first_pair_[a + 1] += first_pair_[a];
  pair_b_.resize(pairs.size());
  fill_.assign(first_pair_.begin(), first_pair_.end() - 1);
  for (const auto& [a, b] : pairs) pair_b_[fill_[a]++] = b;
  for (int a = 0; a < n; ++a) {
    visit(a, absl::MakeConstSpan(pair_b_.data() + first_pair_[a],
                                 first_pair_[a + 1] - first_pair_[a]));
  }
}

// Every pair (a < b) within search_km, through a uniform grid of cubic
// cells at least search_km wide kept as sorted packed keys: such a pair
// lies in one cell or in two adjacent ones, so each cell is compared with
// itself and its 13 neighbours that follow it in key order, and each pair
// is met once.
size_t SliceScan::FindNearPairs(double search_km) {
  const double search_sq = search_km * search_km;
  const int n = cur_.size();
  // 21 bits per axis; cells grow if the positions would not fit.
  constexpr int64_t kBias = int64_t{1} << 20;
  double max_radius_km = 0;
  for (const State& s : cur_) {
    max_radius_km = std::max(max_radius_km, Norm(s.r_km));
  }
  const double cell_km = std::max(search_km, max_radius_km / (kBias / 2));
  auto key_of = [](int64_t ix, int64_t iy, int64_t iz) {
    return static_cast<uint64_t>(ix + kBias) << 42 |
           static_cast<uint64_t>(iy + kBias) << 21 |
           static_cast<uint64_t>(iz + kBias);
  };
  auto cell_of = [cell_km](double x_km) {
    return static_cast<int64_t>(std::floor(x_km / cell_km));
  };
  keyed_.resize(n);
  for (int i = 0; i < n; ++i) {
    const Vec3& r = cur_[i].r_km;
    keyed_[i] = {key_of(cell_of(r.x), cell_of(r.y), cell_of(r.z)), i};
  }
  std::sort(keyed_.begin(), keyed_.end());
  sorted_km_.resize(n);
  for (int j = 0; j < n; ++j) sorted_km_[j] = cur_[keyed_[j].second].r_km;
  size_t count = 0;
  // Writes every pair and keeps the near ones by advancing the count: no
  // branch on the distance test, which goes either way at random.
  auto compare = [&](int i, int from, int to) {
    if (near_pairs_.size() < count + (to - from)) {
      near_pairs_.resize(2 * (count + (to - from)));
    }
    const Vec3 ri = sorted_km_[i];
    const int si = keyed_[i].second;
    std::pair<int, int>* out = near_pairs_.data();
    for (int j = from; j < to; ++j) {
      const Vec3 d = Minus(sorted_km_[j], ri);
      const int sj = keyed_[j].second;
      out[count] = {std::min(si, sj), std::max(si, sj)};
      count += Dot(d, d) <= search_sq;
    }
  };
  for (int begin = 0; begin < n;) {
    const uint64_t key = keyed_[begin].first;
    int end = begin;
    while (end < n && keyed_[end].first == key) ++end;
    for (int i = begin; i < end; ++i) compare(i, i + 1, end);
    const int64_t ix = static_cast<int64_t>(key >> 42) - kBias;
    const int64_t iy = static_cast<int64_t>((key >> 21) & 0x1fffff) - kBias;
    const int64_t iz = static_cast<int64_t>(key & 0x1fffff) - kBias;
    for (int dx = 0; dx <= 1; ++dx) {
      for (int dy = dx == 0 ? 0 : -1; dy <= 1; ++dy) {
        for (int dz = (dx == 0 && dy == 0) ? 1 : -1; dz <= 1; ++dz) {
          const uint64_t k = key_of(ix + dx, iy + dy, iz + dz);
          const int from = std::lower_bound(keyed_.begin() + end, keyed_.end(),
                                            std::make_pair(k, -1)) -
                           keyed_.begin();
          int to = from;
          while (to < n && keyed_[to].first == k) ++to;
          for (int i = begin; i < end; ++i) compare(i, from, to);
        }
      }
    }
    begin = end;
  }
  return count;
}

SliceWindows SliceScan::Run() {
  Sample(first_);
  t1_ = ctx_.SampleTime(first_);
  ForEachSatellite(link_.max_range_km() + 1.0,
                   [this](int a, absl::Span<const int> c) { Start(a, c); });
  const double tol_s = absl::ToDoubleSeconds(ctx_.options.tolerance);
  for (int64_t k = first_ + 1; k <= last_; ++k) {
    step_ = k - first_;
    std::swap(prev_, cur_);
    max_speed_prev_ = max_speed_cur_;
    t0_ = t1_;
    t1_ = ctx_.SampleTime(k);
    h_s_ = absl::ToDoubleSeconds(t1_ - t0_);
    h_ns_ = static_cast<double>(absl::ToInt64Nanoseconds(t1_ - t0_));
    u_tol_ = tol_s / 8 / h_s_;
    // The cubic's error bound h^4/384 max|d4p/dt4| with |d4p/dt4| = mu^2/r^5
    // <= 1.5e-8 km/s^4 above the surface, for both satellites, times 6.
    slack_km_ = 0.01 + 12 * 1.5e-8 / 384 * std::pow(h_s_, 4);
    Sample(k);
    // A pair in view at some instant of the step is at most the distance
    // its relative velocity can carry it over the step beyond max range.
    const double max_speed = std::max(max_speed_prev_, max_speed_cur_);
    const double pad_km =
        h_s_ * (2.0 * max_speed + kMaxRelativeAccelKmS2 * h_s_) + 1.0;
    ForEachSatellite(link_.max_range_km() + pad_km,
                     [this](int a, absl::Span<const int> c) { Advance(a, c); });
  }
  const absl::Time last_time = ctx_.SampleTime(last_);
  for (int a = 0; a < static_cast<int>(open_.size()); ++a) {
    const OpenList& open = open_[a];
    for (size_t i = 0; i < open.windows.size(); ++i) {
      const OpenWindow& w = open.windows[i];
      Emit(a, w.b, w.start_step, open.starts[i], last_time, w.min_range_km,
           true);
    }
  }
  // Bucket by start step (a counting sort), then sort each small bucket.
  const int32_t num_buckets = last_ - first_ + 1;
  std::vector<uint32_t> first_in_bucket(num_buckets + 1, 0);
  for (const RawWindow& w : out_) ++first_in_bucket[w.start_step + 1];
  for (int32_t k = 0; k < num_buckets; ++k) {
    first_in_bucket[k + 1] += first_in_bucket[k];
  }
  SliceWindows result;
  result.order.resize(out_.size());
  std::vector<uint32_t> fill(first_in_bucket.begin(),
                             first_in_bucket.end() - 1);
  for (uint32_t i = 0; i < out_.size(); ++i) {
    result.order[fill[out_[i].start_step]++] = i;
  }
  for (int32_t k = 0; k < num_buckets; ++k) {
    std::sort(result.order.begin() + first_in_bucket[k],
              result.order.begin() + first_in_bucket[k + 1],
              [this](uint32_t x, uint32_t y) {
                return ByStartAB(out_[x].window, out_[y].window);
              });
  }
  result.windows = std::move(out_);
  return result;
}

void SliceScan::Start(int a, absl::Span<const int> candidates) {
  for (int b : candidates) {
    const Geometry g = AtSample(cur_, a, b);
    if (g.in_view()) {
      open_[a].Plus({b, 0, g.range_km, RangeRate(cur_, a, b)}, t1_);
    }
  }
}

void SliceScan::Advance(int a, absl::Span<const int> candidates) {
  std::vector<OpenWindow>& open = open_[a].windows;
  std::vector<absl::Time>& starts = open_[a].starts;
  const State& sa = cur_[a];
  // Windows open at t0 go on, close, or split; marked so that step 2 skips
  // their partners. The common case (still in view, range rate keeping its
  // sign) stays inline.
  ++epoch_;
  size_t kept = 0;
  for (size_t i = 0; i < open.size(); ++i) {
    OpenWindow w = open[i];
    stamp_[w.b] = epoch_;
    const State& sb = cur_[w.b];
    const Vec3 d = Minus(sb.r_km, sa.r_km);
    const double rate1 = Dot(d, Minus(sb.v_km_s, sa.v_km_s));
    const auto [range1_km, in_view] =
        link_.RangeAndInView(sa, sb, d, Dot(d, d));
    const bool turned =
        (w.rate < 0 && rate1 >= 0) || (w.rate > 0 && rate1 <= 0);
    if (in_view && !turned) {
      w.rate = rate1;
      w.min_range_km = std::min(w.min_range_km, range1_km);
    } else if (!Carry(a, w, starts[i], rate1, range1_km, in_view)) {
      continue;
    }
    open[kept] = w;
    if (kept != i) starts[kept] = starts[i];
    ++kept;
  }
  open.resize(kept);
  starts.resize(kept);
  // Step 2: pairs out of view at t0 that open, or see each other briefly.
  for (int b : candidates) {
    if (stamp_[b] == epoch_) continue;
    const State& sb = cur_[b];
    const Vec3 d = Minus(sb.r_km, sa.r_km);
    const double rate1 = Dot(d, Minus(sb.v_km_s, sa.v_km_s));
    if (!link_.SurelyOut(Dot(d, d))) {
      const Geometry g1 = AtSample(cur_, a, b);
      if (g1.in_view()) {
        OpenDuringStep(a, b, g1, rate1);
        continue;
      }
    }
    if (rate1 >= 0) CheckShortWindow(a, b, rate1);
  }
}

bool SliceScan::Carry(int a, OpenWindow& w, absl::Time& start, double rate1,
                      double range1_km, bool in_view) {
  const int b = w.b;
  const double rate0 = w.rate;
  w.rate = rate1;
  if (!in_view) {
    const Geometry g1 = AtSample(cur_, a, b);
    const PairMotion m = Motion(a, b);
    const Edge end =
        RefineEdge(m, {t0_, 0, AtSample(prev_, a, b)}, {t1_, 1, g1});
    double min_km = std::min(w.min_range_km, end.range_km);
    if (rate0 < 0 && rate1 >= 0) {
      const Approach closest = ClosestApproach(m, rate0, rate1);
      if (closest.time <= end.time) {
        min_km = std::min(min_km, closest.range_km);
      }
    }
    Emit(a, b, w.start_step, start, end.time, min_km, false);
    return false;
  }
  if (rate0 < 0 && rate1 >= 0) {
    const PairMotion m = Motion(a, b);
    w.min_range_km =
        std::min(w.min_range_km, ClosestApproach(m, rate0, rate1).range_km);
  } else if (rate0 > 0 && rate1 <= 0) {
    // The range peaks inside the step. The straight line through the state
    // at t1 plus the acceleration bound caps it; only a peak that may pass
    // max range needs a look (a short gap in the window).
    const Vec3 d1 = Minus(cur_[b].r_km, cur_[a].r_km);
    const Vec3 w1 = Minus(cur_[b].v_km_s, cur_[a].v_km_s);
    const double cap_km = std::max(Norm(d1), Norm(Minus(d1, Times(h_s_, w1)))) +
                          0.5 * kMaxRelativeAccelKmS2 * h_s_ * h_s_;
    if (cap_km >= link_.max_range_km()) {
      const PairMotion m = Motion(a, b);
      const double u = StationaryU(m, rate0, rate1);  // the peak
      if (link_.At(m.ca.At(u), m.cb.At(u)).margin_km <= slack_km_) {
        const Probe peak = ProbeAt(m, u);
        if (!peak.geometry.in_view()) {
          const Edge end = RefineEdge(m, {t0_, 0, AtSample(prev_, a, b)}, peak);
          Emit(a, b, w.start_step, start, end.time,
               std::min(w.min_range_km, end.range_km), false);
          const Edge again =
              RefineEdge(m, peak, {t1_, 1, AtSample(cur_, a, b)});
          w.start_step = step_;
          start = again.time;
          w.min_range_km = again.range_km;
        }
      }
    }
  }
  w.min_range_km = std::min(w.min_range_km, range1_km);
  return true;
}

void SliceScan::OpenDuringStep(int a, int b, const Geometry& g1, double rate1) {
  const PairMotion m = Motion(a, b);
  const Edge start =
      RefineEdge(m, {t0_, 0, AtSample(prev_, a, b)}, {t1_, 1, g1});
  double min_km = std::min(start.range_km, g1.range_km);
  const double rate0 = RangeRate(prev_, a, b);
  if (rate0 < 0 && rate1 >= 0) {
    const Approach closest = ClosestApproach(m, rate0, rate1);
    if (closest.time >= start.time) {
      min_km = std::min(min_km, closest.range_km);
    }
  }
  open_[a].Plus({b, step_, min_km, rate1}, start.time);
}

// A pair out of view at both ends of the step may still see each other
// around a closest approach between them.
void SliceScan::CheckShortWindow(int a, int b, double rate1) {
  const double rate0 = RangeRate(prev_, a, b);
  if (!(rate0 < 0 && rate1 >= 0)) return;
  // Cheap bound first: the closest point of the straight line through the
  // state at t1 over the step, less what acceleration can bend it.
  const Vec3 d1 = Minus(cur_[b].r_km, cur_[a].r_km);
  const Vec3 w1 = Minus(cur_[b].v_km_s, cur_[a].v_km_s);
  const double w_sq = Dot(w1, w1);
  const double tau_s =
      w_sq > 0 ? std::clamp(-Dot(d1, w1) / w_sq, -h_s_, 0.0) : 0.0;
  const double floor_km =
      Norm(Plus(d1, Times(tau_s, w1))) - 0.5 * kMaxRelativeAccelKmS2 * h_s_ * h_s_;
  if (floor_km > link_.max_range_km()) return;
  const Geometry g1 = AtSample(cur_, a, b);
  const PairMotion m = Motion(a, b);
  const double u = StationaryU(m, rate0, rate1);
  if (link_.At(m.ca.At(u), m.cb.At(u)).margin_km < -slack_km_) return;
  const Probe closest = ProbeAt(m, u);
  if (!closest.geometry.in_view()) return;
  const Edge start = RefineEdge(m, {t0_, 0, AtSample(prev_, a, b)}, closest);
  const Edge end = RefineEdge(m, closest, {t1_, 1, g1});
  Emit(a, b, step_, start.time, end.time,
       std::min({start.range_km, end.range_km, closest.geometry.range_km}),
       false);
}

SliceScan::PairMotion SliceScan::Motion(int a, int b) const {
  return {a, b, Hermite(prev_[a], cur_[a], h_s_),
          Hermite(prev_[b], cur_[b], h_s_)};
}

Geometry SliceScan::Exact(int a, int b, absl::Time t) const {
  const auto& sats = *ctx_.satellites;
  return link_.At(sats[a]->Propagate(t).position_km,
                  sats[b]->Propagate(t).position_km);
}

double SliceScan::StationaryU(const PairMotion& m, double rate0,
                              double rate1) const {
  // Root of d(u) . d'(u) for the relative position d; at the ends it is h
  // times the exact d . d/dt d (the range times the range rate).
  auto f = [&m](double u) {
    return Dot(Minus(m.cb.At(u), m.ca.At(u)), Minus(m.cb.Slope(u), m.ca.Slope(u)));
  };
  return FindRoot(f, 0.0, h_s_ * rate0, 1.0, h_s_ * rate1, u_tol_);
}

// The crossing between two probes on either side of it, as the in-view side
// of an exactly propagated bracket no wider than the tolerance. The cubic
// guesses the crossing; two probes tol/2 either side of the guess usually
// close the bracket, and plain bisection finishes otherwise.
SliceScan::Edge SliceScan::RefineEdge(const PairMotion& m, const Probe& lo,
                                      const Probe& hi) const {
  auto margin = [&](double u) {
    return link_.At(m.ca.At(u), m.cb.At(u)).margin_km;
  };
  const double u_guess = FindRoot(margin, lo.u, lo.geometry.margin_km, hi.u,
                                  hi.geometry.margin_km, u_tol_);
  const bool in_at_lo = lo.geometry.in_view();
  absl::Time t_lo = lo.time, t_hi = hi.time;
  double in_range_km = in_at_lo ? lo.geometry.range_km : hi.geometry.range_km;
  auto probe = [&](absl::Time t) {
    const Geometry g = Exact(m.a, m.b, t);
    (g.in_view() == in_at_lo ? t_lo : t_hi) = t;
    if (g.in_view()) in_range_km = g.range_km;
  };
  const absl::Duration tol = ctx_.options.tolerance;
  const absl::Time guess = TimeAt(u_guess);
  for (const absl::Time t : {guess - tol / 2, guess + tol / 2}) {
    if (t_lo < t && t < t_hi) probe(t);
  }
  while (t_hi - t_lo > tol) probe(t_lo + (t_hi - t_lo) / 2);
  return {in_at_lo ? t_lo : t_hi, in_range_km};
}

absl::Status Invalid(const std::string& field, const std::string& expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": expected ", expected));
}

absl::Status Validate(const std::vector<const Propagator*>& satellites,
                      const std::vector<SatelliteSlot>& slots,
                      const IslOptions& o) {
  for (const auto& [name, t] :
       {std::pair{"isl.start", o.start}, std::pair{"isl.stop", o.stop}}) {
    if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
      return Invalid(name, "a finite time");
    }
  }
  if (o.stop <= o.start) {
    return Invalid("isl.stop",
                   absl::StrCat("> start (", absl::FormatTime(o.start),
                                "), got ", absl::FormatTime(o.stop)));
  }
  if (o.scan_step <= absl::ZeroDuration()) {
    return Invalid(
        "isl.scan_step",
        absl::StrCat("> 0, got ", absl::FormatDuration(o.scan_step)));
  }
  if (o.tolerance <= absl::ZeroDuration()) {
    return Invalid(
        "isl.tolerance",
        absl::StrCat("> 0, got ", absl::FormatDuration(o.tolerance)));
  }
  if (!(o.max_range_km > 0) || !std::isfinite(o.max_range_km)) {
    return Invalid("isl.max_range_km",
                   absl::StrCat("a finite range > 0, got ", o.max_range_km));
  }
  if (!(o.grazing_altitude_km >= 0) || !std::isfinite(o.grazing_altitude_km)) {
    return Invalid(
        "isl.grazing_altitude_km",
        absl::StrCat("a finite altitude >= 0, got ", o.grazing_altitude_km));
  }
  if (o.num_threads < 1) {
    return Invalid("isl.num_threads",
                   absl::StrCat(">= 1, got ", o.num_threads));
  }
  if (o.policy != IslPolicy::kAnyInRange &&
      o.policy != IslPolicy::kSamePlaneNeighbours &&
      o.policy != IslPolicy::kPlusGrid) {
    return Invalid("isl.policy", absl::StrCat("a known IslPolicy, got ",
                                              static_cast<int>(o.policy)));
  }
  for (size_t i = 0; i < satellites.size(); ++i) {
    if (satellites[i] == nullptr) {
      return Invalid(absl::StrCat("satellites[", i, "]"),
                     "a propagator, got null");
    }
  }
  const bool needs_slots = o.policy != IslPolicy::kAnyInRange;
  if ((needs_slots || !slots.empty()) && slots.size() != satellites.size()) {
    return Invalid("slots",
                   absl::StrCat("one per satellite (", satellites.size(), ")",
                                needs_slots ? " for this policy" : "", ", got ",
                                slots.size()));
  }
  absl::flat_hash_map<std::pair<int, int>, size_t> seen;
  for (size_t i = 0; i < slots.size(); ++i) {
    const SatelliteSlot& s = slots[i];
    if (s.plane < 0 || s.slot < 0) {
      return Invalid(absl::StrCat("slots[", i, "]"),
                     absl::StrCat("plane >= 0 and slot >= 0, got plane ",
                                  s.plane, " slot ", s.slot));
    }
    const auto [it, inserted] = seen.emplace(std::pair{s.plane, s.slot}, i);
    if (!inserted) {
      return Invalid(
          absl::StrCat("slots[", i, "]"),
          absl::StrCat("a (plane, slot) of its own, got plane ", s.plane,
                       " slot ", s.slot, " as slots[", it->second, "]"));
    }
  }
  return absl::OkStatus();
}

// Partners b > a per satellite under a neighbour policy.
std::vector<std::vector<int>> PolicyPartners(
    const std::vector<SatelliteSlot>& slots, IslPolicy policy) {
  absl::flat_hash_map<std::pair<int, int>, int> index;
  int num_planes = 0;
  absl::flat_hash_map<int, int> slots_in_plane;
  for (int i = 0; i < static_cast<int>(slots.size()); ++i) {
    index[{slots[i].plane, slots[i].slot}] = i;
    num_planes = std::max(num_planes, slots[i].plane + 1);
    int& count = slots_in_plane[slots[i].plane];
    count = std::max(count, slots[i].slot + 1);
  }
  std::vector<std::vector<int>> partners(slots.size());
  for (int i = 0; i < static_cast<int>(slots.size()); ++i) {
    const int p = slots[i].plane, s = slots[i].slot;
    const int n = slots_in_plane[p];
    std::vector<std::pair<int, int>> wanted = {{p, (s + 1) % n},
                                               {p, (s + n - 1) % n}};
    if (policy == IslPolicy::kPlusGrid) {
      wanted.push_back({(p + 1) % num_planes, s});
      wanted.push_back({(p + num_planes - 1) % num_planes, s});
    }
    for (const auto& key : wanted) {
      const auto it = index.find(key);
      if (it != index.end() && it->second > i) {
        partners[i].push_back(it->second);
      }
    }
    std::sort(partners[i].begin(), partners[i].end());
    partners[i].erase(std::unique(partners[i].begin(), partners[i].end()),
                      partners[i].end());
  }
  return partners;
}

uint64_t PairKey(const IslWindow& w) {
  return static_cast<uint64_t>(w.a) << 32 | static_cast<uint32_t>(w.b);
}

// Joins windows cut at slice boundaries and returns them in (start, a, b)
// order: each slice's windows start no earlier than the slice, and a
// joined window keeps its first piece's place.
std::vector<IslWindow> Stitch(std::vector<SliceWindows> slices) {
  // Windows open at the current boundary: pair -> (slice, index).
  absl::flat_hash_map<uint64_t, std::pair<size_t, size_t>> pending;
  std::vector<std::vector<char>> dropped(slices.size());
  size_t total = 0;
  for (size_t s = 0; s < slices.size(); ++s) {
    std::vector<RawWindow>& pieces = slices[s].windows;
    dropped[s].assign(pieces.size(), 0);
    absl::flat_hash_map<uint64_t, std::pair<size_t, size_t>> next;
    for (size_t i = 0; i < pieces.size(); ++i) {
      const RawWindow& piece = pieces[i];
      const uint64_t key = PairKey(piece.window);
      std::pair<size_t, size_t> owner{s, i};
      const auto it = piece.open_at_start() ? pending.find(key) : pending.end();
      if (it != pending.end()) {
        owner = it->second;
        IslWindow& first = slices[owner.first].windows[owner.second].window;
        first.end = piece.window.end;
        first.min_range_km =
            std::min(first.min_range_km, piece.window.min_range_km);
        dropped[s][i] = 1;
      } else {
        ++total;
      }
      if (piece.open_at_end) next[key] = owner;
    }
    pending = std::move(next);
  }
  std::vector<IslWindow> windows;
  windows.reserve(total);
  for (size_t s = 0; s < slices.size(); ++s) {
    for (uint32_t i : slices[s].order) {
      if (!dropped[s][i]) windows.push_back(slices[s].windows[i].window);
    }
    slices[s] = SliceWindows();  // release as we go
  }
  return windows;
}

}  // namespace

double SegmentClearanceKm(const Vec3& a_km, const Vec3& b_km) {
  const Vec3 d = Minus(b_km, a_km);
  return Clearance(a_km, d, Dot(d, d));
}

absl::StatusOr<std::vector<IslWindow>> FindIslWindows(
    const std::vector<const Propagator*>& satellites,
    const std::vector<SatelliteSlot>& slots, const IslOptions& options) {
  if (absl::Status s = Validate(satellites, slots, options); !s.ok()) {
    return s;
  }
  if (satellites.size() < 2) return std::vector<IslWindow>{};
  ScanContext ctx;
  ctx.satellites = &satellites;
  ctx.options = options;
  ctx.link = LinkModel(options.max_range_km,
                       kEarthEquatorialRadiusKm + options.grazing_altitude_km);
  if (options.policy != IslPolicy::kAnyInRange) {
    ctx.partners = PolicyPartners(slots, options.policy);
  }
  absl::Duration remainder;
  ctx.num_steps = absl::IDivDuration(options.stop - options.start,
                                     options.scan_step, &remainder);
  if (remainder > absl::ZeroDuration()) ++ctx.num_steps;

  // Contiguous slices of whole steps; neighbours share a boundary sample.
  const int64_t num_slices =
      std::min<int64_t>(options.num_threads, ctx.num_steps);
  std::vector<SliceWindows> slices(num_slices);
  auto run = [&ctx, &slices, num_slices](int64_t s) {
    const int64_t first = ctx.num_steps * s / num_slices;
    const int64_t last = ctx.num_steps * (s + 1) / num_slices;
    slices[s] = SliceScan(ctx, first, last).Run();
  };
  std::vector<std::thread> threads;
  for (int64_t s = 1; s < num_slices; ++s) threads.emplace_back(run, s);
  run(0);
  for (std::thread& t : threads) t.join();
  std::vector<IslWindow> windows = Stitch(std::move(slices));
  // Stitch keeps the order; this only guards it.
  if (!std::is_sorted(windows.begin(), windows.end(), ByStartAB)) {
    std::sort(windows.begin(), windows.end(), ByStartAB);
  }
  return windows;
}

}  // namespace orbitfl::orbit
