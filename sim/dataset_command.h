#ifndef ORBITFL_SIM_DATASET_COMMAND_H_
#define ORBITFL_SIM_DATASET_COMMAND_H_

// `orbitfl dataset`: exports, measures and previews what the satellites of
// a scenario collect. Lives in orbitfl_sim (--stats trains a CNN).

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace orbitfl::sim {

absl::Status DatasetCommand(const std::vector<std::string>& args);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_DATASET_COMMAND_H_
