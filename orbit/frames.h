#ifndef ORBITFL_ORBIT_FRAMES_H_
#define ORBITFL_ORBIT_FRAMES_H_

// Vectors, Earth constants, time scales and frames: inertial (TEME-like,
// equator and equinox of date) -> Earth-fixed (rotation by GMST, IAU-82) ->
// WGS-84 geodetic, and look angles from a ground station.

#include <cmath>

#include "absl/time/time.h"

namespace orbitfl::orbit {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};
// Inline: window and link searches call these millions of times.
inline Vec3 operator+(const Vec3& a, const Vec3& b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
inline Vec3 operator-(const Vec3& a, const Vec3& b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
inline Vec3 operator*(double s, const Vec3& v) {
  return {s * v.x, s * v.y, s * v.z};
}
inline double Dot(const Vec3& a, const Vec3& b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
inline Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double Norm(const Vec3& v) { return std::sqrt(Dot(v, v)); }
inline Vec3 Normalized(const Vec3& v) {
  const double n = Norm(v);
  return n > 0 ? (1.0 / n) * v : v;
}

// Seconds in `d` as a double, by integer nanoseconds: absl::ToDoubleSeconds
// divides Durations in general and is slow in the inner loops of searches.
inline double SecondsOf(absl::Duration d) {
  return static_cast<double>(absl::ToInt64Nanoseconds(d)) * 1e-9;
}

// WGS-84 ellipsoid; mu and J2 as used by the J2 propagator (EGM-96 values).
inline constexpr double kEarthEquatorialRadiusKm = 6378.137;
inline constexpr double kEarthFlattening = 1.0 / 298.257223563;
inline constexpr double kEarthMuKm3S2 = 398600.4418;
inline constexpr double kEarthJ2 = 1.08262668e-3;
inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kDegToRad = kPi / 180.0;
inline constexpr double kRadToDeg = 180.0 / kPi;

// Julian date (UTC, treated as UT1) of an instant.
double JulianDate(absl::Time t);
// Greenwich mean sidereal time, IAU-82 (as SGP4 expects), radians [0, 2pi).
double GmstRad(absl::Time t);

// Inertial position (km) to Earth-fixed at instant t (rotation by GMST).
Vec3 InertialToEcef(const Vec3& r_inertial_km, absl::Time t);

struct Geodetic {
  double lat_rad = 0;
  double lon_rad = 0;  // (-pi, pi]
  double alt_km = 0;
};
Vec3 GeodeticToEcef(const Geodetic& g);
Geodetic EcefToGeodetic(const Vec3& r_ecef_km);

struct LookAngles {
  double azimuth_rad = 0;    // from north, clockwise, [0, 2pi)
  double elevation_rad = 0;  // above the local horizon (ellipsoid normal)
  double range_km = 0;
};
// Look angles from a station (given in ECEF and its geodetic coordinates)
// to a target in ECEF.
LookAngles LookFrom(const Geodetic& station, const Vec3& station_ecef_km,
                    const Vec3& target_ecef_km);

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_FRAMES_H_
