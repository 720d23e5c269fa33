#include "orbit/isl.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <tuple>
#include <utility>
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
  return absl::FromCivil(absl::CivilSecond(2025, 9, 1, 0, 0, 0),
                         absl::UTCTimeZone());
}

// The in-view rule of isl.h, written out independently of the library's
// margin: range within max range and the segment clear of the grazing
// sphere.
bool InView(const Propagator& a, const Propagator& b, absl::Time t,
            const IslOptions& o) {
  const Vec3 ra = a.Propagate(t).position_km, rb = b.Propagate(t).position_km;
  return Norm(rb - ra) <= o.max_range_km &&
         SegmentClearanceKm(ra, rb) >=
             kEarthEquatorialRadiusKm + o.grazing_altitude_km;
}

double RangeKm(const Propagator& a, const Propagator& b, absl::Time t) {
  return Norm(b.Propagate(t).position_km - a.Propagate(t).position_km);
}

class Constellation {
 public:
  void Add(const KeplerElements& e, SatelliteSlot slot = {}) {
    auto p = J2Propagator::Create(e);
    ASSERT_THAT(p, IsOk());
    owned_.push_back(std::move(p).value());
    sats_.push_back(owned_.back().get());
    slots_.push_back(slot);
  }
  void AddWalker(const WalkerDeltaOptions& o) {
    auto elements = WalkerDelta(o);
    ASSERT_THAT(elements, IsOk());
    for (const NamedElements& e : *elements) {
      Add(e.elements, {e.plane, e.slot});
    }
  }
  const std::vector<const Propagator*>& sats() const { return sats_; }
  const std::vector<SatelliteSlot>& slots() const { return slots_; }

 private:
  std::vector<std::unique_ptr<J2Propagator>> owned_;
  std::vector<const Propagator*> sats_;
  std::vector<SatelliteSlot> slots_;
};

KeplerElements Circular(double altitude_km, double inclination_deg,
                        double raan_deg, double anomaly_deg) {
  KeplerElements e;
  e.epoch = Epoch();
  e.semi_major_axis_km = kEarthEquatorialRadiusKm + altitude_km;
  e.inclination_rad = inclination_deg * kDegToRad;
  e.raan_rad = raan_deg * kDegToRad;
  e.mean_anomaly_rad = anomaly_deg * kDegToRad;
  return e;
}

IslOptions HoursFromEpoch(double hours) {
  IslOptions o;
  o.start = Epoch();
  o.stop = Epoch() + absl::Hours(hours);
  return o;
}

TEST(SegmentClearanceTest, ClosestPointOfTheSegment) {
  // Chord through the plane x = 7000: the closest point is its middle.
  EXPECT_NEAR(SegmentClearanceKm({7000, -3000, 0}, {7000, 3000, 0}), 7000,
              1e-9);
  // The origin's foot lies beyond b: the clearance is |b|.
  EXPECT_NEAR(SegmentClearanceKm({9000, 0, 0}, {7000, 0, 0}), 7000, 1e-9);
  // Through the Earth.
  EXPECT_NEAR(SegmentClearanceKm({7000, 0, 0}, {-7000, 0, 0}), 0, 1e-9);
  EXPECT_NEAR(SegmentClearanceKm({0, 0, 7000}, {0, 0, 7000}), 7000, 1e-9);
}

TEST(IslTest, SameOrbitTenDegreesApartAlwaysInView) {
  Constellation c;
  c.Add(Circular(550, 53, 40, 0));
  c.Add(Circular(550, 53, 40, 10));
  const IslOptions o = HoursFromEpoch(24);
  auto windows = FindIslWindows(c.sats(), {}, o);
  ASSERT_THAT(windows, IsOk());
  ASSERT_EQ(windows->size(), 1u);
  const IslWindow& w = (*windows)[0];
  EXPECT_EQ(w.a, 0);
  EXPECT_EQ(w.b, 1);
  EXPECT_EQ(w.start, o.start);
  EXPECT_EQ(w.end, o.stop);
  // Chord 2 r sin(5 deg); J2 moves both alike, so it barely changes.
  EXPECT_NEAR(w.min_range_km,
              2 * (kEarthEquatorialRadiusKm + 550) * std::sin(5 * kDegToRad),
              0.5);
}

TEST(IslTest, OppositeSidesOfTheEarthNeverInView) {
  Constellation c;
  c.Add(Circular(550, 53, 40, 0));
  c.Add(Circular(550, 53, 40, 180));
  IslOptions o = HoursFromEpoch(24);
  o.max_range_km = 100000;
  auto windows = FindIslWindows(c.sats(), {}, o);
  ASSERT_THAT(windows, IsOk());
  EXPECT_TRUE(windows->empty());
}

TEST(IslTest, GrazingAltitudeDecidesOverTheLimb) {
  // Same orbit at 550 km, 2 phi apart: the chord's middle is r cos(phi)
  // from the centre. 2 phi = 40 deg gives 6510 km, above 6378 + 80 = 6458
  // but below 6378 + 200.
  Constellation c;
  c.Add(Circular(550, 53, 40, 0));
  c.Add(Circular(550, 53, 40, 40));
  IslOptions o = HoursFromEpoch(2);
  o.max_range_km = 10000;
  auto open = FindIslWindows(c.sats(), {}, o);
  ASSERT_THAT(open, IsOk());
  EXPECT_EQ(open->size(), 1u);
  o.grazing_altitude_km = 200;
  auto blocked = FindIslWindows(c.sats(), {}, o);
  ASSERT_THAT(blocked, IsOk());
  EXPECT_TRUE(blocked->empty());
}

// Windows found by sampling every second: [first, last] in-view samples,
// with the smallest sampled range.
std::vector<IslWindow> BruteForce(const std::vector<const Propagator*>& sats,
                                  const IslOptions& o) {
  std::vector<IslWindow> windows;
  const int n = sats.size();
  std::vector<bool> open(n * n, false);
  std::vector<int> current(n * n, -1);
  for (absl::Time t = o.start; t <= o.stop; t += absl::Seconds(1)) {
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) {
        const bool up = InView(*sats[a], *sats[b], t, o);
        const int k = a * n + b;
        if (up && !open[k]) {
          current[k] = windows.size();
          windows.push_back({a, b, t, t, RangeKm(*sats[a], *sats[b], t)});
        }
        if (up) {
          IslWindow& w = windows[current[k]];
          w.end = t;
          w.min_range_km =
              std::min(w.min_range_km, RangeKm(*sats[a], *sats[b], t));
        }
        open[k] = up;
      }
    }
  }
  return windows;
}

void ExpectSortedAndTight(const std::vector<const Propagator*>& sats,
                          const std::vector<IslWindow>& windows,
                          const IslOptions& o) {
  EXPECT_TRUE(std::is_sorted(windows.begin(), windows.end(),
                             [](const IslWindow& x, const IslWindow& y) {
                               return std::tie(x.start, x.a, x.b) <
                                      std::tie(y.start, y.a, y.b);
                             }));
  const absl::Duration tol = o.tolerance;
  for (const IslWindow& w : windows) {
    ASSERT_LT(w.a, w.b);
    ASSERT_LE(w.start, w.end);
    const Propagator &a = *sats[w.a], &b = *sats[w.b];
    EXPECT_TRUE(InView(a, b, w.start, o));
    EXPECT_TRUE(InView(a, b, w.end, o));
    if (w.start > o.start) {
      EXPECT_FALSE(InView(a, b, w.start - tol, o));
    }
    if (w.end < o.stop) {
      EXPECT_FALSE(InView(a, b, w.end + tol, o));
    }
    EXPECT_LE(w.min_range_km, RangeKm(a, b, w.start) + 1e-9);
    EXPECT_LE(w.min_range_km, RangeKm(a, b, w.end) + 1e-9);
  }
}

class IslShellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Walker delta 24/6/1 at 550 km, 53 deg: planes 60 deg apart, so pairs
    // of neighbouring planes meet and part every orbit.
    WalkerDeltaOptions w;
    w.total = 24;
    w.planes = 6;
    w.phasing = 1;
    w.altitude_km = 550;
    w.inclination_deg = 53;
    w.epoch = Epoch();
    shell_.AddWalker(w);
    options_ = HoursFromEpoch(2);
    options_.max_range_km = 4000;
  }

  Constellation shell_;
  IslOptions options_;
};

// Same windows as sampling every second, for the default step, a long step
// (where windows and gaps shorter than a step occur) and line-of-sight
// rather than range as the binding limit.
TEST_F(IslShellTest, MatchesBruteForceOneSecondScan) {
  struct Case {
    double max_range_km;
    absl::Duration step;
  };
  for (const Case& c :
       {Case{4000, absl::Seconds(30)}, Case{4000, absl::Seconds(150)},
        Case{8000, absl::Seconds(60)}}) {
    IslOptions o = options_;
    o.max_range_km = c.max_range_km;
    o.scan_step = c.step;
    const std::vector<IslWindow> brute = BruteForce(shell_.sats(), o);
    ASSERT_GT(brute.size(), 20u);
    auto found = FindIslWindows(shell_.sats(), {}, o);
    ASSERT_THAT(found, IsOk());
    ExpectSortedAndTight(shell_.sats(), *found, o);
    auto matches = [](const IslWindow& x, const IslWindow& y) {
      return x.a == y.a && x.b == y.b &&
             absl::AbsDuration(x.start - y.start) <= absl::Seconds(1) &&
             absl::AbsDuration(x.end - y.end) <= absl::Seconds(1);
    };
    // Windows of a few seconds may fall between 1 s samples.
    for (const IslWindow& b : brute) {
      if (b.end - b.start < absl::Seconds(3)) continue;
      const auto count =
          std::count_if(found->begin(), found->end(),
                        [&](const IslWindow& f) { return matches(f, b); });
      EXPECT_EQ(count, 1) << "range " << c.max_range_km << " step " << c.step
                          << ": " << b.a << "-" << b.b << " at " << b.start;
    }
    for (const IslWindow& f : *found) {
      if (f.end - f.start < absl::Seconds(3)) continue;
      const auto it =
          std::find_if(brute.begin(), brute.end(),
                       [&](const IslWindow& b) { return matches(f, b); });
      ASSERT_NE(it, brute.end())
          << "range " << c.max_range_km << " step " << c.step << ": " << f.a
          << "-" << f.b << " at " << f.start;
      // The refined minimum is at most the best 1 s sample, and close.
      // Closest approaches come from the cubic: h^4/384 |d4p/dt4| per
      // satellite, |d4p/dt4| < 1.5e-8 km/s^4 (4 cm at 30 s, 40 m at 150 s).
      const double cubic_km =
          2 * std::pow(absl::ToDoubleSeconds(c.step), 4) / 384 * 1.5e-8;
      EXPECT_LE(f.min_range_km, it->min_range_km + cubic_km);
      EXPECT_GT(f.min_range_km, it->min_range_km - 1.0);
    }
  }
}

// Two satellites in planes 10 deg of RAAN apart, same argument of latitude:
// their distance peaks at each node crossing (every half orbit, starting at
// the epoch). With max range just under
// the peak, the link drops for well under a minute there, between two
// in-view samples of a 2 min step; the scan still finds the gap.
TEST(IslTest, ShortGapInsideAStepIsFound) {
  Constellation c;
  c.Add(Circular(550, 53, 0, 0));
  c.Add(Circular(550, 53, 10, 0));
  IslOptions o = HoursFromEpoch(6);
  double peak_km = 0;
  for (absl::Time t = o.start; t <= o.stop; t += absl::Seconds(1)) {
    peak_km = std::max(peak_km, RangeKm(*c.sats()[0], *c.sats()[1], t));
  }
  o.max_range_km = peak_km - 0.5;
  o.scan_step = absl::Minutes(2);
  const std::vector<IslWindow> brute = BruteForce(c.sats(), o);
  ASSERT_GE(brute.size(), 8u);
  auto found = FindIslWindows(c.sats(), {}, o);
  ASSERT_THAT(found, IsOk());
  ExpectSortedAndTight(c.sats(), *found, o);
  ASSERT_EQ(found->size(), brute.size());
  for (size_t i = 0; i < brute.size(); ++i) {
    EXPECT_LE(absl::AbsDuration((*found)[i].start - brute[i].start),
              absl::Seconds(1));
    EXPECT_LE(absl::AbsDuration((*found)[i].end - brute[i].end),
              absl::Seconds(1));
  }
  // Gaps are shorter than the step.
  for (size_t i = 1; i < found->size(); ++i) {
    EXPECT_LT((*found)[i].start - (*found)[i - 1].end, absl::Minutes(2));
  }
}

TEST_F(IslShellTest, SameResultForAnyThreadCount) {
  auto one = FindIslWindows(shell_.sats(), {}, options_);
  ASSERT_THAT(one, IsOk());
  for (int threads : {2, 3, 7, 500}) {
    IslOptions o = options_;
    o.num_threads = threads;
    auto many = FindIslWindows(shell_.sats(), {}, o);
    ASSERT_THAT(many, IsOk());
    ASSERT_EQ(many->size(), one->size()) << threads << " threads";
    for (size_t i = 0; i < one->size(); ++i) {
      const IslWindow &x = (*one)[i], &y = (*many)[i];
      EXPECT_TRUE(x.a == y.a && x.b == y.b && x.start == y.start &&
                  x.end == y.end && x.min_range_km == y.min_range_km)
          << threads << " threads, window " << i;
    }
  }
}

TEST_F(IslShellTest, WindowsOpenAtStartOrStopAreClipped) {
  auto all = FindIslWindows(shell_.sats(), {}, options_);
  ASSERT_THAT(all, IsOk());
  const auto long_window =
      std::find_if(all->begin(), all->end(), [&](const IslWindow& w) {
        return w.start > options_.start && w.end < options_.stop &&
               w.end - w.start > absl::Minutes(4);
      });
  ASSERT_NE(long_window, all->end());
  const absl::Time mid =
      long_window->start + (long_window->end - long_window->start) / 2;
  auto same_pair = [&](const IslWindow& w) {
    return w.a == long_window->a && w.b == long_window->b;
  };
  IslOptions from_mid = options_;
  from_mid.start = mid;
  auto after = FindIslWindows(shell_.sats(), {}, from_mid);
  ASSERT_THAT(after, IsOk());
  const auto first = std::find_if(after->begin(), after->end(), same_pair);
  ASSERT_NE(first, after->end());
  EXPECT_EQ(first->start, mid);
  EXPECT_NEAR(absl::ToDoubleSeconds(first->end - long_window->end), 0, 0.02);

  IslOptions to_mid = options_;
  to_mid.stop = mid;
  auto before = FindIslWindows(shell_.sats(), {}, to_mid);
  ASSERT_THAT(before, IsOk());
  const auto last = std::find_if(before->rbegin(), before->rend(), same_pair);
  ASSERT_NE(last, before->rend());
  EXPECT_EQ(last->end, mid);
  EXPECT_NEAR(absl::ToDoubleSeconds(last->start - long_window->start), 0, 0.02);
}

// The policies keep exactly the allowed pairs' windows of kAnyInRange.
TEST(IslPolicyTest, PoliciesKeepTheAllowedPairsOfAnyInRange) {
  // Walker 80/8/1 at 550 km: 10 slots per plane, 36 deg apart (4,280 km,
  // always in view); planes 45 deg apart meet and part.
  WalkerDeltaOptions walker;
  walker.total = 80;
  walker.planes = 8;
  walker.phasing = 1;
  walker.altitude_km = 550;
  walker.inclination_deg = 53;
  walker.epoch = Epoch();
  Constellation shell;
  shell.AddWalker(walker);
  IslOptions o = HoursFromEpoch(2);
  o.max_range_km = 5000;
  auto any = FindIslWindows(shell.sats(), shell.slots(), o);
  ASSERT_THAT(any, IsOk());
  const std::vector<SatelliteSlot>& slots = shell.slots();
  auto one_apart = [](int x, int y, int n) {
    return (x - y + n) % n == 1 || (y - x + n) % n == 1;
  };
  auto same_plane = [&](int a, int b) {
    return slots[a].plane == slots[b].plane &&
           one_apart(slots[a].slot, slots[b].slot, 10);
  };
  auto adjacent_plane = [&](int a, int b) {
    return slots[a].slot == slots[b].slot &&
           one_apart(slots[a].plane, slots[b].plane, 8);
  };
  struct Case {
    IslPolicy policy;
    bool plus;
  };
  for (const Case& c : {Case{IslPolicy::kSamePlaneNeighbours, false},
                        Case{IslPolicy::kPlusGrid, true}}) {
    o.policy = c.policy;
    auto restricted = FindIslWindows(shell.sats(), slots, o);
    ASSERT_THAT(restricted, IsOk());
    std::vector<IslWindow> expected;
    int same_plane_windows = 0, cross_plane_windows = 0;
    for (const IslWindow& w : *any) {
      if (same_plane(w.a, w.b)) {
        expected.push_back(w);
        ++same_plane_windows;
      } else if (c.plus && adjacent_plane(w.a, w.b)) {
        expected.push_back(w);
        ++cross_plane_windows;
      }
    }
    // Every same-plane neighbour pair, in view throughout.
    EXPECT_EQ(same_plane_windows, 80);
    EXPECT_EQ(c.plus, cross_plane_windows > 0);
    ASSERT_EQ(restricted->size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      const IslWindow &x = expected[i], &y = (*restricted)[i];
      EXPECT_EQ(std::tie(x.a, x.b, x.start, x.end),
                std::tie(y.a, y.b, y.start, y.end));
      EXPECT_EQ(x.min_range_km, y.min_range_km);
    }
  }
  EXPECT_GT(any->size(), 200u);
}

TEST(IslPolicyTest, SamePlaneNeighboursWrapAroundThePlane) {
  // One plane of 24 at 550 km: neighbours 15 deg apart (1,810 km) and the
  // next ones (30 deg, 3,590 km, clear of the limb) are all in range; the
  // policy keeps slot +-1 only, with slots 23 and 0 wrapping.
  Constellation c;
  for (int s = 0; s < 24; ++s) c.Add(Circular(550, 53, 0, 15.0 * s), {0, s});
  IslOptions o = HoursFromEpoch(1);
  o.max_range_km = 4000;
  auto any = FindIslWindows(c.sats(), c.slots(), o);
  ASSERT_THAT(any, IsOk());
  EXPECT_EQ(any->size(), 48u);
  o.policy = IslPolicy::kSamePlaneNeighbours;
  auto windows = FindIslWindows(c.sats(), c.slots(), o);
  ASSERT_THAT(windows, IsOk());
  std::set<std::pair<int, int>> pairs;
  for (const IslWindow& w : *windows) {
    pairs.insert({w.a, w.b});
    EXPECT_EQ(w.start, o.start);
    EXPECT_EQ(w.end, o.stop);
  }
  std::set<std::pair<int, int>> expected;
  for (int s = 0; s < 23; ++s) expected.insert({s, s + 1});
  expected.insert({0, 23});
  EXPECT_EQ(pairs, expected);
}

TEST(IslPolicyTest, PlusGridLinksTheSameSlotInAdjacentPlanesWrapping) {
  // Three planes of 3, phased alike: plane p+1 and the same slot are 10 deg
  // of RAAN away. Plane 2 wraps to plane 0 (20 deg).
  Constellation c;
  for (int p = 0; p < 3; ++p) {
    for (int s = 0; s < 3; ++s) {
      c.Add(Circular(550, 53, 10.0 * p, 120.0 * s), {p, s});
    }
  }
  IslOptions o = HoursFromEpoch(0.5);
  o.max_range_km = 100000;
  o.grazing_altitude_km = 0;
  o.policy = IslPolicy::kPlusGrid;
  auto windows = FindIslWindows(c.sats(), c.slots(), o);
  ASSERT_THAT(windows, IsOk());
  std::set<std::pair<int, int>> pairs;
  for (const IslWindow& w : *windows) pairs.insert({w.a, w.b});
  // Same plane, 120 deg apart: line of sight blocked. Index = 3 p + s.
  const std::set<std::pair<int, int>> expected = {
      {0, 3}, {1, 4}, {2, 5}, {3, 6}, {4, 7}, {5, 8}, {0, 6}, {1, 7}, {2, 8}};
  EXPECT_EQ(pairs, expected);
}

TEST(IslTest, NothingToSearchIsEmpty) {
  const IslOptions o = HoursFromEpoch(1);
  auto none = FindIslWindows({}, {}, o);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
  Constellation c;
  c.Add(Circular(550, 53, 0, 0));
  auto one = FindIslWindows(c.sats(), {}, o);
  ASSERT_THAT(one, IsOk());
  EXPECT_TRUE(one->empty());
}

TEST(IslTest, RejectsBadOptionsNamingTheField) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  Constellation c;
  c.Add(Circular(550, 53, 0, 0), {0, 0});
  c.Add(Circular(550, 53, 0, 10), {0, 1});
  const IslOptions good = HoursFromEpoch(1);
  ASSERT_THAT(FindIslWindows(c.sats(), c.slots(), good), IsOk());
  IslOptions o = good;
  o.stop = o.start;
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "isl.stop: expected > start"));
  o = good;
  o.start = absl::InfinitePast();
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "isl.start: expected a finite time"));
  o = good;
  o.scan_step = absl::ZeroDuration();
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "isl.scan_step: expected > 0"));
  o = good;
  o.tolerance = -absl::Milliseconds(1);
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "isl.tolerance: expected > 0"));
  o = good;
  o.max_range_km = 0;
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "isl.max_range_km"));
  o.max_range_km = NAN;
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "isl.max_range_km"));
  o = good;
  o.grazing_altitude_km = -1;
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "isl.grazing_altitude_km"));
  o = good;
  o.num_threads = 0;
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "isl.num_threads: expected >= 1, got 0"));
  o = good;
  o.policy = static_cast<IslPolicy>(17);
  EXPECT_THAT(FindIslWindows(c.sats(), c.slots(), o),
              StatusIs(kInvalid, "isl.policy"));
  std::vector<const Propagator*> with_null = c.sats();
  with_null.push_back(nullptr);
  EXPECT_THAT(FindIslWindows(with_null, {}, good),
              StatusIs(kInvalid, "satellites[2]"));
}

TEST(IslTest, RejectsBadSlots) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  Constellation c;
  c.Add(Circular(550, 53, 0, 0), {0, 0});
  c.Add(Circular(550, 53, 0, 10), {0, 1});
  IslOptions o = HoursFromEpoch(1);
  o.policy = IslPolicy::kPlusGrid;
  EXPECT_THAT(FindIslWindows(c.sats(), {}, o),
              StatusIs(kInvalid, "slots: expected one per satellite (2)"));
  EXPECT_THAT(FindIslWindows(c.sats(), {{0, 0}, {0, 0}}, o),
              StatusIs(kInvalid,
                       "slots[1]: expected a (plane, slot) of its "
                       "own, got plane 0 slot 0 as slots[0]"));
  EXPECT_THAT(FindIslWindows(c.sats(), {{0, 0}, {-1, 0}}, o),
              StatusIs(kInvalid, "slots[1]: expected plane >= 0"));
  // kAnyInRange takes no slots, but checks them when given.
  o.policy = IslPolicy::kAnyInRange;
  EXPECT_THAT(FindIslWindows(c.sats(), {{0, 0}}, o),
              StatusIs(kInvalid, "slots: expected one per satellite"));
}

}  // namespace
}  // namespace orbitfl::orbit
