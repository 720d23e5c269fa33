#include "orbit/propagator.h"

#include <cmath>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "orbit/frames.h"
#include "tests/status_matchers.h"

namespace orbitfl::orbit {
namespace {

using ::orbitfl::testing::StatusIs;

constexpr double kMu = 398600.4418;  // km^3/s^2, EGM-96
constexpr double kRe = 6378.137;     // km

absl::Time Epoch() {
  return absl::FromCivil(absl::CivilSecond(2024, 3, 1, 0, 0, 0),
                         absl::UTCTimeZone());
}

KeplerElements Circular(double altitude_km, double inclination_deg) {
  KeplerElements e;
  e.epoch = Epoch();
  e.semi_major_axis_km = kRe + altitude_km;
  e.inclination_rad = inclination_deg * kDegToRad;
  e.raan_rad = 0.3;
  e.mean_anomaly_rad = 1.1;
  return e;
}

std::unique_ptr<J2Propagator> MustCreate(const KeplerElements& e) {
  auto p = J2Propagator::Create(e);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(p).value() : nullptr;
}

// Right ascension of the ascending node from the angular momentum vector.
double RaanRad(const StateVector& s) {
  const Vec3 h = Cross(s.position_km, s.velocity_km_s);
  return std::atan2(h.x, -h.y);
}

TEST(J2PropagatorTest, RejectsUnphysicalElements) {
  KeplerElements e = Circular(500, 50);
  e.semi_major_axis_km = 6000;
  EXPECT_THAT(
      J2Propagator::Create(e),
      StatusIs(absl::StatusCode::kInvalidArgument, "semi_major_axis_km"));
  e = Circular(500, 50);
  e.eccentricity = 1.2;
  EXPECT_THAT(J2Propagator::Create(e),
              StatusIs(absl::StatusCode::kInvalidArgument, "eccentricity"));
  e.eccentricity = -0.1;
  EXPECT_THAT(J2Propagator::Create(e),
              StatusIs(absl::StatusCode::kInvalidArgument, "eccentricity"));
  e.eccentricity = 0.1;  // perigee 6200 km, under the surface
  EXPECT_THAT(J2Propagator::Create(e),
              StatusIs(absl::StatusCode::kInvalidArgument, "perigee"));
  e = Circular(500, 50);
  e.inclination_rad = 4.0;
  EXPECT_THAT(J2Propagator::Create(e),
              StatusIs(absl::StatusCode::kInvalidArgument, "inclination_rad"));
  e = Circular(500, 50);
  e.raan_rad = NAN;
  EXPECT_THAT(J2Propagator::Create(e),
              StatusIs(absl::StatusCode::kInvalidArgument, "raan_rad"));
}

TEST(J2PropagatorTest, MatchesCurtisExample4_3AtEpoch) {
  // Curtis, "Orbital Mechanics for Engineering Students", example 4.3:
  // r = (-6045, -3490, 2500) km, v = (-3.457, 6.618, 2.533) km/s has
  // a = 8788 km, e = 0.1712, i = 153.2, RAAN = 255.3, argp = 20.07 and true
  // anomaly 28.45 deg.
  const double ecc = 0.1712;
  const double nu = 28.45 * kDegToRad;
  const double ecc_anom =
      2 * std::atan(std::sqrt((1 - ecc) / (1 + ecc)) * std::tan(nu / 2));
  KeplerElements e;
  e.epoch = Epoch();
  e.semi_major_axis_km = 8788;
  e.eccentricity = ecc;
  e.inclination_rad = 153.2 * kDegToRad;
  e.raan_rad = 255.3 * kDegToRad;
  e.arg_perigee_rad = 20.07 * kDegToRad;
  e.mean_anomaly_rad = ecc_anom - ecc * std::sin(ecc_anom);
  auto prop = MustCreate(e);
  ASSERT_NE(prop, nullptr);
  const StateVector s = prop->Propagate(Epoch());
  // The book rounds the angles to 0.05 deg, about 7 km at this radius.
  EXPECT_NEAR(s.position_km.x, -6045, 10);
  EXPECT_NEAR(s.position_km.y, -3490, 10);
  EXPECT_NEAR(s.position_km.z, 2500, 10);
  EXPECT_NEAR(s.velocity_km_s.x, -3.457, 0.015);
  EXPECT_NEAR(s.velocity_km_s.y, 6.618, 0.015);
  EXPECT_NEAR(s.velocity_km_s.z, 2.533, 0.015);
  // The exact conic relations hold at any time: r = p / (1 + e cos nu) and
  // z = r sin(argp + nu) sin i.
  const double p_km = 8788 * (1 - ecc * ecc);
  EXPECT_NEAR(Norm(s.position_km), p_km / (1 + ecc * std::cos(nu)), 1e-6);
  EXPECT_NEAR(s.position_km.z,
              Norm(s.position_km) * std::sin(e.arg_perigee_rad + nu) *
                  std::sin(e.inclination_rad),
              1e-6);
}

TEST(J2PropagatorTest, CircularOrbitPeriodRadiusAndSpeed) {
  auto prop = MustCreate(Circular(700, 51.6));
  ASSERT_NE(prop, nullptr);
  const double a = kRe + 700;
  const double kepler_period_s = 2 * kPi * std::sqrt(a * a * a / kMu);
  // J2 changes the period by about J2 (Re/a)^2 ~ 1e-3 of itself.
  EXPECT_NEAR(prop->period_s(), kepler_period_s, 1e-3 * kepler_period_s);
  for (double dt_s : {0.0, 1234.5, 86400.0 * 3}) {
    const StateVector s = prop->Propagate(Epoch() + absl::Seconds(dt_s));
    EXPECT_NEAR(Norm(s.position_km), a, 1e-6);
    EXPECT_NEAR(Norm(s.velocity_km_s), std::sqrt(kMu / a),
                2e-3 * std::sqrt(kMu / a));
  }
}

TEST(J2PropagatorTest, PeriodIsKeplerianWhereJ2MeanMotionTermVanishes) {
  // 3 cos^2 i = 1 at i = 54.7356 deg: J2 leaves the mean motion unchanged.
  auto prop =
      MustCreate(Circular(1200, std::acos(1 / std::sqrt(3.0)) * kRadToDeg));
  ASSERT_NE(prop, nullptr);
  const double a = kRe + 1200;
  EXPECT_NEAR(prop->period_s(), 2 * kPi * std::sqrt(a * a * a / kMu), 1e-9);
}

TEST(J2PropagatorTest, EllipticOrbitReturnsToPerigeeEachPeriod) {
  KeplerElements e = Circular(0, 63.4);
  e.semi_major_axis_km = 26600;
  e.eccentricity = 0.74;  // Molniya-like, perigee ~ 6916 km
  e.mean_anomaly_rad = 0;
  auto prop = MustCreate(e);
  ASSERT_NE(prop, nullptr);
  const double perigee_km = 26600 * (1 - 0.74);
  for (int orbits : {0, 1, 5, 40}) {
    const absl::Time t = Epoch() + absl::Seconds(orbits * prop->period_s());
    EXPECT_NEAR(Norm(prop->Propagate(t).position_km), perigee_km, 1e-4);
  }
  const absl::Time apogee = Epoch() + absl::Seconds(0.5 * prop->period_s());
  EXPECT_NEAR(Norm(prop->Propagate(apogee).position_km), 26600 * 1.74, 1e-4);
}

TEST(J2PropagatorTest, VelocityIsTheDerivativeOfPosition) {
  KeplerElements e = Circular(0, 97.5);
  e.semi_major_axis_km = 8000;
  e.eccentricity = 0.15;
  e.arg_perigee_rad = 2.0;
  auto prop = MustCreate(e);
  ASSERT_NE(prop, nullptr);
  for (double dt_s : {0.0, 777.0, 5e5}) {
    const absl::Time t = Epoch() + absl::Seconds(dt_s);
    const Vec3 before =
        prop->Propagate(t - absl::Milliseconds(100)).position_km;
    const Vec3 after = prop->Propagate(t + absl::Milliseconds(100)).position_km;
    const Vec3 numeric = 5.0 * (after - before);
    EXPECT_LT(Norm(numeric - prop->Propagate(t).velocity_km_s), 1e-6);
  }
}

TEST(J2PropagatorTest, SunSynchronousOrbitDriftsOneTurnPerYear) {
  // A 700 km circular orbit is sun-synchronous at i = 98.19 deg (Wertz,
  // "Space Mission Analysis and Design"): the node advances
  // 360 / 365.2422 = 0.98565 deg/day.
  auto prop = MustCreate(Circular(700, 98.19));
  ASSERT_NE(prop, nullptr);
  const double days = 10;
  const double raan0 = RaanRad(prop->Propagate(Epoch()));
  const double raan1 =
      RaanRad(prop->Propagate(Epoch() + absl::Hours(24 * days)));
  const double drift_deg_per_day =
      std::remainder(raan1 - raan0, 2 * kPi) * kRadToDeg / days;
  EXPECT_NEAR(drift_deg_per_day, 360 / 365.2422, 0.005);
}

TEST(J2PropagatorTest, ProgradeOrbitNodeRegresses) {
  auto prop = MustCreate(Circular(550, 53));
  ASSERT_NE(prop, nullptr);
  const double raan0 = RaanRad(prop->Propagate(Epoch()));
  const double raan1 = RaanRad(prop->Propagate(Epoch() + absl::Hours(24)));
  // About -4.5 deg/day for Starlink-like shells.
  const double drift_deg = std::remainder(raan1 - raan0, 2 * kPi) * kRadToDeg;
  EXPECT_LT(drift_deg, -4.0);
  EXPECT_GT(drift_deg, -5.0);
}

}  // namespace
}  // namespace orbitfl::orbit
