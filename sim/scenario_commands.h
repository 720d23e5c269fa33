#ifndef ORBITFL_SIM_SCENARIO_COMMANDS_H_
#define ORBITFL_SIM_SCENARIO_COMMANDS_H_

// `orbitfl validate` and `orbitfl run`. `run` lives in the orbitfl_sim
// binary, which links LibTorch; the orbitfl front end hands it over (see
// main.cc), so commands that need no model start in milliseconds.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/scenario.pb.h"
#include "sim/flags.h"

namespace orbitfl::sim {

// Applies "a.b.c=VALUE;..." (VALUE as in a textproto) to `scenario`.
absl::Status ApplySettings(const std::string& settings,
                           proto::Scenario& scenario);

// The scenario of --scenario with the overrides given among --set, --seed,
// --hours, --strategy, --task, --model, --delta-codec, --tle and --stations
// applied (and `strategy` when not empty), then validated once, so that
// defaults follow the overridden fields.
absl::StatusOr<proto::Scenario> LoadWithOverrides(
    const Flags& flags, const std::string& strategy = "");
// "Walker delta 12/3/1 at 550.0 km, 97.6 deg" or "TLEs from FILE".
std::string Describe(const proto::Constellation& c);

// For `run` and `coordinator` (in orbitfl_sim): --resume=DIR, the scenario
// DIR's checkpoint records (sim/run_checkpoint.h; InvalidArgument naming
// any flag that would change it or the run directory), and
// --checkpoint=on|off (default on).
absl::StatusOr<proto::Scenario> ResumedScenario(const Flags& flags);
absl::StatusOr<bool> CheckpointFlag(const Flags& flags);

absl::Status ValidateCommand(const std::vector<std::string>& args);
absl::Status RunCommand(const std::vector<std::string>& args);
// Runs the scenario once per --strategies entry into OUT/STRATEGY and
// writes OUT/report.html (one line per strategy) and OUT/compare.csv.
absl::Status CompareCommand(const std::vector<std::string>& args);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_SCENARIO_COMMANDS_H_
