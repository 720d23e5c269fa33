#ifndef ORBITFL_SIM_SCENARIO_WORLD_H_
#define ORBITFL_SIM_SCENARIO_WORLD_H_

// The world and the sensor a scenario describes, built once and shared by
// `orbitfl run` and `orbitfl dataset`.

#include <memory>

#include "absl/status/statusor.h"
#include "node/sensor.h"
#include "node/task.h"
#include "proto/scenario.pb.h"
#include "sim/world/clouds.h"
#include "sim/world/land_cover.h"
#include "sim/world/tile.h"

namespace orbitfl::sim {

struct ScenarioWorld {
  std::unique_ptr<world::LandCoverMap> map;
  std::unique_ptr<world::CloudField> clouds;  // null for a clear sky
  std::unique_ptr<world::TileSynthesizer> tiles;
  node::SensorOptions sensor;  // includes the task
};

// From a finalized scenario (see FinalizeScenario): decodes the Earth
// images, seeds the clouds and tiles from the scenario seed.
absl::StatusOr<ScenarioWorld> BuildScenarioWorld(const proto::Scenario& scenario);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_SCENARIO_WORLD_H_
