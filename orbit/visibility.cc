#include "orbit/visibility.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "orbit/search.h"
#include "orbit/track_segment.h"

namespace orbitfl::orbit {
namespace {

// A coarse local maximum of elevation less than this below the mask is
// refined, in case a short pass peaks above the mask between two samples.
// Near its peak a LEO pass's elevation changes by well under a degree over
// tens of seconds, so the margin only skips maxima far below the horizon.
constexpr double kPeakSearchMarginRad = 10.0 * kDegToRad;
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

absl::Time BisectCrossing(const Pair& pair, absl::Time below, absl::Time above,
                          absl::Duration tolerance) {
  return search::IllinoisCrossing([&](absl::Time t) { return pair.MarginRad(t); },
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
  const double h = segment.length_s();
  const double tol_s = SecondsOf(tolerance);
  const double x = search::IllinoisRootS(
      [&](double s) { return SinMargin(station, segment.PositionAtOffset(s)); },
      rising ? 0.0 : h, rising ? h : 0.0, tol_s);
  // Confirm on the propagator that the edge is in view (the track is good
  // to well under a metre over a step, so the edge to far better than the
  // tolerance); otherwise, or with a failed (NaN) end, bisect the
  // propagator itself.
  const absl::Time below = rising ? segment.start() : segment.end();
  const absl::Time above = rising ? segment.end() : segment.start();
  const absl::Time t = segment.start() + absl::Seconds(x);
  if (pair.MarginRad(t) >= 0) return t;
  return BisectCrossing(pair, below, above, tolerance);
}

Sample GoldenSectionMax(const Pair& pair, absl::Time lo, absl::Time hi,
                        absl::Duration tolerance) {
  const auto [t, f] = search::GoldenMax(
      [&](absl::Time x) { return pair.MarginRad(x); }, lo, hi, tolerance);
  return {t, f};
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
  if (o.num_threads < 1) {
    return Invalid("window_search.num_threads",
                   absl::StrCat(">= 1, got ", o.num_threads));
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

// One satellite's Earth-fixed states on the grid start + k * step (the last
// sample clamped to stop), computed in blocks on first use and shared by
// every station.
class Ephemeris {
 public:
  static constexpr int kBlock = 32;

  Ephemeris(const WindowSearchOptions& o, int64_t last_k,
            const std::vector<double>& cos_gmst,
            const std::vector<double>& sin_gmst)
      : options_(o),
        last_k_(last_k),
        cos_gmst_(cos_gmst),
        sin_gmst_(sin_gmst),
        states_(last_k + 1),
        directions_(last_k + 1),
        times_(last_k + 1),
        ready_((last_k + kBlock) / kBlock) {
    for (int64_t k = 0; k <= last_k; ++k) {
      times_[k] = k == last_k ? o.stop : o.start + k * o.scan_step;
    }
  }

  void Reset(const Propagator* satellite) {
    satellite_ = satellite;
    std::fill(ready_.begin(), ready_.end(), false);
  }
  absl::Time TimeAt(int64_t k) const { return times_[k]; }
  const EcefState& At(int64_t k) {
    const int64_t block = k / kBlock;
    if (!ready_[block]) Fill(block);
    return states_[k];
  }
  // Unit vector from the Earth's centre, shared by every station's walk.
  const Vec3& DirectionAt(int64_t k) {
    At(k);
    return directions_[k];
  }

 private:
  void Fill(int64_t block) {
    const int64_t first = block * kBlock;
    const int64_t count = std::min<int64_t>(kBlock, last_k_ + 1 - first);
    StateVector buffer[kBlock];
    satellite_->PropagateSeries(TimeAt(first), options_.scan_step,
                                static_cast<int>(count), buffer);
    // The last sample is clamped to stop, off the uniform grid.
    if (first + count - 1 == last_k_) buffer[count - 1] = satellite_->Propagate(options_.stop);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t k = first + i;
      states_[k] = ToEcef(buffer[i], TimeAt(k), cos_gmst_[k], sin_gmst_[k]);
      directions_[k] = Normalized(states_[k].position_km);
    }
    ready_[block] = true;
  }

  const WindowSearchOptions& options_;
  const int64_t last_k_;
  const std::vector<double>& cos_gmst_;
  const std::vector<double>& sin_gmst_;
  const Propagator* satellite_ = nullptr;
  std::vector<EcefState> states_;
  std::vector<Vec3> directions_;
  std::vector<absl::Time> times_;
  std::vector<char> ready_;  // per block; not vector<bool>, read per sample
};

// The windows of one satellite over one station, from its ephemeris: a
// sparse walk over the samples (skipping while the pair is far from a mask
// crossing), crossings and peaks found on the Hermite track between
// samples, and every result confirmed by the propagator.
class PairSearch {
 public:
  PairSearch(Ephemeris& eph, const Pair& pair, const StationFrame& frame,
             const Vec3& station_dir, double outer_rad, double inner_rad,
             double per_step_rad, int64_t last_k, absl::Duration tol,
             int sat, int st, std::vector<ContactWindow>& out)
      : eph_(eph), pair_(pair), frame_(frame), station_dir_(station_dir),
        outer_rad_(outer_rad), inner_rad_(inner_rad),
        cos_outer_(std::cos(outer_rad)), cos_inner_(std::cos(inner_rad)),
        per_step_rad_(per_step_rad), last_k_(last_k), tol_(tol), sat_(sat),
        st_(st), out_(out) {}

  void Run() {
    bool open = Margin(0) >= 0;
    int64_t open_k = 0;  // first sample of the open window
    absl::Time start = eph_.TimeAt(0);
    for (int64_t k = 0; k < last_k_;) {
      const int64_t next = std::min(last_k_, k + Skip(k, open));
      if (!open && Margin(next) >= 0) {
        const int64_t j = LastBelow(k, next);  // bracket (j, j + 1)
        start = Crossing(j, true);
        open = true;
        open_k = j + 1;
      } else if (open && !(Margin(next) >= 0)) {  // NaN: a failed orbit
        const int64_t j = LastAbove(k, next);
        Close(start, open_k, j, Crossing(j, false));
        open = false;
      } else if (!open && next == k + 1 && k >= 1) {
        ShortPass(k);
      }
      k = next;
    }
    if (open) Close(start, open_k, last_k_, eph_.TimeAt(last_k_));
  }

 private:
  // SinMargin of sample k, remembered for the last few samples: the walk and
  // the short-pass test ask for the same ones again.
  double Margin(int64_t k) {
    Memo& m = memo_[k & 3];
    if (m.k != k) m = {k, SinMargin(frame_, eph_.At(k).position_km)};
    return m.value;
  }

  // Samples to advance from k: the angle between station and satellite
  // directions changes by at most per_step_rad a step, so a pair far outside
  // its cone (or, in view, deep inside it) cannot cross the mask for a
  // while. Outside, stop two steps early so that a short pass is always
  // preceded by consecutive samples.
  int64_t Skip(int64_t k, bool open) {
    const double cos_psi = Dot(eph_.DirectionAt(k), station_dir_);
    if (!std::isfinite(cos_psi)) return 1;  // a failed propagation (NaN)
    // Within the outer cone (or, in view, outside the inner one) the next
    // sample is due anyway: no arccosine needed.
    if (open ? cos_psi < cos_inner_ : cos_psi > cos_outer_) return 1;
    const double psi = open ? search::AcosUpperBound(cos_psi) : search::AcosLowerBound(cos_psi);
    double steps = 1;
    if (!open && psi > outer_rad_) {
      steps = (psi - outer_rad_) / per_step_rad_ - 2;
    } else if (open && psi < inner_rad_) {
      steps = (inner_rad_ - psi) / per_step_rad_;
    }
    return std::max<int64_t>(1, static_cast<int64_t>(std::min(steps, 1e6)));
  }

  int64_t LastBelow(int64_t from, int64_t to) {
    int64_t j = to - 1;
    while (j > from && Margin(j) >= 0) --j;
    return j;
  }
  int64_t LastAbove(int64_t from, int64_t to) {
    int64_t j = to - 1;
    while (j > from && !(Margin(j) >= 0)) --j;
    return j;
  }

  // The mask crossing between samples j and j + 1.
  absl::Time Crossing(int64_t j, bool rising) {
    return RefineCrossing(pair_, frame_, TrackSegment(eph_.At(j), eph_.At(j + 1)),
                          rising, tol_);
  }

  // The highest point of the track around sample b, within [lo, hi]. The
  // elevation is flat at its peak: 0.2 s locates it to ~1e-7 rad.
  Sample PeakNear(int64_t b, absl::Time lo, absl::Time hi) {
    Sample best{eph_.At(b).time, Margin(b)};
    for (int64_t j : {b - 1, b}) {
      if (j < 0 || j + 1 > last_k_) continue;
      const TrackSegment seg(eph_.At(j), eph_.At(j + 1));
      const double a = std::max(0.0, SecondsOf(lo - seg.start()));
      const double z =
          std::min(seg.length_s(), SecondsOf(hi - seg.start()));
      if (a >= z) continue;
      const auto [x, f] = search::GoldenMaxS(
          [&](double s) { return SinMargin(frame_, seg.PositionAtOffset(s)); },
          a, z, std::max(0.2, SecondsOf(tol_)));
      if (f > best.margin_rad) best = {seg.start() + absl::Seconds(x), f};
    }
    return best;
  }

  void Close(absl::Time start, int64_t first_k, int64_t last_in_k,
             absl::Time end) {
    int64_t b = std::min(first_k, last_in_k);
    for (int64_t j = b + 1; j <= last_in_k; ++j) {
      if (Margin(j) > Margin(b)) b = j;
    }
    const Sample peak = PeakNear(b, start, end);
    const double max_margin_rad =
        std::max(pair_.MarginRad(peak.time),
                 Elevation(frame_, eph_.At(b).position_km) -
                     frame_.min_elevation_rad);
    out_.push_back({sat_, st_, start, end,
                    max_margin_rad + frame_.min_elevation_rad});
  }

  // Samples k - 1, k, k + 1 all below the mask with a maximum at k: a short
  // pass may peak above the mask between them.
  void ShortPass(int64_t k) {
    const double m = Margin(k);
    if (!(m > Margin(k - 1) && m >= Margin(k + 1) && m > frame_.sin_peak_floor)) {
      return;
    }
    const Sample peak = PeakNear(k, eph_.At(k - 1).time, eph_.At(k + 1).time);
    if (!(pair_.MarginRad(peak.time) >= 0)) return;
    const absl::Time start =
        BisectCrossing(pair_, eph_.At(k - 1).time, peak.time, tol_);
    const absl::Time end =
        BisectCrossing(pair_, eph_.At(k + 1).time, peak.time, tol_);
    out_.push_back({sat_, st_, start, end,
                    pair_.MarginRad(peak.time) + frame_.min_elevation_rad});
  }

  Ephemeris& eph_;
  const Pair& pair_;
  const StationFrame& frame_;
  const Vec3& station_dir_;
  const double outer_rad_, inner_rad_;
  const double cos_outer_, cos_inner_;
  const double per_step_rad_;
  const int64_t last_k_;
  const absl::Duration tol_;
  const int sat_, st_;
  std::vector<ContactWindow>& out_;
  struct Memo {
    int64_t k = -1;
    double value = 0;
  };
  Memo memo_[4];
};

}  // namespace

double ElevationRad(const Propagator& satellite, const GroundStation& station,
                    absl::Time t) {
  return Elevation(MakeFrame(station), EcefAt(satellite, t));
}

double SlantRangeKm(const Propagator& satellite, const GroundStation& station,
                    absl::Time t) {
  return Norm(EcefAt(satellite, t) - GeodeticToEcef(station.location));
}

absl::StatusOr<std::vector<ContactWindow>> FindGroundWindows(
    const std::vector<const Propagator*>& satellites,
    const std::vector<GroundStation>& stations,
    const WindowSearchOptions& options) {
  if (absl::Status s = Validate(satellites, stations, options); !s.ok()) {
    return s;
  }
  std::vector<StationFrame> frames;
  std::vector<Vec3> station_dir;  // geocentric unit vectors
  std::vector<double> station_radius_km;
  for (const GroundStation& s : stations) {
    frames.push_back(MakeFrame(s));
    station_dir.push_back(Normalized(frames.back().ecef_km));
    station_radius_km.push_back(Norm(frames.back().ecef_km));
  }
  // Samples at start + k * step, k = 0..last_k, the last one clamped to
  // stop; the Earth's rotation at each, shared by every satellite.
  absl::Duration remainder;
  int64_t last_k =
      absl::IDivDuration(options.stop - options.start, options.scan_step,
                         &remainder);
  if (remainder > absl::ZeroDuration()) ++last_k;
  std::vector<double> cos_gmst(last_k + 1), sin_gmst(last_k + 1);
  for (int64_t k = 0; k <= last_k; ++k) {
    const double theta = GmstRad(
        k == last_k ? options.stop : options.start + k * options.scan_step);
    cos_gmst[k] = std::cos(theta);
    sin_gmst[k] = std::sin(theta);
  }

  // Per pair: the cone outside which it cannot be in view (wide) and the
  // cone inside which it cannot be out of view (narrow), in radians of
  // angle at the Earth's centre.
  constexpr double kConeMarginRad = 0.5 * kDegToRad;
  const double step_s = SecondsOf(options.scan_step);
  // Satellites are dealt to threads in contiguous ranges; each thread has
  // its own ephemeris and output, merged and sorted at the end.
  const int num_sats = static_cast<int>(satellites.size());
  const int threads = std::max(1, std::min(options.num_threads, num_sats));
  std::vector<std::vector<ContactWindow>> found(threads);
  auto search = [&](int thread) {
    Ephemeris eph(options, last_k, cos_gmst, sin_gmst);
    for (int sat = thread * num_sats / threads;
         sat < (thread + 1) * num_sats / threads; ++sat) {
      eph.Reset(satellites[sat]);
      const SkipBound b = BoundFor(*satellites[sat], options.start);
      for (int st = 0; st < static_cast<int>(stations.size()); ++st) {
        const double mask = frames[st].min_elevation_rad;
        const Pair pair(*satellites[sat], frames[st]);
        PairSearch(eph, pair, frames[st], station_dir[st],
                   ConeHalfAngle(station_radius_km[st], b.max_radius_km, mask,
                                 kConeMarginRad),
                   ConeHalfAngle(station_radius_km[st], b.min_radius_km, mask,
                                 -kConeMarginRad),
                   b.max_rate_rad_s * step_s, last_k, options.tolerance, sat,
                   st, found[thread])
            .Run();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(search, t);
  search(0);
  for (std::thread& t : pool) t.join();
  std::vector<ContactWindow> windows;
  for (const auto& part : found) {
    windows.insert(windows.end(), part.begin(), part.end());
  }
  std::sort(windows.begin(), windows.end(),
            [](const ContactWindow& a, const ContactWindow& b) {
              return std::tie(a.start, a.satellite, a.station) <
                     std::tie(b.start, b.satellite, b.station);
            });
  return windows;
}


}  // namespace orbitfl::orbit
