#include "orbit/sun.h"

#include <cmath>

namespace orbitfl::orbit {

Vec3 SunDirectionInertial(absl::Time t) {
  // The Astronomical Almanac's low-precision solar coordinates (section C,
  // "Low precision formulas for the Sun"): mean longitude L, mean anomaly g,
  // ecliptic longitude lambda, obliquity epsilon; n in days from J2000.0.
  // They give the apparent direction, equator and equinox of date, to 0.01 deg.
  const double n_days = JulianDate(t) - 2451545.0;
  const double mean_longitude_deg = 280.460 + 0.9856474 * n_days;
  const double mean_anomaly_rad = (357.528 + 0.9856003 * n_days) * kDegToRad;
  const double ecliptic_longitude_rad =
      (mean_longitude_deg + 1.915 * std::sin(mean_anomaly_rad) +
       0.020 * std::sin(2.0 * mean_anomaly_rad)) *
      kDegToRad;
  const double obliquity_rad = (23.439 - 0.0000004 * n_days) * kDegToRad;
  const double sin_lambda = std::sin(ecliptic_longitude_rad);
  // Ecliptic latitude is zero, so the unit vector rotates from the ecliptic
  // to the equator by the obliquity alone.
  return {std::cos(ecliptic_longitude_rad),
          std::cos(obliquity_rad) * sin_lambda,
          std::sin(obliquity_rad) * sin_lambda};
}

double SunElevationRad(const Geodetic& where, absl::Time t) {
  // The Sun is far enough that the direction from the Earth's centre serves
  // as the direction from any point on it (parallax 8.8 arcsec).
  const Vec3 sun_ecef = InertialToEcef(SunDirectionInertial(t), t);
  const Vec3 up{std::cos(where.lat_rad) * std::cos(where.lon_rad),
                std::cos(where.lat_rad) * std::sin(where.lon_rad),
                std::sin(where.lat_rad)};
  return std::asin(std::fmax(-1.0, std::fmin(1.0, Dot(up, sun_ecef))));
}

}  // namespace orbitfl::orbit
