#include "orbit/frames.h"

#include <cmath>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace orbitfl::orbit {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

TEST(VectorTest, Algebra) {
  const Vec3 a{1, 2, 3}, b{4, -5, 6};
  const Vec3 sum = a + b, diff = a - b, scaled = 2.0 * a, cross = Cross(a, b);
  EXPECT_DOUBLE_EQ(sum.y, -3);
  EXPECT_DOUBLE_EQ(diff.x, -3);
  EXPECT_DOUBLE_EQ(scaled.z, 6);
  EXPECT_DOUBLE_EQ(Dot(a, b), 12);
  EXPECT_DOUBLE_EQ(cross.x, 27);
  EXPECT_DOUBLE_EQ(cross.y, 6);
  EXPECT_DOUBLE_EQ(cross.z, -13);
  EXPECT_DOUBLE_EQ(Norm(Vec3{3, 4, 12}), 13);
  EXPECT_DOUBLE_EQ(Norm(Normalized(b)), 1);
}

TEST(TimeTest, JulianDateOfKnownInstants) {
  // J2000.0 and Vallado, "Fundamentals of Astrodynamics", example 3-5.
  EXPECT_DOUBLE_EQ(JulianDate(Utc(2000, 1, 1, 12, 0, 0)), 2451545.0);
  EXPECT_NEAR(JulianDate(Utc(1992, 8, 20, 12, 14, 0)), 2448855.009722, 1e-6);
}

TEST(TimeTest, GmstMatchesValladoExample3_5) {
  // 1992 Aug 20 12:14 UT1 -> GMST = 152.578787886 deg.
  EXPECT_NEAR(GmstRad(Utc(1992, 8, 20, 12, 14, 0)) * kRadToDeg, 152.578787886,
              1e-6);
}

TEST(TimeTest, GmstAtJ2000) {
  // GMST at 2000-01-01 12:00 UT1 is 18.697374558 h (IAU-82) = 280.46061837 deg.
  EXPECT_NEAR(GmstRad(Utc(2000, 1, 1, 12, 0, 0)) * kRadToDeg, 280.46061837,
              1e-6);
}

TEST(FramesTest, InertialToEcefRotatesAboutZByGmst) {
  const absl::Time t = Utc(1992, 8, 20, 12, 14, 0);
  const double theta = GmstRad(t);
  const Vec3 r = InertialToEcef(Vec3{7000, 0, 1000}, t);
  EXPECT_NEAR(r.x, 7000 * std::cos(theta), 1e-9);
  EXPECT_NEAR(r.y, -7000 * std::sin(theta), 1e-9);
  EXPECT_DOUBLE_EQ(r.z, 1000);
}

TEST(GeodeticTest, KnownPoints) {
  const Vec3 equator = GeodeticToEcef({0, 0, 0});
  EXPECT_NEAR(equator.x, 6378.137, 1e-9);
  EXPECT_NEAR(equator.y, 0, 1e-9);
  EXPECT_NEAR(equator.z, 0, 1e-9);
  // WGS-84 polar radius b = a (1 - f) = 6356.7523142 km.
  const Vec3 pole = GeodeticToEcef({kPi / 2, 0, 0});
  EXPECT_NEAR(pole.z, 6356.7523142, 1e-6);
  EXPECT_NEAR(std::hypot(pole.x, pole.y), 0, 1e-9);
}

TEST(GeodeticTest, EcefToGeodeticMatchesValladoExample3_3) {
  // r = 6524.834 I + 6862.875 J + 6448.296 K km -> geodetic latitude
  // 34.352496 deg, longitude 46.4464 deg, height 5085.22 km.
  const Geodetic g = EcefToGeodetic(Vec3{6524.834, 6862.875, 6448.296});
  EXPECT_NEAR(g.lat_rad * kRadToDeg, 34.352496, 1e-5);
  EXPECT_NEAR(g.lon_rad * kRadToDeg, 46.4464, 1e-4);
  EXPECT_NEAR(g.alt_km, 5085.22, 0.01);
}

TEST(GeodeticTest, RoundTripIncludingPoles) {
  for (double lat_deg = -90; lat_deg <= 90; lat_deg += 7.5) {
    for (double lon_deg = -172.5; lon_deg <= 180; lon_deg += 22.5) {
      for (double alt_km : {-0.4, 0.0, 1.2, 550.0, 35786.0}) {
        const Geodetic in{lat_deg * kDegToRad, lon_deg * kDegToRad, alt_km};
        const Geodetic out = EcefToGeodetic(GeodeticToEcef(in));
        EXPECT_NEAR(out.lat_rad, in.lat_rad, 1e-12)
            << lat_deg << " " << lon_deg;
        EXPECT_NEAR(out.alt_km, in.alt_km, 1e-8) << lat_deg << " " << lon_deg;
        if (std::fabs(lat_deg) < 90) {
          EXPECT_NEAR(out.lon_rad, in.lon_rad, 1e-12);
        }
      }
    }
  }
}

TEST(GeodeticTest, LongitudeInHalfOpenRange) {
  const Geodetic g = EcefToGeodetic(Vec3{-7000, -0.0, 0});
  EXPECT_DOUBLE_EQ(g.lon_rad, kPi);
}

TEST(LookAnglesTest, CardinalDirections) {
  const Geodetic station{0, 0, 0};
  const Vec3 site = GeodeticToEcef(station);
  const LookAngles zenith = LookFrom(station, site, Vec3{site.x + 500, 0, 0});
  EXPECT_NEAR(zenith.elevation_rad, kPi / 2, 1e-12);
  EXPECT_NEAR(zenith.range_km, 500, 1e-9);
  const LookAngles east = LookFrom(station, site, Vec3{site.x, 1000, 0});
  EXPECT_NEAR(east.azimuth_rad, kPi / 2, 1e-12);
  EXPECT_NEAR(east.elevation_rad, 0, 1e-12);
  EXPECT_NEAR(east.range_km, 1000, 1e-9);
  const LookAngles north = LookFrom(station, site, Vec3{site.x, 0, 1000});
  EXPECT_NEAR(north.azimuth_rad, 0, 1e-12);
  const LookAngles west_low =
      LookFrom(station, site, Vec3{site.x - 100, -100, 0});
  EXPECT_NEAR(west_low.azimuth_rad, 1.5 * kPi, 1e-12);
  EXPECT_NEAR(west_low.elevation_rad, -kPi / 4, 1e-12);
}

TEST(LookAnglesTest, UsesTheEllipsoidNormal) {
  // At 45 deg geodetic latitude, a target straight up along the normal is at
  // the zenith even though the normal misses the Earth's centre.
  const Geodetic station{45 * kDegToRad, 30 * kDegToRad, 0.2};
  const Vec3 site = GeodeticToEcef(station);
  const Geodetic above{station.lat_rad, station.lon_rad, 800};
  const LookAngles look = LookFrom(station, site, GeodeticToEcef(above));
  EXPECT_NEAR(look.elevation_rad, kPi / 2, 1e-9);
  EXPECT_NEAR(look.range_km, 799.8, 1e-9);
}

}  // namespace
}  // namespace orbitfl::orbit
