#include "sim/stations.h"

#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace orbitfl::sim {
namespace {

constexpr char kHeader[] = "name,lat_deg,lon_deg,alt_m,min_elevation_deg";
// The same with the optional antenna count.
constexpr char kHeaderAntennas[] =
    "name,lat_deg,lon_deg,alt_m,min_elevation_deg,antennas";
constexpr double kDefaultMinElevationDeg = 10;

std::string OutOfRange(const char* field, double v, double lo, double hi,
                       const char* what) {
  if (std::isfinite(v) && v >= lo && v <= hi) return "";
  return absl::StrCat(field, ": expected ", what, " in [", lo, ", ", hi,
                      "], got ", v);
}

}  // namespace

std::string CheckStation(proto::GroundStation& g) {
  if (g.name().empty()) return "name: expected a non-empty name, got \"\"";
  if (!g.has_min_elevation_deg()) {
    g.set_min_elevation_deg(kDefaultMinElevationDeg);
  }
  if (g.antennas() == 0) g.set_antennas(1);
  if (g.antennas() < 1 || g.antennas() > 1000) {
    return absl::StrCat("antennas: expected an antenna count in [1, 1000], got ",
                        g.antennas());
  }
  for (const std::string& e :
       {OutOfRange("lat_deg", g.lat_deg(), -90, 90, "a latitude"),
        OutOfRange("lon_deg", g.lon_deg(), -180, 180, "a longitude"),
        OutOfRange("alt_m", g.alt_m(), -500, 9000, "an altitude in metres"),
        OutOfRange("min_elevation_deg", g.min_elevation_deg(), 0, 89,
                   "an elevation mask in degrees")}) {
    if (!e.empty()) return e;
  }
  return "";
}

absl::StatusOr<std::vector<proto::GroundStation>> ParseStationsCsv(
    absl::string_view text, const std::string& filename) {
  std::vector<proto::GroundStation> stations;
  int line_number = 0;
  bool header_seen = false;
  size_t columns = 5;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    const std::string where = absl::StrCat(filename, ":", line_number, ": ");
    if (!header_seen) {
      if (line != kHeader && line != kHeaderAntennas) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "expected the header \"", kHeader, "\" (optionally with ",
            "\",antennas\"), got \"", line, "\""));
      }
      columns = line == kHeader ? 5 : 6;
      header_seen = true;
      continue;
    }
    std::vector<absl::string_view> f = absl::StrSplit(line, ',');
    if (f.size() != columns) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "expected ", columns, " fields (",
          columns == 5 ? kHeader : kHeaderAntennas, "), got ", f.size()));
    }
    proto::GroundStation g;
    g.set_name(std::string(absl::StripAsciiWhitespace(f[0])));
    const char* names[] = {"lat_deg", "lon_deg", "alt_m", "min_elevation_deg"};
    double values[4] = {0, 0, 0, kDefaultMinElevationDeg};
    for (int i = 0; i < 4; ++i) {
      const absl::string_view v = absl::StripAsciiWhitespace(f[i + 1]);
      if (v.empty() && i >= 2) continue;  // alt_m and the mask may be empty
      if (!absl::SimpleAtod(v, &values[i])) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, names[i], ": expected a number, got \"", v, "\""));
      }
    }
    g.set_lat_deg(values[0]);
    g.set_lon_deg(values[1]);
    g.set_alt_m(values[2]);
    g.set_min_elevation_deg(values[3]);
    if (columns == 6) {
      const absl::string_view v = absl::StripAsciiWhitespace(f[5]);
      int antennas = 0;
      if (!v.empty() && !absl::SimpleAtoi(v, &antennas)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "antennas: expected a whole number, got \"", v, "\""));
      }
      g.set_antennas(antennas);  // 0 (empty): the default, 1
    }
    if (std::string error = CheckStation(g); !error.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, error));
    }
    stations.push_back(std::move(g));
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(absl::StrCat(
        filename, ": empty; expected the header \"", kHeader, "\""));
  }
  return stations;
}

absl::StatusOr<std::vector<proto::GroundStation>> LoadStationsCsv(
    const std::string& path, Env* env) {
  absl::StatusOr<std::string> text = env->ReadFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("stations file: ", text.status().message()));
  }
  return ParseStationsCsv(*text, path);
}

}  // namespace orbitfl::sim
