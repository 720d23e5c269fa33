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

namespace orbitfl::orbit {
namespace {

// A coarse local maximum of elevation less than this below the mask is
// refined, in case a short pass peaks above the mask between two samples.
// Near its peak a LEO pass's elevation changes by well under a degree over
// tens of seconds, so the margin only skips maxima far below the horizon.
constexpr double kPeakSearchMarginRad = 10.0 * kDegToRad;
constexpr double kInvGoldenRatio = 0.61803398874989484820;

// A station with its ECEF position and local vertical computed once.
struct StationFrame {
  Vec3 ecef_km;
  Vec3 up;  // unit ellipsoid normal
  double min_elevation_rad = 0;
};

StationFrame MakeFrame(const GroundStation& station) {
  const Geodetic& g = station.location;
  return {GeodeticToEcef(g),
          {std::cos(g.lat_rad) * std::cos(g.lon_rad),
           std::cos(g.lat_rad) * std::sin(g.lon_rad), std::sin(g.lat_rad)},
          station.min_elevation_rad};
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

// Finds a mask crossing bracketed by `below` (margin < 0) and `above`
// (margin >= 0), in either time order, by the Illinois variant of regula
// falsi (Dowell & Jarratt 1971): the elevation margin is smooth, so this
// takes a few evaluations where bisection takes a dozen. Returns the side
// above the mask once the bracket is within `tolerance`, so every instant of
// a window is in view.
absl::Time BisectCrossing(const Pair& pair, absl::Time below, absl::Time above,
                          absl::Duration tolerance) {
  double f_below = pair.MarginRad(below), f_above = pair.MarginRad(above);
  if (!(f_below < 0) || !(f_above >= 0)) {
    // Not a clean bracket (e.g. a failed propagation): plain bisection.
    while (absl::AbsDuration(above - below) > tolerance) {
      const absl::Time mid = below + (above - below) / 2;
      (pair.MarginRad(mid) >= 0 ? above : below) = mid;
    }
    return above;
  }
  int side = 0;  // which end was kept last: -1 below, +1 above
  while (absl::AbsDuration(above - below) > tolerance) {
    // The secant root, kept at least a tenth of the tolerance inside the
    // bracket so the bracket always shrinks.
    const double frac = f_below / (f_below - f_above);
    const absl::Duration width = above - below;
    const absl::Duration inset = tolerance / 10;
    absl::Time x = below + width * std::clamp(frac, 0.0, 1.0);
    if (absl::AbsDuration(x - below) < inset) x = below + (width > absl::ZeroDuration() ? inset : -inset);
    if (absl::AbsDuration(above - x) < inset) x = above - (width > absl::ZeroDuration() ? inset : -inset);
    const double f = pair.MarginRad(x);
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

// Golden-section search for the maximum of a unimodal margin on [lo, hi].
Sample GoldenSectionMax(const Pair& pair, absl::Time lo, absl::Time hi,
                        absl::Duration tolerance) {
  absl::Time x1 = hi - (hi - lo) * kInvGoldenRatio;
  absl::Time x2 = lo + (hi - lo) * kInvGoldenRatio;
  double f1 = pair.MarginRad(x1), f2 = pair.MarginRad(x2);
  while (hi - lo > tolerance) {
    if (f1 < f2) {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + (hi - lo) * kInvGoldenRatio;
      f2 = pair.MarginRad(x2);
    } else {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - (hi - lo) * kInvGoldenRatio;
      f1 = pair.MarginRad(x1);
    }
  }
  return f1 >= f2 ? Sample{x1, f1} : Sample{x2, f2};
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
  Sample best;             // highest sample of the open window
  absl::Time before_best;  // the sample before `best`, bracketing the peak
  bool best_is_last = false;
  absl::Time after_best;   // the sample after `best`
  // The last two samples, for maxima between samples just below the mask.
  int64_t prev_k = -10, prev2_k = -10;
  double prev_margin_rad = 0, prev2_margin_rad = 0;
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

constexpr double kEarthRotationRadS = 7.2921158553e-5;

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
  b.max_rate_rad_s = 1.2 * h / (perigee * perigee) + kEarthRotationRadS;
  b.min_radius_km = 0.98 * perigee - 20;
  b.max_radius_km = 1.02 * apogee + 20;
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
    const absl::Time lo = std::max(scan.window_start, scan.before_best);
    const absl::Time hi = scan.best_is_last ? end : std::min(end, scan.after_best);
    // The elevation is flat at its peak: locating the peak to 0.2 s gives
    // its value to about 1e-7 rad (contacts.csv prints 0.001 deg).
    const Sample peak =
        GoldenSectionMax(pair, lo, hi, std::max(tol, absl::Milliseconds(200)));
    const double max_margin_rad =
        std::max(peak.margin_rad, scan.best.margin_rad);
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
      const Vec3 r = satellites[sat]->Propagate(t).position_km;
      const Vec3 ecef{cos_t * r.x + sin_t * r.y, -sin_t * r.x + cos_t * r.y,
                      r.z};
      const Vec3 dir = Normalized(ecef);
      int64_t next = num_steps;
      for (int st = 0; st < num_stations; ++st) {
        const int pair_index = sat * num_stations + st;
        PairScan& scan = scans[pair_index];
        if (scan.next_k > k && k < num_steps) {
          next = std::min(next, scan.next_k);
          continue;
        }
        const double margin_rad =
            Elevation(frames[st], ecef) - frames[st].min_elevation_rad;
        const Pair pair(*satellites[sat], frames[st]);
        const absl::Time t_prev = time_at(scan.prev_k);
        const bool consecutive =
            scan.prev_k == k - 1 && scan.prev2_k == k - 2;
        if (k == 0) {
          if (margin_rad >= 0) {
            scan.open = true;
            scan.window_start = t;
            scan.best = {t, margin_rad};
            scan.before_best = t;
            scan.best_is_last = true;
          }
        } else if (!scan.open && margin_rad >= 0) {
          scan.open = true;
          scan.window_start = BisectCrossing(pair, t_prev, t, tol);
          scan.best = {t, margin_rad};
          scan.before_best = scan.window_start;
          scan.best_is_last = true;
        } else if (scan.open && margin_rad < 0) {
          if (scan.best_is_last) scan.after_best = t;
          close_window(sat, st, scan, BisectCrossing(pair, t, t_prev, tol));
        } else if (scan.open) {
          if (scan.best_is_last) {
            scan.after_best = t;
            scan.best_is_last = false;
          }
          if (margin_rad > scan.best.margin_rad) {
            scan.before_best = t_prev;
            scan.best = {t, margin_rad};
            scan.best_is_last = true;
          }
        } else if (consecutive && scan.prev_margin_rad > scan.prev2_margin_rad &&
                   scan.prev_margin_rad >= margin_rad &&
                   scan.prev_margin_rad > -kPeakSearchMarginRad) {
          // Three samples below the mask around a local maximum: a short
          // pass may still peak above the mask between them.
          const absl::Time t_prev2 = time_at(scan.prev2_k);
          const Sample peak = GoldenSectionMax(pair, t_prev2, t, tol);
          if (peak.margin_rad >= 0) {
            scan.window_start = BisectCrossing(pair, t_prev2, peak.time, tol);
            scan.best = peak;
            scan.before_best = t_prev2;
            scan.after_best = t;
            scan.best_is_last = false;
            close_window(sat, st, scan,
                         BisectCrossing(pair, t, peak.time, tol));
          }
        }
        scan.prev2_k = scan.prev_k;
        scan.prev2_margin_rad = scan.prev_margin_rad;
        scan.prev_k = k;
        scan.prev_margin_rad = margin_rad;

        // When to look again: the angle between station and satellite
        // directions changes by at most per_step_rad a step, so a pair far
        // outside its cone (or deep inside it, in view) cannot cross the
        // mask for a while. Outside, stop two steps early so that a short
        // pass is always preceded by consecutive samples.
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
              (inner_rad[pair_index] - psi) / per_step_rad[sat]);
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
        if (scan.best_is_last) scan.after_best = options.stop;
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
