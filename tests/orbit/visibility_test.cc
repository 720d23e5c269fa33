#include "orbit/visibility.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "orbit/frames.h"
#include "orbit/propagator.h"
#include "orbit/walker.h"
#include "tests/status_matchers.h"

namespace orbitfl::orbit {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

absl::Time Epoch() {
  return absl::FromCivil(absl::CivilSecond(2024, 5, 1, 0, 0, 0),
                         absl::UTCTimeZone());
}

GroundStation Station(const char* name, double lat_deg, double lon_deg,
                      double alt_km, double mask_deg) {
  return {name,
          {lat_deg * kDegToRad, lon_deg * kDegToRad, alt_km},
          mask_deg * kDegToRad};
}

// Windows found by sampling every second: [first, last] in-view samples.
std::vector<ContactWindow> BruteForce(
    const std::vector<const Propagator*>& sats,
    const std::vector<GroundStation>& stations, absl::Time start,
    absl::Time stop) {
  std::vector<ContactWindow> windows;
  for (int sat = 0; sat < sats.size(); ++sat) {
    for (int st = 0; st < stations.size(); ++st) {
      bool open = false;
      for (absl::Time t = start; t <= stop; t += absl::Seconds(1)) {
        const double el = ElevationRad(*sats[sat], stations[st], t);
        const bool up = el >= stations[st].min_elevation_rad;
        if (up && !open) windows.push_back({sat, st, t, t, el});
        if (up) {
          windows.back().end = t;
          windows.back().max_elevation_rad =
              std::max(windows.back().max_elevation_rad, el);
        }
        open = up;
      }
    }
  }
  return windows;
}

class VisibilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A small polar Walker 6/3/1 shell at 600 km.
    WalkerDeltaOptions o;
    o.total = 6;
    o.planes = 3;
    o.phasing = 1;
    o.altitude_km = 600;
    o.inclination_deg = 97.8;
    o.epoch = Epoch();
    auto elements = WalkerDelta(o);
    ASSERT_THAT(elements, IsOk());
    for (const NamedElements& e : *elements) {
      auto prop = J2Propagator::Create(e.elements);
      ASSERT_THAT(prop, IsOk());
      owned_.push_back(std::move(prop).value());
      sats_.push_back(owned_.back().get());
    }
    stations_ = {Station("svalbard", 78.2298, 15.4078, 0.5, 5),
                 Station("matera", 40.6490, 16.7044, 0.536, 10),
                 Station("singapore", 1.3521, 103.8198, 0.02, 0)};
    options_.start = Epoch();
    options_.stop = Epoch() + absl::Hours(6);
  }

  std::vector<std::unique_ptr<J2Propagator>> owned_;
  std::vector<const Propagator*> sats_;
  std::vector<GroundStation> stations_;
  WindowSearchOptions options_;
};

TEST_F(VisibilityTest, EdgesAreMaskCrossingsAndTheInsideIsInView) {
  auto windows = FindGroundWindows(sats_, stations_, options_);
  ASSERT_THAT(windows, IsOk());
  ASSERT_GT(windows->size(), 10u);
  const absl::Duration tol = options_.tolerance;
  for (const ContactWindow& w : *windows) {
    const Propagator& sat = *sats_[w.satellite];
    const GroundStation& gs = stations_[w.station];
    const double mask = gs.min_elevation_rad;
    ASSERT_LT(w.start, w.end);
    if (w.start > options_.start) {
      EXPECT_LT(ElevationRad(sat, gs, w.start - absl::Seconds(1)), mask);
      EXPECT_LT(ElevationRad(sat, gs, w.start - 2 * tol), mask);
      EXPECT_GE(ElevationRad(sat, gs, w.start), mask);
    }
    if (w.end < options_.stop) {
      EXPECT_GE(ElevationRad(sat, gs, w.end), mask);
      EXPECT_LT(ElevationRad(sat, gs, w.end + 2 * tol), mask);
      EXPECT_LT(ElevationRad(sat, gs, w.end + absl::Seconds(1)), mask);
    }
    if (w.end - w.start > absl::Seconds(2)) {
      EXPECT_GT(ElevationRad(sat, gs, w.start + absl::Seconds(1)), mask);
      EXPECT_GT(ElevationRad(sat, gs, w.end - absl::Seconds(1)), mask);
    }
    for (absl::Time t = w.start; t <= w.end; t += absl::Seconds(5)) {
      const double el = ElevationRad(sat, gs, t);
      EXPECT_GE(el, mask);
      // Max elevation is reported to 0.001 deg; it is refined to ~1e-7 rad.
      EXPECT_LE(el, w.max_elevation_rad + 1e-6);
    }
  }
}

TEST_F(VisibilityTest, SlantRangeFollowsTheGeometryOfThePass) {
  auto windows = FindGroundWindows(sats_, stations_, options_);
  ASSERT_THAT(windows, IsOk());
  ASSERT_FALSE(windows->empty());
  for (const ContactWindow& w : *windows) {
    const Propagator& sat = *sats_[w.satellite];
    const GroundStation& gs = stations_[w.station];
    // On a sphere of the station's geocentric radius R, a satellite at
    // geocentric radius r seen at elevation e is
    // sqrt(r^2 - (R cos e)^2) - R sin e away. The ellipsoid's normal
    // differs from the geocentric vertical by at most 0.19 deg: about 21 km
    // of range at the horizon.
    for (const absl::Time t : {w.start, w.start + (w.end - w.start) / 2,
                               w.end}) {
      const double e = ElevationRad(sat, gs, t);
      const double big_r = Norm(GeodeticToEcef(gs.location));
      const double r = Norm(sat.Propagate(t).position_km);
      const double expected =
          std::sqrt(r * r - std::pow(big_r * std::cos(e), 2)) -
          big_r * std::sin(e);
      EXPECT_NEAR(SlantRangeKm(sat, gs, t), expected, 25.0) << gs.name;
    }
    // Never nearer than the orbit's height above the station.
    EXPECT_GT(SlantRangeKm(sat, gs, w.start + (w.end - w.start) / 2), 595);
  }
}

TEST_F(VisibilityTest, SortedByStartSatelliteStation) {
  auto windows = FindGroundWindows(sats_, stations_, options_);
  ASSERT_THAT(windows, IsOk());
  EXPECT_TRUE(
      std::is_sorted(windows->begin(), windows->end(),
                     [](const ContactWindow& a, const ContactWindow& b) {
                       return std::tie(a.start, a.satellite, a.station) <
                              std::tie(b.start, b.satellite, b.station);
                     }));
}

// The scan finds the same windows as sampling every second, for the default
// step and for one several times longer.
TEST_F(VisibilityTest, MatchesBruteForceOneSecondScan) {
  const std::vector<ContactWindow> brute =
      BruteForce(sats_, stations_, options_.start, options_.stop);
  ASSERT_GT(brute.size(), 10u);
  for (absl::Duration step : {absl::Seconds(20), absl::Seconds(90)}) {
    options_.scan_step = step;
    auto found = FindGroundWindows(sats_, stations_, options_);
    ASSERT_THAT(found, IsOk());
    // Windows shorter than a few seconds may fall between 1 s samples.
    auto matches = [](const ContactWindow& a, const ContactWindow& b) {
      return a.satellite == b.satellite && a.station == b.station &&
             absl::AbsDuration(a.start - b.start) <= absl::Seconds(1) &&
             absl::AbsDuration(a.end - b.end) <= absl::Seconds(1);
    };
    for (const ContactWindow& b : brute) {
      if (b.end - b.start < absl::Seconds(3)) continue;
      const auto count =
          std::count_if(found->begin(), found->end(),
                        [&](const ContactWindow& f) { return matches(f, b); });
      EXPECT_EQ(count, 1) << "step " << step << ": sat " << b.satellite
                          << " station " << b.station << " at " << b.start;
    }
    for (const ContactWindow& f : *found) {
      if (f.end - f.start < absl::Seconds(3)) continue;
      const auto it =
          std::find_if(brute.begin(), brute.end(),
                       [&](const ContactWindow& b) { return matches(f, b); });
      ASSERT_NE(it, brute.end())
          << "step " << step << ": sat " << f.satellite << " station "
          << f.station << " at " << f.start;
      // The refined peak is at least the best 1 s sample and barely above it.
      EXPECT_GE(f.max_elevation_rad, it->max_elevation_rad - 1e-6);
      EXPECT_LT(f.max_elevation_rad, it->max_elevation_rad + 0.01 * kDegToRad);
    }
  }
}

TEST_F(VisibilityTest, WindowsOpenAtStartOrStopAreClipped) {
  auto all = FindGroundWindows(sats_, stations_, options_);
  ASSERT_THAT(all, IsOk());
  const auto long_window =
      std::find_if(all->begin(), all->end(), [](const ContactWindow& w) {
        return w.end - w.start > absl::Minutes(2);
      });
  ASSERT_NE(long_window, all->end());
  const absl::Time mid =
      long_window->start + (long_window->end - long_window->start) / 2;
  auto is_pair = [&](const ContactWindow& w) {
    return w.satellite == long_window->satellite &&
           w.station == long_window->station;
  };

  WindowSearchOptions from_mid = options_;
  from_mid.start = mid;
  auto after = FindGroundWindows(sats_, stations_, from_mid);
  ASSERT_THAT(after, IsOk());
  const auto first = std::find_if(after->begin(), after->end(), is_pair);
  ASSERT_NE(first, after->end());
  EXPECT_EQ(first->start, mid);
  EXPECT_NEAR(absl::ToDoubleSeconds(first->end - long_window->end), 0, 0.05);

  WindowSearchOptions to_mid = options_;
  to_mid.stop = mid;
  auto before = FindGroundWindows(sats_, stations_, to_mid);
  ASSERT_THAT(before, IsOk());
  const auto last = std::find_if(before->rbegin(), before->rend(), is_pair);
  ASSERT_NE(last, before->rend());
  EXPECT_EQ(last->end, mid);
  EXPECT_NEAR(absl::ToDoubleSeconds(last->start - long_window->start), 0, 0.05);
}

TEST(VisibilityGeoTest, GeostationarySatelliteIsOneWindowOverhead) {
  // Equatorial circular orbit at the geostationary radius, placed over
  // longitude 0 at the epoch: right ascension = GMST.
  KeplerElements e;
  e.epoch = Epoch();
  e.semi_major_axis_km = 42164.17;
  e.mean_anomaly_rad = GmstRad(Epoch());
  auto geo = J2Propagator::Create(e);
  ASSERT_THAT(geo, IsOk());
  const GroundStation below = Station("gulf-of-guinea", 0, 0, 0, 10);
  WindowSearchOptions o;
  o.start = Epoch();
  o.stop = Epoch() + absl::Hours(24);
  o.scan_step = absl::Minutes(5);
  auto windows = FindGroundWindows({geo->get()}, {below}, o);
  ASSERT_THAT(windows, IsOk());
  ASSERT_EQ(windows->size(), 1u);
  EXPECT_EQ((*windows)[0].start, o.start);
  EXPECT_EQ((*windows)[0].end, o.stop);
  EXPECT_GT((*windows)[0].max_elevation_rad, 89.5 * kDegToRad);
  EXPECT_GT(ElevationRad(**geo, below, Epoch() + absl::Hours(17)),
            89 * kDegToRad);
}

TEST(VisibilityGeoTest, EquatorialLeoNeverSeenFromThePole) {
  KeplerElements e;
  e.epoch = Epoch();
  e.semi_major_axis_km = 6378.137 + 500;
  auto leo = J2Propagator::Create(e);
  ASSERT_THAT(leo, IsOk());
  WindowSearchOptions o;
  o.start = Epoch();
  o.stop = Epoch() + absl::Hours(12);
  auto windows =
      FindGroundWindows({leo->get()}, {Station("pole", 90, 0, 0, 0)}, o);
  ASSERT_THAT(windows, IsOk());
  EXPECT_TRUE(windows->empty());
}

TEST_F(VisibilityTest, NothingToSearchIsEmpty) {
  auto windows = FindGroundWindows({}, stations_, options_);
  ASSERT_THAT(windows, IsOk());
  EXPECT_TRUE(windows->empty());
}

TEST_F(VisibilityTest, RejectsBadOptionsNamingTheField) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  WindowSearchOptions o = options_;
  o.stop = o.start;
  EXPECT_THAT(FindGroundWindows(sats_, stations_, o),
              StatusIs(kInvalid, "window_search.stop: expected > start"));
  o = options_;
  o.stop = absl::InfiniteFuture();
  EXPECT_THAT(FindGroundWindows(sats_, stations_, o),
              StatusIs(kInvalid, "window_search.stop"));
  o = options_;
  o.scan_step = absl::ZeroDuration();
  EXPECT_THAT(FindGroundWindows(sats_, stations_, o),
              StatusIs(kInvalid, "window_search.scan_step: expected > 0"));
  o = options_;
  o.tolerance = -absl::Milliseconds(1);
  EXPECT_THAT(FindGroundWindows(sats_, stations_, o),
              StatusIs(kInvalid, "window_search.tolerance: expected > 0"));
  std::vector<const Propagator*> with_null = sats_;
  with_null.push_back(nullptr);
  EXPECT_THAT(FindGroundWindows(with_null, stations_, options_),
              StatusIs(kInvalid, "satellites[6]"));
  std::vector<GroundStation> bad_mask = stations_;
  bad_mask[1].min_elevation_rad = 2.0;
  EXPECT_THAT(FindGroundWindows(sats_, bad_mask, options_),
              StatusIs(kInvalid, "stations[1] (matera).min_elevation_rad"));
  std::vector<GroundStation> bad_lat = stations_;
  bad_lat[0].location.lat_rad = -3.0;
  EXPECT_THAT(FindGroundWindows(sats_, bad_lat, options_),
              StatusIs(kInvalid, "stations[0] (svalbard).location.lat_rad"));
}

}  // namespace
}  // namespace orbitfl::orbit

namespace orbitfl::orbit {
namespace {

// A propagator that fails (NaN, as SGP4 after decay) from a given instant.
class FailsAfter final : public Propagator {
 public:
  FailsAfter(const Propagator& inner, absl::Time fail) : inner_(inner), fail_(fail) {}
  StateVector Propagate(absl::Time t) const override {
    if (t < fail_) return inner_.Propagate(t);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {{nan, nan, nan}, {nan, nan, nan}};
  }

 private:
  const Propagator& inner_;
  absl::Time fail_;
};

TEST_F(VisibilityTest, AWindowEndsWhereThePropagatorFails) {
  WindowSearchOptions o;
  o.start = Epoch();
  o.stop = Epoch() + absl::Hours(6);
  auto all = FindGroundWindows(sats_, stations_, o);
  ASSERT_THAT(all, IsOk());
  ASSERT_FALSE(all->empty());
  // Fail in the middle of the first window of satellite 0.
  const ContactWindow* first = nullptr;
  for (const ContactWindow& w : *all) {
    if (w.satellite == 0 && w.end - w.start > absl::Seconds(60)) {
      first = &w;
      break;
    }
  }
  ASSERT_NE(first, nullptr);
  const absl::Time fail = first->start + (first->end - first->start) / 2;
  FailsAfter failing(*sats_[0], fail);
  auto cut = FindGroundWindows({&failing}, {stations_[first->station]}, o);
  ASSERT_THAT(cut, IsOk());
  ASSERT_FALSE(cut->empty());
  bool found = false;
  for (const ContactWindow& w : *cut) {
    EXPECT_LE(w.end, fail + absl::Seconds(1));
    found |= absl::AbsDuration(w.start - first->start) < absl::Seconds(1);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace orbitfl::orbit

namespace orbitfl::orbit {
namespace {

TEST_F(VisibilityTest, AnyNumberOfThreadsGivesTheSameWindows) {
  WindowSearchOptions o;
  o.start = Epoch();
  o.stop = Epoch() + absl::Hours(12);
  auto one = FindGroundWindows(sats_, stations_, o);
  o.num_threads = 4;
  auto four = FindGroundWindows(sats_, stations_, o);
  ASSERT_THAT(one, IsOk());
  ASSERT_THAT(four, IsOk());
  ASSERT_EQ(one->size(), four->size());
  for (size_t i = 0; i < one->size(); ++i) {
    EXPECT_EQ((*one)[i].start, (*four)[i].start);
    EXPECT_EQ((*one)[i].end, (*four)[i].end);
    EXPECT_EQ((*one)[i].satellite, (*four)[i].satellite);
    EXPECT_EQ((*one)[i].max_elevation_rad, (*four)[i].max_elevation_rad);
  }
  o.num_threads = 0;
  EXPECT_THAT(FindGroundWindows(sats_, stations_, o),
              StatusIs(absl::StatusCode::kInvalidArgument, "num_threads"));
}

}  // namespace
}  // namespace orbitfl::orbit
