#include "orbit/isl_scan.h"

namespace orbitfl::orbit::isl_internal {

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

}  // namespace orbitfl::orbit::isl_internal
