#ifndef ORBITFL_SIM_RUN_REPORT_H_
#define ORBITFL_SIM_RUN_REPORT_H_

// report.html for run directories of one scenario: the scenario gives the
// ground tracks (one orbit of every satellite from the epoch), the stations
// and the map; the runs give everything else (sim/report.h).

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "proto/scenario.pb.h"
#include "sim/env.h"

namespace orbitfl::sim {

// Writes `out_dir`/report.html for `runs` ((label, directory) pairs; labels
// may be empty), all of `scenario` (validated). The contact timeline comes
// from the first run's contacts.csv.
absl::Status WriteRunReport(
    const proto::Scenario& scenario,
    const std::vector<std::pair<std::string, std::string>>& runs,
    const std::string& out_dir, Env* env);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_RUN_REPORT_H_
