#ifndef ORBITFL_SIM_ORBIT_COMMANDS_H_
#define ORBITFL_SIM_ORBIT_COMMANDS_H_

// The orbit engine's commands: `orbitfl propagate`, `orbitfl contacts` and
// `orbitfl constellation` (README.md, "Orbit commands"). Results go to `out`,
// progress and timings to `log`.

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace orbitfl::sim {

absl::Status PropagateCommand(const std::vector<std::string>& args,
                              std::ostream& out, std::ostream& log);
absl::Status ContactsCommand(const std::vector<std::string>& args,
                             std::ostream& out, std::ostream& log);
absl::Status ConstellationCommand(const std::vector<std::string>& args,
                                  std::ostream& out, std::ostream& log);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_ORBIT_COMMANDS_H_
