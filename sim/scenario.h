#ifndef ORBITFL_SIM_SCENARIO_H_
#define ORBITFL_SIM_SCENARIO_H_

// Scenario files: textproto of proto::Scenario, parsed and validated once.
// Every error names the file, the field (or line and column) and what was
// expected.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/scenario.pb.h"
#include "sim/env.h"

namespace orbitfl::sim {

// Parses `text` (from `filename`, used in messages and to resolve relative
// paths), loads a stations_file through `env`, applies the defaults
// documented in scenario.proto and validates every field.
absl::StatusOr<proto::Scenario> ParseScenario(absl::string_view text,
                                              const std::string& filename,
                                              Env* env);
// Reads and parses a scenario file. NotFound naming the path when missing.
absl::StatusOr<proto::Scenario> LoadScenario(const std::string& path,
                                             Env* env);
// The same, without defaults or validation yet: for callers that change
// fields first (command-line overrides) and then call FinalizeScenario, so
// that defaults which depend on other fields (server_lr on the optimiser,
// proximal_mu on the strategy) follow the final values.
absl::StatusOr<proto::Scenario> LoadScenarioUnfinalized(const std::string& path,
                                                        Env* env);
// Applies defaults and validates a scenario built in code.
absl::Status FinalizeScenario(proto::Scenario& scenario,
                              const std::string& filename);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_SCENARIO_H_
