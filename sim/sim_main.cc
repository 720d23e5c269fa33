// orbitfl_sim: the commands that need LibTorch (`run`, `dataset`,
// `train`). Started by the orbitfl front end with the same arguments (see
// main.cc).

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "sim/dataset_command.h"
#include "sim/distributed_command.h"
#include "sim/scenario_commands.h"
#include "sim/train_command.h"

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  absl::Status status;
  if (command == "run") {
    status = orbitfl::sim::RunCommand(args);
  } else if (command == "compare") {
    status = orbitfl::sim::CompareCommand(args);
  } else if (command == "dataset") {
    status = orbitfl::sim::DatasetCommand(args);
  } else if (command == "aggregator") {
    status = orbitfl::sim::AggregatorCommand(args);
  } else if (command == "node") {
    status = orbitfl::sim::NodeCommand(args);
  } else if (command == "coordinator") {
    status = orbitfl::sim::CoordinatorCommand(args);
  } else if (command == "train") {
    status = orbitfl::sim::TrainCommand(args, std::cout, std::cerr);
  } else {
    std::cerr << "orbitfl_sim: runs `orbitfl run|compare|dataset|train|aggregator|node|coordinator ...`; see "
                 "`orbitfl help`\n";
    return 2;
  }
  if (!status.ok()) {
    std::cerr << "orbitfl: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
