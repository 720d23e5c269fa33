#include "orbit/walker.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "orbit/frames.h"
#include "orbit/propagator.h"
#include "tests/status_matchers.h"

namespace orbitfl::orbit {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

WalkerDeltaOptions Options12_3_1() {
  WalkerDeltaOptions o;
  o.total = 12;
  o.planes = 3;
  o.phasing = 1;
  o.altitude_km = 1000;
  o.inclination_deg = 55;
  o.epoch = absl::FromCivil(absl::CivilSecond(2024, 1, 1, 0, 0, 0),
                            absl::UTCTimeZone());
  return o;
}

double WrapDeg(double deg) {
  const double w = std::fmod(deg, 360.0);
  return w < 0 ? w + 360 : w;
}

TEST(WalkerDeltaTest, Pattern12_3_1) {
  const WalkerDeltaOptions o = Options12_3_1();
  auto sats = WalkerDelta(o);
  ASSERT_THAT(sats, IsOk());
  ASSERT_EQ(sats->size(), 12u);
  for (const NamedElements& s : *sats) {
    const KeplerElements& e = s.elements;
    EXPECT_EQ(e.epoch, o.epoch);
    EXPECT_DOUBLE_EQ(e.semi_major_axis_km, 6378.137 + 1000);
    EXPECT_EQ(e.eccentricity, 0);
    EXPECT_NEAR(e.inclination_rad * kRadToDeg, 55, 1e-12);
    // Planes 120 deg apart in RAAN.
    EXPECT_NEAR(e.raan_rad * kRadToDeg, 120.0 * s.plane, 1e-9) << s.name;
    // Four slots 90 deg apart, each plane shifted by F * 360 / T = 30 deg.
    const double u_deg = (e.arg_perigee_rad + e.mean_anomaly_rad) * kRadToDeg;
    EXPECT_NEAR(WrapDeg(u_deg), WrapDeg(90.0 * s.slot + 30.0 * s.plane), 1e-9)
        << s.name;
  }
  EXPECT_EQ((*sats)[0].name, "sat-00-00");
  EXPECT_EQ((*sats)[5].name, "sat-01-01");
  EXPECT_EQ((*sats)[5].plane, 1);
  EXPECT_EQ((*sats)[5].slot, 1);
  EXPECT_EQ((*sats)[11].name, "sat-02-03");
}

TEST(WalkerDeltaTest, NamesUseThePrefixAndAreUnique) {
  WalkerDeltaOptions o = Options12_3_1();
  o.name_prefix = "leo";
  auto sats = WalkerDelta(o);
  ASSERT_THAT(sats, IsOk());
  std::set<std::string> names;
  for (const NamedElements& s : *sats) names.insert(s.name);
  EXPECT_EQ(names.size(), 12u);
  EXPECT_EQ(*names.begin(), "leo-00-00");
}

TEST(WalkerDeltaTest, SatellitesPropagateAtTheirAltitude) {
  auto sats = WalkerDelta(Options12_3_1());
  ASSERT_THAT(sats, IsOk());
  for (const NamedElements& s : *sats) {
    auto prop = J2Propagator::Create(s.elements);
    ASSERT_THAT(prop, IsOk());
    const StateVector state = (*prop)->Propagate(s.elements.epoch);
    EXPECT_NEAR(Norm(state.position_km), 6378.137 + 1000, 1e-6);
  }
}

TEST(WalkerDeltaTest, PolarSingleSatellitePerPlane) {
  WalkerDeltaOptions o = Options12_3_1();
  o.total = 6;
  o.planes = 6;
  o.phasing = 5;
  o.inclination_deg = 90;
  auto sats = WalkerDelta(o);
  ASSERT_THAT(sats, IsOk());
  ASSERT_EQ(sats->size(), 6u);
  for (const NamedElements& s : *sats) {
    EXPECT_EQ(s.slot, 0);
    EXPECT_NEAR(s.elements.raan_rad * kRadToDeg, 60.0 * s.plane, 1e-9);
    EXPECT_NEAR(s.elements.mean_anomaly_rad * kRadToDeg,
                WrapDeg(300.0 * s.plane), 1e-9);
  }
}

TEST(WalkerDeltaTest, RejectsBadOptionsNamingTheField) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  WalkerDeltaOptions o = Options12_3_1();
  o.altitude_km = -5;
  EXPECT_THAT(
      WalkerDelta(o),
      StatusIs(kInvalid, "walker_delta.altitude_km: expected > 0, got -5"));
  o = Options12_3_1();
  o.altitude_km = 200000;
  EXPECT_THAT(WalkerDelta(o), StatusIs(kInvalid, "walker_delta.altitude_km"));
  o = Options12_3_1();
  o.total = 10;
  EXPECT_THAT(WalkerDelta(o), StatusIs(kInvalid, "walker_delta.total"));
  o = Options12_3_1();
  o.total = 0;
  EXPECT_THAT(WalkerDelta(o), StatusIs(kInvalid, "walker_delta.total"));
  o = Options12_3_1();
  o.planes = 0;
  EXPECT_THAT(WalkerDelta(o), StatusIs(kInvalid, "walker_delta.planes"));
  o = Options12_3_1();
  o.phasing = 3;
  EXPECT_THAT(WalkerDelta(o), StatusIs(kInvalid, "walker_delta.phasing"));
  o = Options12_3_1();
  o.phasing = -1;
  EXPECT_THAT(WalkerDelta(o), StatusIs(kInvalid, "walker_delta.phasing"));
  o = Options12_3_1();
  o.inclination_deg = 181;
  EXPECT_THAT(WalkerDelta(o),
              StatusIs(kInvalid, "walker_delta.inclination_deg"));
  o = Options12_3_1();
  o.inclination_deg = NAN;
  EXPECT_THAT(WalkerDelta(o),
              StatusIs(kInvalid, "walker_delta.inclination_deg"));
}

TEST(WalkerStarTest, PlanesSpreadOverHalfTheCircle) {
  WalkerDeltaOptions o = Options12_3_1();
  o.total = 24;
  o.planes = 6;
  o.phasing = 1;
  o.inclination_deg = 86.4;
  auto star = WalkerStar(o);
  auto delta = WalkerDelta(o);
  ASSERT_THAT(star, IsOk());
  ASSERT_THAT(delta, IsOk());
  ASSERT_EQ(star->size(), 24u);
  for (size_t i = 0; i < star->size(); ++i) {
    const NamedElements& s = (*star)[i];
    const NamedElements& d = (*delta)[i];
    // RAAN 180/P = 30 deg apart; everything else as in the delta pattern.
    EXPECT_NEAR(s.elements.raan_rad * kRadToDeg, 30.0 * s.plane, 1e-9);
    EXPECT_EQ(s.name, d.name);
    EXPECT_EQ(s.plane, d.plane);
    EXPECT_EQ(s.slot, d.slot);
    EXPECT_EQ(s.elements.mean_anomaly_rad, d.elements.mean_anomaly_rad);
    EXPECT_EQ(s.elements.inclination_rad, d.elements.inclination_rad);
    EXPECT_EQ(s.elements.semi_major_axis_km, d.elements.semi_major_axis_km);
  }
  // The last plane stops one spacing short of 180 deg.
  EXPECT_NEAR(star->back().elements.raan_rad * kRadToDeg, 150.0, 1e-9);
}

TEST(WalkerStarTest, RejectsBadOptionsNamingTheStarField) {
  WalkerDeltaOptions o = Options12_3_1();
  o.phasing = 7;
  EXPECT_THAT(WalkerStar(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "walker_star.phasing: expected in [0, planes)"));
}

TEST(SunSynchronousTest, KnownInclinations) {
  // Commonly tabulated circular sun-synchronous inclinations: 97.6 deg at
  // 550 km, 98.6 deg at 800 km (Sentinel-2, 786 km, flies at 98.62 deg).
  auto at550 = SunSynchronousInclinationDeg(550);
  ASSERT_THAT(at550, IsOk());
  EXPECT_NEAR(*at550, 97.6, 0.05);
  auto at800 = SunSynchronousInclinationDeg(800);
  ASSERT_THAT(at800, IsOk());
  EXPECT_NEAR(*at800, 98.6, 0.05);
  // Higher orbits need more retrograde inclinations.
  EXPECT_GT(*SunSynchronousInclinationDeg(5000), *at800);
}

TEST(SunSynchronousTest, J2PropagatorNodeFollowsTheSun) {
  // The node of a J2-propagated orbit at the computed inclination, read as
  // the right ascension of the satellite where it crosses the equator going
  // north, advances 360 deg per tropical year.
  KeplerElements e;
  e.epoch = Options12_3_1().epoch;
  e.semi_major_axis_km = 6378.137 + 700;
  e.inclination_rad = *SunSynchronousInclinationDeg(700) * kDegToRad;
  auto prop = J2Propagator::Create(e);
  ASSERT_THAT(prop, IsOk());
  auto z_km = [&](absl::Time t) { return (*prop)->Propagate(t).position_km.z; };
  // First northward equator crossing after 30 days, bisected to 1 us.
  absl::Time lo = e.epoch + absl::Hours(24 * 30);
  while (!(z_km(lo) < 0 && z_km(lo + absl::Seconds(10)) >= 0)) {
    lo += absl::Seconds(10);
  }
  absl::Time hi = lo + absl::Seconds(10);
  while (hi - lo > absl::Microseconds(1)) {
    const absl::Time mid = lo + (hi - lo) / 2;
    (z_km(mid) < 0 ? lo : hi) = mid;
  }
  const Vec3 r = (*prop)->Propagate(hi).position_km;
  const double node_deg = WrapDeg(std::atan2(r.y, r.x) * kRadToDeg);
  const double days = absl::ToDoubleHours(hi - e.epoch) / 24;
  EXPECT_NEAR(node_deg, 360.0 * days / 365.24219, 1e-6);
}

TEST(SunSynchronousTest, NoSunSynchronousOrbitTooHighOrBadAltitude) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(SunSynchronousInclinationDeg(6000),
              StatusIs(kInvalid, "sun_synchronous.altitude_km"));
  EXPECT_THAT(SunSynchronousInclinationDeg(0),
              StatusIs(kInvalid, "sun_synchronous.altitude_km: expected"));
  EXPECT_THAT(SunSynchronousInclinationDeg(NAN),
              StatusIs(kInvalid, "sun_synchronous.altitude_km"));
  EXPECT_THAT(SunSynchronousInclinationDeg(INFINITY),
              StatusIs(kInvalid, "sun_synchronous.altitude_km"));
}

}  // namespace
}  // namespace orbitfl::orbit
