#include "orbit/visibility.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "orbit/track_segment.h"

namespace orbitfl::orbit {
namespace {

// A coarse local maximum of elevation less than this below the mask is
// refined, in case a short pass peaks above the mask between two samples.
// Near its peak a LEO pass's elevation changes by well under a degree over
// tens of seconds, so the margin only skips maxima far below the horizon.
constexpr double kPeakSearchMarginRad = 10.0 * kDegToRad;
constexpr double kInvGoldenRatio = 0.61803398874989484820;
constexpr double kEarthRotationRadS = 7.2921158553e-5;  // IERS
// Longest arc between two in-window samples: a Hermite-interpolated track
// over it is good to a few metres (see track_segment.h).
constexpr double kMaxArcRad = 0.12;

// A station with its ECEF position and local vertical computed once.
struct StationFrame {
  Vec3 ecef_km;
  Vec3 up;  // unit ellipsoid normal
  double min_elevation_rad = 0;
  double sin_min_elevation = 0;
  // SinMargin of a sample kPeakSearchMarginRad below the mask.
  double sin_peak_floor = 0;
};

StationFrame MakeFrame(const GroundStation& station) {
  const Geodetic& g = station.location;
  return {GeodeticToEcef(g),
          {std::cos(g.lat_rad) * std::cos(g.lon_rad),
           std::cos(g.lat_rad) * std::sin(g.lon_rad), std::sin(g.lat_rad)},
          station.min_elevation_rad,
          std::sin(station.min_elevation_rad),
          std::sin(station.min_elevation_rad - kPeakSearchMarginRad) -
              std::sin(station.min_elevation_rad)};
}

// Same angle as LookFrom's elevation, without the azimuth's trigonometry.
double Elevation(const StationFrame& station, const Vec3& target_ecef_km) {
  const Vec3 rho = target_ecef_km - station.ecef_km;
  const double up_km = Dot(rho, station.up);
  return std::atan2(up_km, Norm(rho - up_km * station.up));
}

Vec3 EcefAt(const Propagator& satellite, absl::Time t) {
  return InertialToEcef(satellite.Propagate(t).position_km, t);
}

// Elevation above the mask of one satellite over one station, as a function
// of time; used where the coarse scan needs refinement.
class Pair {
 public:
  Pair(const Propagator& satellite, const StationFrame& station)
      : satellite_(satellite), station_(station) {}
  double MarginRad(absl::Time t) const {
    return Elevation(station_, EcefAt(satellite_, t)) -
           station_.min_elevation_rad;
  }

 private:
  const Propagator& satellite_;
  const StationFrame& station_;
};

struct Sample {
  absl::Time time;
  double margin_rad = 0;
};

// Finds the crossing of a margin function bracketed by `below` (margin < 0)
// and `above` (margin >= 0), in either time order, by the Illinois variant
// of regula falsi (Dowell & Jarratt 1971): margins here are smooth, so it
// takes a few evaluations where bisection takes a dozen. Returns the side
// above the mask once the bracket is within `tolerance`, so every instant of
// a window is in view.
template <typename Margin>
absl::Time IllinoisCrossing(const Margin& margin, absl::Time below,
                            absl::Time above, absl::Duration tolerance) {
  double f_below = margin(below), f_above = margin(above);
  if (!(f_below < 0) || !(f_above >= 0)) {
    // Not a clean bracket (e.g. a failed propagation): plain bisection.
    while (absl::AbsDuration(above - below) > tolerance) {
      const absl::Time mid = below + (above - below) / 2;
      (margin(mid) >= 0 ? above : below) = mid;
    }
    return above;
  }
  const absl::Duration inset = tolerance / 10;
  int side = 0;  // which end moved last: -1 below, +1 above
  while (absl::AbsDuration(above - below) > tolerance) {
    // The secant root, kept a tenth of the tolerance inside the bracket so
    // the bracket always shrinks.
    const absl::Duration width = above - below;
    const absl::Duration step_in = width > absl::ZeroDuration() ? inset : -inset;
    absl::Time x =
        below + width * std::clamp(f_below / (f_below - f_above), 0.0, 1.0);
    if (absl::AbsDuration(x - below) < inset) x = below + step_in;
    if (absl::AbsDuration(above - x) < inset) x = above - step_in;
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

absl::Time BisectCrossing(const Pair& pair, absl::Time below, absl::Time above,
                          absl::Duration tolerance) {
  return IllinoisCrossing([&](absl::Time t) { return pair.MarginRad(t); },
                          below, above, tolerance);
}

// sin(elevation) - sin(mask) of a position: the sign of the margin, cheaply.
double SinMargin(const StationFrame& station, const Vec3& p_ecef_km) {
  const Vec3 rho = p_ecef_km - station.ecef_km;
  return Dot(rho, station.up) / Norm(rho) - station.sin_min_elevation;
}

// A crossing within one track segment: found on the interpolated track,
// then confirmed by the propagator on both sides of the returned instant.
// Falls back to the propagator alone when the two disagree.
absl::Time RefineCrossing(const Pair& pair, const StationFrame& station,
                          const TrackSegment& segment, bool rising,
                          absl::Duration tolerance) {
  const absl::Time below = rising ? segment.start() : segment.end();
  const absl::Time above = rising ? segment.end() : segment.start();
  const absl::Time t = IllinoisCrossing(
      [&](absl::Time x) {
        return SinMargin(station, segment.PositionAt(x));
      },
      below, above, tolerance);
  const absl::Time outside = rising ? std::max(below, t - tolerance)
                                    : std::min(below, t + tolerance);
  if (pair.MarginRad(t) >= 0 && (outside == below || pair.MarginRad(outside) < 0)) {
    return t;
  }
  return BisectCrossing(pair, below, above, tolerance);
}

// Golden-section search for the maximum of a unimodal margin on [lo, hi].
template <typename Margin>
Sample GoldenMax(const Margin& margin, absl::Time lo, absl::Time hi,
                 absl::Duration tolerance) {
  absl::Time x1 = hi - (hi - lo) * kInvGoldenRatio;
  absl::Time x2 = lo + (hi - lo) * kInvGoldenRatio;
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
  return f1 >= f2 ? Sample{x1, f1} : Sample{x2, f2};
}

Sample GoldenSectionMax(const Pair& pair, absl::Time lo, absl::Time hi,
                        absl::Duration tolerance) {
  return GoldenMax([&](absl::Time t) { return pair.MarginRad(t); }, lo, hi,
                   tolerance);
}

// Earth-fixed state of a satellite from its inertial state, with the
// rotation by GMST given as its cosine and sine: v_ecef = R v - w x r_ecef.
EcefState ToEcef(const StateVector& s, absl::Time t, double cos_t,
                 double sin_t) {
  const Vec3& r = s.position_km;
  const Vec3& v = s.velocity_km_s;
  const Vec3 r_e{cos_t * r.x + sin_t * r.y, -sin_t * r.x + cos_t * r.y, r.z};
  const Vec3 v_r{cos_t * v.x + sin_t * v.y, -sin_t * v.x + cos_t * v.y, v.z};
  return {t, r_e, {v_r.x + kEarthRotationRadS * r_e.y, v_r.y - kEarthRotationRadS * r_e.x,
           v_r.z}};
}

absl::Status Invalid(const std::string& field, const std::string& expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": expected ", expected));
}

absl::Status Validate(const std::vector<const Propagator*>& satellites,
                      const std::vector<GroundStation>& stations,
                      const WindowSearchOptions& o) {
  const absl::Time inf = absl::InfiniteFuture();
  if (o.start == inf || o.start == absl::InfinitePast()) {
    return Invalid("window_search.start", "a finite time");
  }
  if (o.stop == inf || o.stop == absl::InfinitePast()) {
    return Invalid("window_search.stop", "a finite time");
  }
  if (o.stop <= o.start) {
    return Invalid("window_search.stop",
                   absl::StrCat("> start (", absl::FormatTime(o.start),
                                "), got ", absl::FormatTime(o.stop)));
  }
  if (o.scan_step <= absl::ZeroDuration()) {
    return Invalid(
        "window_search.scan_step",
        absl::StrCat("> 0, got ", absl::FormatDuration(o.scan_step)));
  }
  if (o.tolerance <= absl::ZeroDuration()) {
    return Invalid(
        "window_search.tolerance",
        absl::StrCat("> 0, got ", absl::FormatDuration(o.tolerance)));
  }
  for (size_t i = 0; i < satellites.size(); ++i) {
    if (satellites[i] == nullptr) {
      return Invalid(absl::StrCat("satellites[", i, "]"),
                     "a propagator, got null");
    }
  }
  for (size_t i = 0; i < stations.size(); ++i) {
    const GroundStation& s = stations[i];
    const std::string field = absl::StrCat("stations[", i, "] (", s.name, ").");
    if (!(std::fabs(s.min_elevation_rad) <= kPi / 2)) {
      return Invalid(
          field + "min_elevation_rad",
          absl::StrCat("in [-pi/2, pi/2], got ", s.min_elevation_rad));
    }
    if (!(std::fabs(s.location.lat_rad) <= kPi / 2)) {
      return Invalid(
          field + "location.lat_rad",
          absl::StrCat("in [-pi/2, pi/2], got ", s.location.lat_rad));
    }
    if (!std::isfinite(s.location.lon_rad) ||
        !std::isfinite(s.location.alt_km)) {
      return Invalid(field + "location", "finite longitude and altitude");
    }
  }
  return absl::OkStatus();
}

// Scan state of one satellite-station pair. Samples lie on the grid
// start + k * step, but a pair is sampled only when it could be near a
// mask crossing (see SkipBound).
struct PairScan {
  int64_t next_k = 0;  // next grid index this pair needs
  bool open = false;
  absl::Time window_start;
  // The highest sample of the open window, the sample before it and (once
  // taken) the one after it: the peak lies between them.
  double best_margin_rad = 0;  // a SinMargin
  EcefState best, before_best, after_best;
  bool best_is_last = false;
  // The last two samples, for maxima between samples just below the mask.
  EcefState prev;
  int64_t prev_k = -10, prev2_k = -10;
  double prev_margin_rad = 0, prev2_margin_rad = 0;  // SinMargins
};

// How fast the direction to a satellite can turn as seen from the Earth's
// centre, in the Earth-fixed frame, and how far out it gets; from its
// osculating orbit at the start (vis-viva), with margins for perturbations.
// A satellite whose state is not an ellipse gets no skipping.
struct SkipBound {
  double max_rate_rad_s = std::numeric_limits<double>::infinity();
  double min_radius_km = 0;
  double max_radius_km = std::numeric_limits<double>::infinity();
};

SkipBound BoundFor(const Propagator& satellite, absl::Time t) {
  const StateVector s = satellite.Propagate(t);
  const double r = Norm(s.position_km), v = Norm(s.velocity_km_s);
  const double h = Norm(Cross(s.position_km, s.velocity_km_s));
  const double energy = 0.5 * v * v - kEarthMuKm3S2 / r;
  SkipBound b;
  if (!(energy < 0) || !(h > 0)) return b;
  const double a = -kEarthMuKm3S2 / (2 * energy);
  const double e = std::sqrt(std::max(0.0, 1 - h * h / (kEarthMuKm3S2 * a)));
  const double perigee = a * (1 - e), apogee = a * (1 + e);
  // Angular rate peaks at perigee: h / r_p^2; the Earth turns beneath.
  b.max_rate_rad_s = 1.1 * h / (perigee * perigee) + kEarthRotationRadS;
  b.min_radius_km = 0.99 * perigee - 10;
  b.max_radius_km = 1.01 * apogee + 10;
  return b;
}

// Half-angle at the Earth's centre of the cone in which a satellite at
// `radius_km` can be above `mask_rad` for a station at `station_radius_km`
// (spherical geometry about the geocentric vertical), widened or narrowed
// by `margin_rad` for the ellipsoid normal and the station's height.
double ConeHalfAngle(double station_radius_km, double radius_km,
                     double mask_rad, double margin_rad) {
  const double c = station_radius_km * std::cos(mask_rad) / radius_km;
  if (c >= 1) return margin_rad > 0 ? margin_rad : -1;  // never above
  return std::acos(c) - mask_rad + margin_rad;
}

}  // namespace

double ElevationRad(const Propagator& satellite, const GroundStation& station,
                    absl::Time t) {
  return Elevation(MakeFrame(station), EcefAt(satellite, t));
}

absl::StatusOr<std::vector<ContactWindow>> FindGroundWindows(
    const std::vector<const Propagator*>& satellites,
    const std::vector<GroundStation>& stations,
    const WindowSearchOptions& options) {
  if (absl::Status s = Validate(satellites, stations, options); !s.ok()) {
    return s;
  }
  const int num_sats = satellites.size(), num_stations = stations.size();
  std::vector<StationFrame> frames;
  std::vector<Vec3> station_dir;  // geocentric unit vectors
  std::vector<double> station_radius_km;
  for (const GroundStation& s : stations) {
    frames.push_back(MakeFrame(s));
    station_dir.push_back(Normalized(frames.back().ecef_km));
    station_radius_km.push_back(Norm(frames.back().ecef_km));
  }

  const absl::Duration step = options.scan_step;
  const double step_s = absl::ToDoubleSeconds(step);
  const absl::Duration tol = options.tolerance;
  const absl::Duration span = options.stop - options.start;
  // Samples at start + k * step, k = 0..num_steps, the last one clamped to
  // stop.
  absl::Duration remainder;
  int64_t num_steps = absl::IDivDuration(span, step, &remainder);
  if (remainder > absl::ZeroDuration()) ++num_steps;
  auto time_at = [&](int64_t k) {
    return k >= num_steps ? options.stop : options.start + k * step;
  };

  // Per pair: the cone outside which it cannot be in view (wide) and the
  // cone inside which it cannot be out of view (narrow), both in radians
  // of angle at the Earth's centre; and the angle the pair can close per
  // step.
  constexpr double kConeMarginRad = 0.5 * kDegToRad;
  std::vector<double> outer_rad(num_sats * num_stations);
  std::vector<double> inner_rad(num_sats * num_stations);
  std::vector<double> per_step_rad(num_sats);
  for (int sat = 0; sat < num_sats; ++sat) {
    const SkipBound b = BoundFor(*satellites[sat], options.start);
    per_step_rad[sat] = b.max_rate_rad_s * step_s;
    for (int st = 0; st < num_stations; ++st) {
      const double mask = frames[st].min_elevation_rad;
      outer_rad[sat * num_stations + st] = ConeHalfAngle(
          station_radius_km[st], b.max_radius_km, mask, kConeMarginRad);
      inner_rad[sat * num_stations + st] = ConeHalfAngle(
          station_radius_km[st], b.min_radius_km, mask, -kConeMarginRad);
    }
  }

  std::vector<ContactWindow> windows;
  std::vector<PairScan> scans(num_sats * num_stations);
  auto close_window = [&](int sat, int st, PairScan& scan, absl::Time end) {
    const Pair pair(*satellites[sat], frames[st]);
    // The peak lies between the samples around the best one: find it on the
    // interpolated track, then take the propagator's value there.
    const absl::Time lo = std::max(scan.window_start, scan.before_best.time);
    const absl::Time hi = std::min(end, scan.after_best.time);
    auto on_track = [&](const TrackSegment& seg) {
      return [&, seg](absl::Time t) {
        return SinMargin(frames[st], seg.PositionAt(t));
      };
    };
    const TrackSegment left(scan.before_best, scan.best);
    const TrackSegment right(scan.best, scan.after_best);
    Sample peak{scan.best.time, -2};
    if (lo < scan.best.time) {
      peak = GoldenMax(on_track(left), lo, scan.best.time, tol);
    }
    if (scan.best.time < hi) {
      const Sample r = GoldenMax(on_track(right), scan.best.time, hi, tol);
      if (r.margin_rad > peak.margin_rad) peak = r;
    }
    const double max_margin_rad =
        std::max(pair.MarginRad(peak.time),
                 Elevation(frames[st], scan.best.position_km) -
                     frames[st].min_elevation_rad);
    windows.push_back({sat, st, scan.window_start, end,
                       max_margin_rad + frames[st].min_elevation_rad});
    scan.open = false;
  };

  std::vector<int64_t> sat_next_k(num_sats, 0);
  for (int64_t k = 0; k <= num_steps; ++k) {
    const absl::Time t = time_at(k);
    // The Earth's rotation at t, shared by every satellite sampled now.
    const double theta = GmstRad(t);
    const double cos_t = std::cos(theta), sin_t = std::sin(theta);
    for (int sat = 0; sat < num_sats; ++sat) {
      if (sat_next_k[sat] > k && k < num_steps) continue;
      const EcefState cur =
          ToEcef(satellites[sat]->Propagate(t), t, cos_t, sin_t);
      const Vec3 dir = Normalized(cur.position_km);
      int64_t next = num_steps;
      for (int st = 0; st < num_stations; ++st) {
        const int pair_index = sat * num_stations + st;
        PairScan& scan = scans[pair_index];
        if (scan.next_k > k && k < num_steps) {
          next = std::min(next, scan.next_k);
          continue;
        }
        // sin(elevation) - sin(mask): the margin's sign and order, without
        // an arctangent per sample.
        const double margin_rad = SinMargin(frames[st], cur.position_km);
        const Pair pair(*satellites[sat], frames[st]);
        const bool consecutive =
            scan.prev_k == k - 1 && scan.prev2_k == k - 2;
        if (k == 0) {
          if (margin_rad >= 0) {
            scan.open = true;
            scan.window_start = t;
            scan.best = scan.before_best = cur;
            scan.best_margin_rad = margin_rad;
            scan.best_is_last = true;
          }
        } else if (!scan.open && margin_rad >= 0) {
          scan.open = true;
          scan.window_start = RefineCrossing(
              pair, frames[st], TrackSegment(scan.prev, cur), true, tol);
          scan.before_best = scan.prev;
          scan.best = cur;
          scan.best_margin_rad = margin_rad;
          scan.best_is_last = true;
        } else if (scan.open && margin_rad < 0) {
          if (scan.best_is_last) scan.after_best = cur;
          close_window(sat, st, scan,
                       RefineCrossing(pair, frames[st],
                                      TrackSegment(scan.prev, cur), false,
                                      tol));
        } else if (scan.open) {
          if (scan.best_is_last) {
            scan.after_best = cur;
            scan.best_is_last = false;
          }
          if (margin_rad > scan.best_margin_rad) {
            scan.before_best = scan.prev;
            scan.best = cur;
            scan.best_margin_rad = margin_rad;
            scan.best_is_last = true;
          }
        } else if (consecutive && scan.prev_margin_rad > scan.prev2_margin_rad &&
                   scan.prev_margin_rad >= margin_rad &&
                   scan.prev_margin_rad > frames[st].sin_peak_floor) {
          // Three samples below the mask around a local maximum: a short
          // pass may still peak above the mask between them. Rare, so the
          // propagator itself is searched.
          const absl::Time t_prev2 = time_at(scan.prev2_k);
          const Sample peak = GoldenSectionMax(pair, t_prev2, t, tol);
          if (peak.margin_rad >= 0) {
            windows.push_back(
                {sat, st, BisectCrossing(pair, t_prev2, peak.time, tol),
                 BisectCrossing(pair, t, peak.time, tol),
                 peak.margin_rad + frames[st].min_elevation_rad});
          }
        }
        scan.prev2_k = scan.prev_k;
        scan.prev2_margin_rad = scan.prev_margin_rad;
        scan.prev_k = k;
        scan.prev_margin_rad = margin_rad;
        scan.prev = cur;

        // When to look again: the angle between station and satellite
        // directions changes by at most per_step_rad a step, so a pair far
        // outside its cone (or deep inside it, in view) cannot cross the
        // mask for a while. Outside, stop two steps early so that a short
        // pass is always preceded by consecutive samples; inside, keep arcs
        // short enough for the interpolated track (kMaxArcRad).
        const double psi = std::acos(
            std::clamp(Dot(dir, station_dir[st]), -1.0, 1.0));
        int64_t skip = 1;
        if (!std::isfinite(psi)) {
          // A propagator that failed (NaN): keep sampling every step.
        } else if (psi > outer_rad[pair_index] && !scan.open) {
          skip = static_cast<int64_t>(
                     (psi - outer_rad[pair_index]) / per_step_rad[sat]) - 2;
        } else if (scan.open && psi < inner_rad[pair_index]) {
          skip = static_cast<int64_t>(
              std::min(inner_rad[pair_index] - psi, kMaxArcRad) /
              per_step_rad[sat]);
        }
        scan.next_k = k + std::max<int64_t>(1, skip);
        next = std::min(next, scan.next_k);
      }
      sat_next_k[sat] = next;
    }
  }
  for (int sat = 0; sat < num_sats; ++sat) {
    for (int st = 0; st < num_stations; ++st) {
      PairScan& scan = scans[sat * num_stations + st];
      if (scan.open) {
        if (scan.best_is_last) scan.after_best = scan.best;
        close_window(sat, st, scan, options.stop);
      }
    }
  }
  std::sort(windows.begin(), windows.end(),
            [](const ContactWindow& a, const ContactWindow& b) {
              return std::tie(a.start, a.satellite, a.station) <
                     std::tie(b.start, b.satellite, b.station);
            });
  return windows;
}

}  // namespace orbitfl::orbit
