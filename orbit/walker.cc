#include "orbit/walker.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "orbit/frames.h"

namespace orbitfl::orbit {
namespace {

constexpr double kMaxAltitudeKm = 100000.0;
// The tropical year (Astronomical Almanac: 365.24219 mean solar days), the
// period of the Sun's mean motion that a sun-synchronous node follows.
constexpr double kTropicalYearS = 365.24219 * 86400.0;

// The pattern's name doubles as the prefix of every field in its errors.
enum class Pattern { kDelta, kStar };

const char* PatternName(Pattern pattern) {
  return pattern == Pattern::kStar ? "walker_star" : "walker_delta";
}

absl::Status Validate(const WalkerDeltaOptions& o, Pattern pattern) {
  auto Invalid = [pattern](const char* field, const std::string& expected,
                           double got) {
    return absl::InvalidArgumentError(absl::StrCat(PatternName(pattern), ".",
                                                   field, ": expected ",
                                                   expected, ", got ", got));
  };
  if (o.total <= 0) return Invalid("total", "> 0", o.total);
  if (o.planes <= 0) return Invalid("planes", "> 0", o.planes);
  if (o.total % o.planes != 0) {
    return Invalid("total",
                   absl::StrCat("a multiple of planes (", o.planes, ")"),
                   o.total);
  }
  if (o.phasing < 0 || o.phasing >= o.planes) {
    return Invalid("phasing",
                   absl::StrCat("in [0, planes) = [0, ", o.planes, ")"),
                   o.phasing);
  }
  if (!(o.altitude_km > 0)) return Invalid("altitude_km", "> 0", o.altitude_km);
  if (!(o.altitude_km <= kMaxAltitudeKm)) {
    return Invalid("altitude_km", absl::StrCat("<= ", kMaxAltitudeKm),
                   o.altitude_km);
  }
  if (!(o.inclination_deg >= 0 && o.inclination_deg <= 180)) {
    return Invalid("inclination_deg", "in [0, 180]", o.inclination_deg);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NamedElements>> Walker(
    const WalkerDeltaOptions& options, Pattern pattern) {
  if (absl::Status s = Validate(options, pattern); !s.ok()) return s;
  // Delta spreads the planes' nodes over the full circle, star over half.
  const double raan_spread_rad = pattern == Pattern::kStar ? kPi : 2.0 * kPi;
  const int per_plane = options.total / options.planes;
  std::vector<NamedElements> sats;
  sats.reserve(options.total);
  for (int plane = 0; plane < options.planes; ++plane) {
    for (int slot = 0; slot < per_plane; ++slot) {
      NamedElements sat;
      sat.name =
          absl::StrFormat("%s-%02d-%02d", options.name_prefix, plane, slot);
      sat.plane = plane;
      sat.slot = slot;
      KeplerElements& el = sat.elements;
      el.epoch = options.epoch;
      el.semi_major_axis_km = kEarthEquatorialRadiusKm + options.altitude_km;
      el.eccentricity = 0;
      el.inclination_rad = options.inclination_deg * kDegToRad;
      el.raan_rad = raan_spread_rad * plane / options.planes;
      // Circular orbits: perigee at the node, so the mean anomaly is the
      // argument of latitude, slot spacing plus F * 360/T per plane (Walker).
      el.arg_perigee_rad = 0;
      el.mean_anomaly_rad =
          std::fmod(2.0 * kPi * slot / per_plane +
                        2.0 * kPi * options.phasing * plane / options.total,
                    2.0 * kPi);
      sats.push_back(std::move(sat));
    }
  }
  return sats;
}

}  // namespace

absl::StatusOr<std::vector<NamedElements>> WalkerDelta(
    const WalkerDeltaOptions& options) {
  return Walker(options, Pattern::kDelta);
}

absl::StatusOr<std::vector<NamedElements>> WalkerStar(
    const WalkerDeltaOptions& options) {
  return Walker(options, Pattern::kStar);
}

absl::StatusOr<double> SunSynchronousInclinationDeg(double altitude_km) {
  if (!(altitude_km > 0) || !std::isfinite(altitude_km)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sun_synchronous.altitude_km: expected a finite altitude > 0, got ",
        altitude_km));
  }
  // Secular J2 nodal rate of a circular orbit (Vallado, "Fundamentals of
  // Astrodynamics", eq. 9-41 with e = 0, as in J2Propagator):
  //   dRAAN/dt = -3/2 n J2 (R/a)^2 cos i,  n = sqrt(mu / a^3),
  // set equal to +2 pi per tropical year and solved for cos i.
  const double a_km = kEarthEquatorialRadiusKm + altitude_km;
  const double n_rad_s = std::sqrt(kEarthMuKm3S2 / (a_km * a_km * a_km));
  const double re_over_a = kEarthEquatorialRadiusKm / a_km;
  const double sun_rate_rad_s = 2.0 * kPi / kTropicalYearS;
  const double cos_i =
      -sun_rate_rad_s / (1.5 * n_rad_s * kEarthJ2 * re_over_a * re_over_a);
  if (cos_i < -1.0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sun_synchronous.altitude_km: expected an altitude where J2 can turn "
        "the node 360 deg per year (up to about 5974 km), got ",
        altitude_km));
  }
  return std::acos(cos_i) * kRadToDeg;
}

}  // namespace orbitfl::orbit
