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

absl::Status Invalid(const char* field, const std::string& expected,
                     double got) {
  return absl::InvalidArgumentError(absl::StrCat(
      "walker_delta.", field, ": expected ", expected, ", got ", got));
}

absl::Status Validate(const WalkerDeltaOptions& o) {
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

}  // namespace

absl::StatusOr<std::vector<NamedElements>> WalkerDelta(
    const WalkerDeltaOptions& options) {
  if (absl::Status s = Validate(options); !s.ok()) return s;
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
      el.raan_rad = 2.0 * kPi * plane / options.planes;
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

}  // namespace orbitfl::orbit
