// orbitfl_sim: the commands that need LibTorch (`run`). Started by the
// orbitfl front end with the same arguments (see main.cc).

#include <iostream>
#include <string>
#include <vector>

#include "sim/scenario_commands.h"

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command != "run") {
    std::cerr << "orbitfl_sim: runs `orbitfl run ...`; see `orbitfl help`\n";
    return 2;
  }
  const absl::Status status =
      orbitfl::sim::RunCommand(std::vector<std::string>(argv + 2, argv + argc));
  if (!status.ok()) {
    std::cerr << "orbitfl: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
