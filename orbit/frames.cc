#include "orbit/frames.h"

#include <cmath>

#include "absl/time/civil_time.h"

namespace orbitfl::orbit {
namespace {

constexpr double kTwoPi = 2.0 * kPi;
constexpr double kSecondsPerDay = 86400.0;
constexpr double kJulianDateJ2000 = 2451545.0;  // 2000-01-01 12:00:00
// First eccentricity squared of the WGS-84 ellipsoid: e^2 = f (2 - f).
constexpr double kEarthEccentricitySq =
    kEarthFlattening * (2.0 - kEarthFlattening);

// Days since J2000.0, counted from the instant itself rather than from a
// 2.45e6-sized Julian date so that no precision is lost to cancellation.
double DaysSinceJ2000(absl::Time t) {
  static const absl::Time kJ2000 = absl::FromCivil(
      absl::CivilSecond(2000, 1, 1, 12, 0, 0), absl::UTCTimeZone());
  return absl::ToDoubleSeconds(t - kJ2000) / kSecondsPerDay;
}

double WrapTwoPi(double angle_rad) {
  double wrapped = std::fmod(angle_rad, kTwoPi);
  if (wrapped < 0) wrapped += kTwoPi;
  // A tiny negative angle plus 2 pi rounds to 2 pi itself.
  return wrapped >= kTwoPi ? 0.0 : wrapped;
}

}  // namespace


double JulianDate(absl::Time t) { return kJulianDateJ2000 + DaysSinceJ2000(t); }

double GmstRad(absl::Time t) {
  // IAU-82 (Vallado, "Fundamentals of Astrodynamics", eq. 3-45), in seconds
  // of time with T in Julian centuries of UT1 from J2000.
  const double days = DaysSinceJ2000(t);
  const double centuries = days / 36525.0;
  const double gmst_s = 67310.54841 +
                        (876600.0 * 3600.0 + 8640184.812866) * centuries +
                        0.093104 * centuries * centuries -
                        6.2e-6 * centuries * centuries * centuries;
  // 86400 s of sidereal time are one full turn.
  return WrapTwoPi(std::fmod(gmst_s, kSecondsPerDay) / kSecondsPerDay * kTwoPi);
}

Vec3 InertialToEcef(const Vec3& r_inertial_km, absl::Time t) {
  const double theta = GmstRad(t);
  const double c = std::cos(theta), s = std::sin(theta);
  return {c * r_inertial_km.x + s * r_inertial_km.y,
          -s * r_inertial_km.x + c * r_inertial_km.y, r_inertial_km.z};
}

Vec3 GeodeticToEcef(const Geodetic& g) {
  const double sin_lat = std::sin(g.lat_rad), cos_lat = std::cos(g.lat_rad);
  // Radius of curvature in the prime vertical.
  const double n_km = kEarthEquatorialRadiusKm /
                      std::sqrt(1.0 - kEarthEccentricitySq * sin_lat * sin_lat);
  const double rho_km = (n_km + g.alt_km) * cos_lat;
  return {rho_km * std::cos(g.lon_rad), rho_km * std::sin(g.lon_rad),
          (n_km * (1.0 - kEarthEccentricitySq) + g.alt_km) * sin_lat};
}

Geodetic EcefToGeodetic(const Vec3& r_ecef_km) {
  Geodetic g;
  const double p_km = std::hypot(r_ecef_km.x, r_ecef_km.y);
  g.lon_rad = std::atan2(r_ecef_km.y, r_ecef_km.x);
  if (g.lon_rad <= -kPi) g.lon_rad = kPi;
  // Fixed-point iteration on tan(lat) = (z + e^2 N sin(lat)) / p (Vallado,
  // algorithm 12); it converges to 1e-15 rad in a handful of steps for any
  // point above the Earth's centre region, poles included.
  double lat = std::atan2(r_ecef_km.z, p_km * (1.0 - kEarthEccentricitySq));
  double n_km = kEarthEquatorialRadiusKm;
  for (int i = 0; i < 20; ++i) {
    const double sin_lat = std::sin(lat);
    n_km = kEarthEquatorialRadiusKm /
           std::sqrt(1.0 - kEarthEccentricitySq * sin_lat * sin_lat);
    const double next =
        std::atan2(r_ecef_km.z + kEarthEccentricitySq * n_km * sin_lat, p_km);
    const bool converged = std::fabs(next - lat) < 1e-15;
    lat = next;
    if (converged) break;
  }
  const double sin_lat = std::sin(lat), cos_lat = std::cos(lat);
  n_km = kEarthEquatorialRadiusKm /
         std::sqrt(1.0 - kEarthEccentricitySq * sin_lat * sin_lat);
  g.lat_rad = lat;
  // Height along the normal, valid at the poles too (no division by cos).
  g.alt_km = p_km * cos_lat + r_ecef_km.z * sin_lat -
             n_km * (1.0 - kEarthEccentricitySq * sin_lat * sin_lat);
  return g;
}

LookAngles LookFrom(const Geodetic& station, const Vec3& station_ecef_km,
                    const Vec3& target_ecef_km) {
  const double sin_lat = std::sin(station.lat_rad);
  const double cos_lat = std::cos(station.lat_rad);
  const double sin_lon = std::sin(station.lon_rad);
  const double cos_lon = std::cos(station.lon_rad);
  // Local east-north-up basis on the ellipsoid normal.
  const Vec3 east{-sin_lon, cos_lon, 0.0};
  const Vec3 north{-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat};
  const Vec3 up{cos_lat * cos_lon, cos_lat * sin_lon, sin_lat};
  const Vec3 rho = target_ecef_km - station_ecef_km;
  LookAngles look;
  look.range_km = Norm(rho);
  if (look.range_km == 0) return look;
  const double e = Dot(rho, east), n = Dot(rho, north), u = Dot(rho, up);
  look.elevation_rad = std::atan2(u, std::hypot(e, n));
  look.azimuth_rad = WrapTwoPi(std::atan2(e, n));
  return look;
}

}  // namespace orbitfl::orbit
