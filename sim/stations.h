#ifndef ORBITFL_SIM_STATIONS_H_
#define ORBITFL_SIM_STATIONS_H_

// Ground-station lists: CSV files with the header
// name,lat_deg,lon_deg,alt_m,min_elevation_deg, and the range checks every
// station gets wherever it was written.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/scenario.pb.h"
#include "sim/env.h"

namespace orbitfl::sim {

// "" when the station is valid, else "FIELD: expected ..., got ...".
// A missing min_elevation_deg is set to the default, 10 deg.
std::string CheckStation(proto::GroundStation& station);

// InvalidArgument naming the file and line (and the field) of the first bad
// row; an empty min_elevation_deg takes the default.
absl::StatusOr<std::vector<proto::GroundStation>> ParseStationsCsv(
    absl::string_view text, const std::string& filename);
absl::StatusOr<std::vector<proto::GroundStation>> LoadStationsCsv(
    const std::string& path, Env* env);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_STATIONS_H_
