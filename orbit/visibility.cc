#include "orbit/visibility.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
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

// Bisects a mask crossing bracketed by `below` (margin < 0) and `above`
// (margin >= 0), in either time order; returns the side above the mask so
// every instant of a window is in view.
absl::Time BisectCrossing(const Pair& pair, absl::Time below, absl::Time above,
                          absl::Duration tolerance) {
  while (absl::AbsDuration(above - below) > tolerance) {
    const absl::Time mid = below + (above - below) / 2;
    if (pair.MarginRad(mid) >= 0) {
      above = mid;
    } else {
      below = mid;
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

// Scan state of one satellite-station pair.
struct PairScan {
  bool open = false;
  absl::Time window_start;
  Sample best;  // highest coarse sample of the open window
  double prev_margin_rad = 0;
  double prev2_margin_rad = 0;
};

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
  frames.reserve(num_stations);
  for (const GroundStation& s : stations) frames.push_back(MakeFrame(s));

  const absl::Duration step = options.scan_step;
  const absl::Duration tol = options.tolerance;
  const absl::Duration span = options.stop - options.start;
  // Samples at start + k * step, k = 0..num_steps, the last one clamped to
  // stop.
  absl::Duration remainder;
  int64_t num_steps = absl::IDivDuration(span, step, &remainder);
  if (remainder > absl::ZeroDuration()) ++num_steps;

  std::vector<ContactWindow> windows;
  std::vector<PairScan> scans(num_sats * num_stations);
  auto close_window = [&](int sat, int st, PairScan& scan, absl::Time end) {
    const Pair pair(*satellites[sat], frames[st]);
    // The true peak lies within a step of the best coarse sample.
    const absl::Time lo = std::max(scan.window_start, scan.best.time - step);
    const absl::Time hi = std::min(end, scan.best.time + step);
    const Sample peak = GoldenSectionMax(pair, lo, hi, tol);
    const double max_margin_rad =
        std::max(peak.margin_rad, scan.best.margin_rad);
    windows.push_back({sat, st, scan.window_start, end,
                       max_margin_rad + frames[st].min_elevation_rad});
    scan.open = false;
  };

  std::vector<Vec3> sat_ecef_km(num_sats);
  absl::Time t_prev, t_prev2;
  for (int64_t k = 0; k <= num_steps; ++k) {
    const absl::Time t =
        k == num_steps ? options.stop : options.start + k * step;
    for (int sat = 0; sat < num_sats; ++sat) {
      sat_ecef_km[sat] = EcefAt(*satellites[sat], t);
    }
    for (int sat = 0; sat < num_sats; ++sat) {
      for (int st = 0; st < num_stations; ++st) {
        PairScan& scan = scans[sat * num_stations + st];
        const double margin_rad = Elevation(frames[st], sat_ecef_km[sat]) -
                                  frames[st].min_elevation_rad;
        const Pair pair(*satellites[sat], frames[st]);
        if (k == 0) {
          if (margin_rad >= 0) {
            scan.open = true;
            scan.window_start = t;
            scan.best = {t, margin_rad};
          }
        } else if (!scan.open && margin_rad >= 0) {
          scan.open = true;
          scan.window_start = BisectCrossing(pair, t_prev, t, tol);
          scan.best = {t, margin_rad};
        } else if (scan.open && margin_rad < 0) {
          close_window(sat, st, scan, BisectCrossing(pair, t, t_prev, tol));
        } else if (scan.open) {
          if (margin_rad > scan.best.margin_rad) scan.best = {t, margin_rad};
        } else if (k >= 2 && scan.prev_margin_rad > scan.prev2_margin_rad &&
                   scan.prev_margin_rad >= margin_rad &&
                   scan.prev_margin_rad > -kPeakSearchMarginRad) {
          // Three samples below the mask around a local maximum: a short
          // pass may still peak above the mask between them.
          const Sample peak = GoldenSectionMax(pair, t_prev2, t, tol);
          if (peak.margin_rad >= 0) {
            scan.window_start = BisectCrossing(pair, t_prev2, peak.time, tol);
            scan.best = peak;
            close_window(sat, st, scan,
                         BisectCrossing(pair, t, peak.time, tol));
          }
        }
        scan.prev2_margin_rad = scan.prev_margin_rad;
        scan.prev_margin_rad = margin_rad;
      }
    }
    t_prev2 = t_prev;
    t_prev = t;
  }
  for (int sat = 0; sat < num_sats; ++sat) {
    for (int st = 0; st < num_stations; ++st) {
      PairScan& scan = scans[sat * num_stations + st];
      if (scan.open) close_window(sat, st, scan, options.stop);
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
