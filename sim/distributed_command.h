#ifndef ORBITFL_SIM_DISTRIBUTED_COMMAND_H_
#define ORBITFL_SIM_DISTRIBUTED_COMMAND_H_

// `orbitfl aggregator`, `orbitfl node` and `orbitfl coordinator`: one run
// as separate processes over TCP (README, "Running distributed").

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace orbitfl::sim {

absl::Status AggregatorCommand(const std::vector<std::string>& args);
absl::Status NodeCommand(const std::vector<std::string>& args);
absl::Status CoordinatorCommand(const std::vector<std::string>& args);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_DISTRIBUTED_COMMAND_H_
