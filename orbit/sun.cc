#include "orbit/sun.h"

#include <cmath>

namespace orbitfl::orbit {

namespace {

// The Astronomical Almanac's low-precision solar coordinates (section C,
// "Low precision formulas for the Sun"): mean longitude L, mean anomaly g,
// ecliptic longitude lambda, obliquity epsilon and distance R; n in days from
// J2000.0. They give the apparent direction, equator and equinox of date, to
// 0.01 deg, and R to 0.0001 AU.
struct SolarCoordinates {
  double ecliptic_longitude_rad = 0;
  double obliquity_rad = 0;
  double distance_au = 0;
};

SolarCoordinates Almanac(absl::Time t) {
  const double n_days = JulianDate(t) - 2451545.0;
  const double mean_longitude_deg = 280.460 + 0.9856474 * n_days;
  const double mean_anomaly_rad = (357.528 + 0.9856003 * n_days) * kDegToRad;
  SolarCoordinates c;
  c.ecliptic_longitude_rad =
      (mean_longitude_deg + 1.915 * std::sin(mean_anomaly_rad) +
       0.020 * std::sin(2.0 * mean_anomaly_rad)) *
      kDegToRad;
  c.obliquity_rad = (23.439 - 0.0000004 * n_days) * kDegToRad;
  c.distance_au = 1.00014 - 0.01671 * std::cos(mean_anomaly_rad) -
                  0.00014 * std::cos(2.0 * mean_anomaly_rad);
  return c;
}

Vec3 Direction(const SolarCoordinates& c) {
  const double sin_lambda = std::sin(c.ecliptic_longitude_rad);
  // Ecliptic latitude is zero, so the unit vector rotates from the ecliptic
  // to the equator by the obliquity alone.
  return {std::cos(c.ecliptic_longitude_rad),
          std::cos(c.obliquity_rad) * sin_lambda,
          std::sin(c.obliquity_rad) * sin_lambda};
}

// Angular radius (rad) of a sphere of radius `radius_km` seen from
// `distance_km`; a viewer inside the sphere sees it fill the sky.
double AngularRadiusRad(double radius_km, double distance_km) {
  return distance_km > radius_km ? std::asin(radius_km / distance_km) : kPi;
}

}  // namespace

Vec3 SunDirectionInertial(absl::Time t) { return Direction(Almanac(t)); }

double SunDistanceKm(absl::Time t) {
  return Almanac(t).distance_au * kAstronomicalUnitKm;
}

Vec3 SunPositionInertial(absl::Time t) {
  const SolarCoordinates c = Almanac(t);
  return (c.distance_au * kAstronomicalUnitKm) * Direction(c);
}

Illumination SatelliteIllumination(const Vec3& r_inertial_km, absl::Time t) {
  // Montenbruck and Gill, "Satellite Orbits" (2000), sec. 3.4.2: compare the
  // apparent radii of the Sun (a) and the Earth (b) seen from the satellite
  // with the angle between their centres (c). This is the conical (umbra
  // and penumbra cone) model written in the satellite's sky.
  const Vec3 to_sun_km = SunPositionInertial(t) - r_inertial_km;
  const double sun_km = Norm(to_sun_km);
  const double earth_km = Norm(r_inertial_km);
  const double a_rad = AngularRadiusRad(kSunRadiusKm, sun_km);
  const double b_rad = AngularRadiusRad(kEarthEquatorialRadiusKm, earth_km);
  if (b_rad >= kPi) return Illumination::kUmbra;  // inside the Earth
  const double cos_c = -Dot(r_inertial_km, to_sun_km) / (earth_km * sun_km);
  const double c_rad = std::acos(std::fmax(-1.0, std::fmin(1.0, cos_c)));
  if (c_rad >= a_rad + b_rad) return Illumination::kSunlit;
  if (c_rad <= b_rad - a_rad) return Illumination::kUmbra;
  return Illumination::kPenumbra;
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
