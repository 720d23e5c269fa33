#include "sim/run_world.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "node/eurosat.h"
#include "node/model.h"
#include "node/trainer.h"
#include "proto/delta_codec.h"
#include "sim/strategies.h"
#include "sim/test_set.h"
#include "sim/world/land_cover.h"
#include "sim/world/tile.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// A EuroSAT-style folder instead of the world: a held-out test set and a
// Dirichlet deal of the rest over the satellites.
absl::Status LoadRealData(const proto::Scenario& scenario, Env* env,
                          std::ostream* progress, RunWorld& out,
                          node::TileDataset& archive) {
  const proto::WorldConfig& w = scenario.world();
  node::EurosatOptions load;
  load.max_tiles_per_class = w.eurosat_max_tiles_per_class();
  load.read_file = [env](const std::string& path) {
    return env->ReadFile(path);
  };
  ORBITFL_ASSIGN_OR_RETURN(node::EurosatDataset data,
                           node::LoadEurosatFolder(w.eurosat_dir(), load));
  ORBITFL_ASSIGN_OR_RETURN(
      node::TrainTestSplit split,
      node::SplitTrainTest(data.tiles, w.eurosat_test_fraction(),
                           scenario.seed()));
  out.test_set = node::Subset(data.tiles, split.test);
  archive = node::Subset(data.tiles, split.train);
  const int classes = static_cast<int>(data.class_names.size());
  ORBITFL_ASSIGN_OR_RETURN(
      std::vector<std::vector<int64_t>> deal,
      node::DealDirichlet(archive.y, classes,
                          static_cast<int>(out.plan.satellite_names.size()),
                          w.dirichlet_alpha(), scenario.seed()));
  for (const std::vector<int64_t>& rows : deal) {
    out.shares.push_back(node::Subset(archive, rows));
  }
  out.spec.pixels = data.tiles.pixels;
  out.spec.bands = data.tiles.bands;
  out.spec.num_classes = classes;
  if (progress != nullptr) {
    *progress << absl::StrFormat(
        "[orbitfl] %s: %d classes, %d tiles of %dx%dx%d; %d held out, the "
        "rest dealt to %d satellites (Dirichlet alpha %g)\n",
        w.eurosat_dir(), classes, data.tiles.size(), out.spec.pixels,
        out.spec.pixels, out.spec.bands, out.test_set.size(), out.shares.size(),
        w.dirichlet_alpha());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunWorld> BuildRunWorld(const proto::Scenario& scenario,
                                       absl::Time start, absl::Time stop,
                                       Env* env, std::ostream* progress) {
  RunWorld w;
  ORBITFL_ASSIGN_OR_RETURN(w.plan, BuildContactPlan(scenario, start, stop));
  for (const std::string& name : scenario.adversary().satellites()) {
    if (std::find(w.plan.satellite_names.begin(), w.plan.satellite_names.end(),
                  name) == w.plan.satellite_names.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "adversary.satellites: \"", name, "\" is not a satellite of the run "
          "(names look like \"", w.plan.satellite_names.front(), "\")"));
    }
  }
  w.spec.architecture = scenario.training().model();
  // Unlabelled tiles the encoder of encoder_head is pre-trained on.
  node::TileDataset archive;
  const proto::TrainingConfig& t = scenario.training();
  if (!scenario.world().eurosat_dir().empty()) {
    ORBITFL_RETURN_IF_ERROR(LoadRealData(scenario, env, progress, w, archive));
  } else {
    ORBITFL_ASSIGN_OR_RETURN(w.world, BuildScenarioWorld(scenario));
    w.spec.pixels = w.world.tiles->options().pixels;
    w.spec.bands = world::kTileBands;
    w.spec.num_classes = node::NumClasses(w.world.sensor.task.task);
    ORBITFL_ASSIGN_OR_RETURN(
        w.test_set,
        BalancedTestSet(*w.world.tiles, w.world.sensor.task,
                        w.world.sensor.min_sun_elevation_deg,
                        scenario.evaluation().test_tiles(), start, stop,
                        scenario.seed()));
    if (w.spec.architecture == "encoder_head") {
      // A ground archive (stream 7, apart from the test set).
      ORBITFL_ASSIGN_OR_RETURN(
          archive, BalancedTestSet(*w.world.tiles, w.world.sensor.task,
                                   w.world.sensor.min_sun_elevation_deg,
                                   t.encoder_pretrain_tiles(), start, stop,
                                   scenario.seed(), /*stream=*/7));
    }
  }
  ORBITFL_RETURN_IF_ERROR(node::ValidateSpec(w.spec));
  if (w.spec.architecture == "encoder_head") {
    // Before launch: the encoder learns the look of the Earth from
    // unlabelled tiles on the ground, then flies frozen.
    if (progress != nullptr) {
      *progress << absl::StrFormat(
          "[orbitfl] pre-training the encoder on the ground: %d tiles, %d "
          "steps\n",
          archive.size(), t.encoder_pretrain_steps());
    }
    ORBITFL_ASSIGN_OR_RETURN(
        proto::Model encoder,
        node::PretrainEncoder(w.spec, archive, t.encoder_pretrain_steps(),
                              scenario.seed()));
    w.spec.encoder = std::make_shared<const proto::Model>(std::move(encoder));
  }
  return w;
}

absl::StatusOr<std::unique_ptr<node::Satellite>> MakeSatellite(
    const proto::Scenario& scenario, const RunWorld& w, int i, absl::Time start) {
  const proto::TrainingConfig& t = scenario.training();
  const proto::AdversaryConfig& adversary = scenario.adversary();
  const std::set<std::string> misbehaving(adversary.satellites().begin(),
                                          adversary.satellites().end());
  node::SatelliteOptions o;
  o.name = w.plan.satellite_names[i];
  o.orbit = w.plan.orbits[i].get();
  o.tiles = w.world.tiles.get();
  if (!w.shares.empty()) o.preloaded = &w.shares[i];
  o.epoch = start;
  o.sensor = w.world.sensor;
  o.trainer.spec = w.spec;
  o.trainer.local_steps = t.local_steps();
  o.trainer.batch_size = t.batch_size();
  o.trainer.learning_rate = t.learning_rate();
  o.trainer.proximal_mu = t.proximal_mu();
  const proto::ComputeConfig& compute = scenario.compute();
  ORBITFL_ASSIGN_OR_RETURN(o.compute, node::FindComputeProfile(compute.device()));
  if (t.onboard_flops() > 0) o.compute.training_flops_per_s = t.onboard_flops();
  o.power_model = !compute.ignore_power();
  o.power.battery_capacity_wh = compute.battery_wh();
  o.power.solar_power_w = compute.solar_w();
  o.power.bus_load_w = compute.bus_load_w();
  o.power.min_state_of_charge = compute.min_charge();
  o.power.initial_state_of_charge = compute.initial_charge();
  const proto::RadiationConfig& rad = scenario.radiation();
  o.radiation.upsets_per_bit_per_day = rad.upsets_per_bit_per_day();
  o.radiation.saa_multiplier = rad.saa_multiplier();
  o.radiation.polar_multiplier = rad.polar_multiplier();
  ORBITFL_ASSIGN_OR_RETURN(o.radiation.protection,
                           node::ParseSeuProtection(rad.protection()));
  o.min_tiles = t.min_tiles();
  ORBITFL_ASSIGN_OR_RETURN(
      o.codec.codec,
      proto::ParseDeltaCodec(scenario.federation().delta_codec()));
  o.codec.topk_fraction = scenario.federation().topk_fraction();
  o.seed = scenario.seed();
  o.index = static_cast<int>(i);
  if (misbehaving.count(o.name) > 0) {
    o.misbehaviour.kind = adversary.kind();
    o.misbehaviour.factor = adversary.factor();
  }
  return node::Satellite::Create(o);
}

absl::StatusOr<std::unique_ptr<aggregator::Aggregator>> MakeAggregator(
    const proto::Scenario& scenario, const RunWorld& w, absl::Time start,
    absl::Time stop, aggregator::AggregatorOptions agg) {
  ORBITFL_ASSIGN_OR_RETURN(
      std::unique_ptr<aggregator::Strategy> strategy,
      MakeStrategy(scenario, static_cast<int>(w.plan.satellite_names.size()),
                   w.plan.windows, start, stop));
  ORBITFL_ASSIGN_OR_RETURN(agg.initial,
                           node::InitialModel(w.spec, scenario.seed()));
  agg.start = start;
  return aggregator::Aggregator::Create(agg, std::move(strategy));
}

absl::StatusOr<std::map<std::string, std::string>> ParseNodeAddresses(
    const std::string& text, const std::vector<std::string>& satellites,
    const std::string& source) {
  // "NAME=ADDRESS" items separated by commas or lines; "*" for the rest.
  std::map<std::string, std::string> given;
  int line = 0;
  for (absl::string_view item :
       absl::StrSplit(text, absl::ByAnyChar(",\n"), absl::SkipWhitespace())) {
    ++line;
    item = absl::StripAsciiWhitespace(item);
    if (absl::StartsWith(item, "#")) continue;
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": item ", line, ": expected SATELLITE=HOST:PORT (or "
          "*=HOST:PORT for every other satellite), got \"", item, "\""));
    }
    given[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
  }
  const std::set<std::string> known(satellites.begin(), satellites.end());
  for (const auto& [name, address] : given) {
    if (name != "*" && known.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": \"", name, "\" is not a satellite of the scenario"));
    }
  }
  // "A|B|C": the satellites an item covers go round-robin, in plan order.
  std::map<std::string, std::vector<std::string>> choices;
  std::map<std::string, size_t> next;
  for (const auto& [name, address] : given) {
    choices[name] = absl::StrSplit(address, '|', absl::SkipEmpty());
  }
  std::map<std::string, std::string> out;
  for (const std::string& name : satellites) {
    std::string key = name;
    if (given.count(key) == 0) key = "*";
    if (given.count(key) == 0 || choices[key].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": no address for satellite \"", name, "\""));
    }
    out[name] = choices[key][next[key]++ % choices[key].size()];
  }
  return out;
}

}  // namespace orbitfl::sim
