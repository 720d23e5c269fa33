#include "sim/scenario_world.h"

#include <memory>
#include <string>

#include "third_party/status_macros.h"

namespace orbitfl::sim {

absl::StatusOr<ScenarioWorld> BuildScenarioWorld(
    const proto::Scenario& scenario) {
  const proto::WorldConfig& w = scenario.world();
  ScenarioWorld world;
  const std::string night = w.night_image() == "none" ? "" : w.night_image();
  ORBITFL_ASSIGN_OR_RETURN(world.map,
                           world::LandCoverMap::Create(w.earth_image(), night));
  if (w.cloud_cover() > 0) {
    world::CloudOptions clouds;
    clouds.cover_scale = w.cloud_cover();
    clouds.evolution = absl::Seconds(w.cloud_evolution_h() * 3600);
    world.clouds = std::make_unique<world::CloudField>(world.map.get(), clouds,
                                                       scenario.seed());
  }
  world::TileOptions tile;
  tile.pixels = w.tile_pixels();
  tile.gsd_m = w.gsd_m();
  tile.noise_stddev = w.noise_stddev();
  world.tiles = std::make_unique<world::TileSynthesizer>(
      world.map.get(), world.clouds.get(), tile, scenario.seed());

  const proto::SensorConfig& s = scenario.sensor();
  node::SensorOptions& sensor = world.sensor;
  sensor.capture_interval = absl::Seconds(s.capture_interval_s());
  sensor.min_sun_elevation_deg = s.min_sun_elevation_deg();
  sensor.max_tiles = s.max_tiles();
  ORBITFL_ASSIGN_OR_RETURN(sensor.task.task,
                           node::ParseTask(scenario.training().task()));
  sensor.task.max_cloud_fraction = s.max_cloud_fraction();
  sensor.task.cloudy_fraction = s.cloudy_fraction();
  return world;
}

}  // namespace orbitfl::sim
