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

TEST(SunTest, DistanceFollowsTheEarthsOrbit) {
  // Perihelion early January (0.9833 AU), aphelion early July (1.0167 AU).
  EXPECT_NEAR(SunDistanceKm(Utc(2024, 1, 3, 0, 0)) / kAstronomicalUnitKm,
              0.98331, 0.0002);
  EXPECT_NEAR(SunDistanceKm(Utc(2024, 7, 5, 5, 0)) / kAstronomicalUnitKm,
              1.01673, 0.0002);
  const absl::Time t = Utc(2024, 4, 1, 0, 0);
  const Vec3 sun = SunPositionInertial(t);
  EXPECT_NEAR(Norm(sun), SunDistanceKm(t), 1e-3);
  EXPECT_NEAR(Dot(Normalized(sun), SunDirectionInertial(t)), 1, 1e-15);
}

constexpr double kLeoRadiusKm = 6378.137 + 500;

TEST(IlluminationTest, AntiSunSideIsUmbraSunSideIsSunlit) {
  const absl::Time t = Utc(2024, 8, 9, 13, 0);
  const Vec3 sun = SunDirectionInertial(t);
  EXPECT_EQ(SatelliteIllumination(-kLeoRadiusKm * sun, t),
            Illumination::kUmbra);
  EXPECT_EQ(SatelliteIllumination(kLeoRadiusKm * sun, t),
            Illumination::kSunlit);
  // Over the terminator, above the limb: sunlit.
  const Vec3 side = Normalized(Cross(sun, {0, 0, 1}));
  EXPECT_EQ(SatelliteIllumination(kLeoRadiusKm * side, t),
            Illumination::kSunlit);
}

TEST(IlluminationTest, PenumbraIsAThinShellAtTheShadowEdge) {
  // 2000 km behind the Earth along the shadow axis, at a distance p from the
  // axis. With p = the Earth's radius the Sun's centre sits on the limb: half
  // the disc is hidden. The penumbra is 2 * 2000 km * (R_sun / d_sun) wide
  // there (about 18.6 km; the cones' half-angles are R_sun/d -+ R_e/d).
  const absl::Time t = Utc(2024, 3, 20, 3, 6);
  const Vec3 sun = SunDirectionInertial(t);
  const Vec3 side = Normalized(Cross(sun, {0, 0, 1}));
  auto at = [&](double p_km) {
    return SatelliteIllumination(-2000.0 * sun + p_km * side, t);
  };
  EXPECT_EQ(at(kEarthEquatorialRadiusKm), Illumination::kPenumbra);
  EXPECT_EQ(at(kEarthEquatorialRadiusKm - 30), Illumination::kUmbra);
  EXPECT_EQ(at(kEarthEquatorialRadiusKm + 30), Illumination::kSunlit);
  double first_penumbra_km = -1, first_sunlit_km = -1;
  for (double p_km = kEarthEquatorialRadiusKm - 30;
       p_km < kEarthEquatorialRadiusKm + 30; p_km += 0.01) {
    const Illumination i = at(p_km);
    if (i == Illumination::kPenumbra && first_penumbra_km < 0) {
      first_penumbra_km = p_km;
    }
    if (i == Illumination::kSunlit && first_sunlit_km < 0) {
      first_sunlit_km = p_km;
    }
  }
  const double expected_width_km = 2 * 2000.0 * kSunRadiusKm / SunDistanceKm(t);
  EXPECT_NEAR(first_sunlit_km - first_penumbra_km, expected_width_km, 0.2);
  EXPECT_NEAR((first_sunlit_km + first_penumbra_km) / 2,
              kEarthEquatorialRadiusKm, 0.2);
}

// Position on a circular orbit of radius r_km whose plane contains the node
// direction `node` and the unit vector `in_plane` (perpendicular to it), at
// argument of latitude u_rad.
Vec3 OnCircle(double r_km, const Vec3& node, const Vec3& in_plane,
              double u_rad) {
  return r_km * (std::cos(u_rad) * node + std::sin(u_rad) * in_plane);
}

TEST(IlluminationTest, GeostationarySatelliteAtEquinoxMidnightCrossesUmbra) {
  // A geostationary satellite on the anti-Sun meridian at the March
  // equinox: the Sun is in the equatorial plane, so the satellite passes
  // through the middle of the shadow. Umbra lasts 2 asin(r_umbra / r_geo)
  // of a sidereal day, about 67 min (r_umbra = R_e - r_geo R_sun / d_sun
  // approximately), with about 2 min of penumbra on each side.
  const absl::Time midnight = Utc(2024, 3, 20, 3, 6);
  const Vec3 anti_sun = -1.0 * SunDirectionInertial(midnight);
  const double anti_sun_ra_rad = std::atan2(anti_sun.y, anti_sun.x);
  const double r_geo_km = 42164.17;
  const double n_rad_s = std::sqrt(kEarthMuKm3S2 / std::pow(r_geo_km, 3));
  EXPECT_EQ(
      SatelliteIllumination(
          OnCircle(r_geo_km, {1, 0, 0}, {0, 1, 0}, anti_sun_ra_rad), midnight),
      Illumination::kUmbra);
  absl::Duration umbra, penumbra;
  Illumination previous = Illumination::kSunlit;
  int transitions = 0;
  const absl::Duration step = absl::Seconds(5);
  for (absl::Duration dt = -absl::Hours(3); dt <= absl::Hours(3); dt += step) {
    const double u_rad = anti_sun_ra_rad + n_rad_s * absl::ToDoubleSeconds(dt);
    const Illumination i = SatelliteIllumination(
        OnCircle(r_geo_km, {1, 0, 0}, {0, 1, 0}, u_rad), midnight + dt);
    if (i == Illumination::kUmbra) umbra += step;
    if (i == Illumination::kPenumbra) penumbra += step;
    if (i != previous) ++transitions;
    previous = i;
  }
  // sunlit -> penumbra -> umbra -> penumbra -> sunlit.
  EXPECT_EQ(transitions, 4);
  EXPECT_EQ(previous, Illumination::kSunlit);
  EXPECT_NEAR(absl::ToDoubleMinutes(umbra), 67.3, 1.0);
  EXPECT_NEAR(absl::ToDoubleMinutes(penumbra), 2 * 2.1, 0.5);
}

TEST(IlluminationTest, EclipseFractionAtZeroBetaAngle) {
  // A 550 km polar orbit whose plane contains the Sun (RAAN = the Sun's
  // right ascension, beta = 0). Behind the Earth the satellite is in shadow
  // while its distance from the shadow axis, r sin(phi), is below R: an arc
  // of 2 asin(R / r) = 2 acos(sqrt(h^2 + 2 R h) / (R + h)), 37.2% of the
  // orbit at 550 km (cylindrical shadow; the cones move it by ~0.1%).
  const absl::Time t0 = Utc(2024, 6, 20, 20, 51);
  const Vec3 sun = SunDirectionInertial(t0);
  const Vec3 node = Normalized({sun.x, sun.y, 0});
  const double r_km = 6378.137 + 550;
  const double period_s =
      2 * kPi * std::sqrt(std::pow(r_km, 3) / kEarthMuKm3S2);
  int dark = 0, samples = 0;
  for (double s = 0; s < period_s; s += 1.0, ++samples) {
    const Vec3 r = OnCircle(r_km, node, {0, 0, 1}, 2 * kPi * s / period_s);
    if (SatelliteIllumination(r, t0 + absl::Seconds(s)) !=
        Illumination::kSunlit) {
      ++dark;
    }
  }
  const double fraction = static_cast<double>(dark) / samples;
  EXPECT_GT(fraction, 0.35);
  EXPECT_LT(fraction, 0.40);
  const double h = 550, re = 6378.137;
  EXPECT_NEAR(fraction,
              std::acos(std::sqrt(h * h + 2 * re * h) / (re + h)) / kPi, 0.005);
}

}  // namespace
}  // namespace orbitfl::orbit
