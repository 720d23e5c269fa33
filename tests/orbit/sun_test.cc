#include "orbit/sun.h"

#include <cmath>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "orbit/frames.h"

namespace orbitfl::orbit {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0),
                         absl::UTCTimeZone());
}

double RightAscensionDeg(const Vec3& d) {
  const double ra = std::atan2(d.y, d.x) * kRadToDeg;
  return ra < 0 ? ra + 360 : ra;
}
double DeclinationDeg(const Vec3& d) { return std::asin(d.z) * kRadToDeg; }

TEST(SunTest, DirectionIsAUnitVector) {
  EXPECT_NEAR(Norm(SunDirectionInertial(Utc(2031, 11, 5, 7, 30))), 1, 1e-12);
}

TEST(SunTest, MatchesMeeusExample25a) {
  // Meeus, "Astronomical Algorithms", example 25.a: 1992 Oct 13.0 TD, apparent
  // RA 13h13m31.4s = 198.38083 deg, declination -7 deg 47' 06" = -7.78507 deg.
  // The Almanac's formulae are good to 0.01 deg; TD - UT (59 s) moves the
  // Sun by well under that.
  const Vec3 d = SunDirectionInertial(Utc(1992, 10, 13, 0, 0));
  EXPECT_NEAR(RightAscensionDeg(d), 198.38083, 0.01);
  EXPECT_NEAR(DeclinationDeg(d), -7.78507, 0.01);
}

TEST(SunTest, EquinoxAndSolstice) {
  // March equinox 2024-03-20 03:06 UTC: RA and declination zero.
  const Vec3 equinox = SunDirectionInertial(Utc(2024, 3, 20, 3, 6));
  EXPECT_NEAR(DeclinationDeg(equinox), 0, 0.01);
  EXPECT_NEAR(std::remainder(RightAscensionDeg(equinox), 360), 0, 0.01);
  // June solstice 2024-06-20 20:51 UTC: RA 6h, declination = obliquity
  // (23.436 deg mean in 2024, plus a few thousandths of nutation).
  const Vec3 solstice = SunDirectionInertial(Utc(2024, 6, 20, 20, 51));
  EXPECT_NEAR(DeclinationDeg(solstice), 23.438, 0.01);
  EXPECT_NEAR(RightAscensionDeg(solstice), 90, 0.01);
  // December solstice 2024-12-21 09:21 UTC.
  const Vec3 december = SunDirectionInertial(Utc(2024, 12, 21, 9, 21));
  EXPECT_NEAR(DeclinationDeg(december), -23.438, 0.01);
}

TEST(SunTest, ElevationAtSubsolarPointAndAntipode) {
  // At the March equinox the Sun is overhead on the equator where the local
  // apparent time is noon: longitude = -(GMST - RA of the Sun).
  const absl::Time t = Utc(2024, 3, 20, 3, 6);
  const double ra_rad = RightAscensionDeg(SunDirectionInertial(t)) * kDegToRad;
  const double lon_rad = std::remainder(ra_rad - GmstRad(t), 2 * kPi);
  EXPECT_NEAR(SunElevationRad({0, lon_rad, 0}, t), kPi / 2, 0.02 * kDegToRad);
  EXPECT_NEAR(SunElevationRad({0, lon_rad + kPi, 0}, t), -kPi / 2,
              0.02 * kDegToRad);
  // At the poles the Sun sits on the horizon at the equinox.
  EXPECT_NEAR(SunElevationRad({kPi / 2, 0, 0}, t), 0, 0.02 * kDegToRad);
}

TEST(SunTest, NoonSunOverGreenwichAtJuneSolstice) {
  // 2024-06-20 12:02 UTC is close to local apparent noon at Greenwich
  // (equation of time about -1.7 min): elevation = 90 - 51.48 + 23.44 deg.
  const Geodetic greenwich{51.4779 * kDegToRad, 0, 0.05};
  EXPECT_NEAR(SunElevationRad(greenwich, Utc(2024, 6, 20, 12, 2)) * kRadToDeg,
              90 - 51.4779 + 23.438, 0.05);
}

}  // namespace
}  // namespace orbitfl::orbit
