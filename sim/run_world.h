#ifndef ORBITFL_SIM_RUN_WORLD_H_
#define ORBITFL_SIM_RUN_WORLD_H_

// What every process of a run builds the same way from the scenario: the
// contact plan, the world (or a EuroSAT-style dataset dealt to the
// satellites), the model and the test set; and from them the satellites
// and the aggregator. The embedded run builds them all in one process;
// `orbitfl aggregator` and `orbitfl node` each build their part, and the
// same scenario gives the same satellites and model everywhere.

#include <map>
#include <memory>
#include <string>
#include <ostream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "aggregator/aggregator.h"
#include "node/dataset.h"
#include "node/model.h"
#include "node/satellite.h"
#include "proto/scenario.pb.h"
#include "sim/contact_plan.h"
#include "sim/env.h"
#include "sim/scenario_world.h"

namespace orbitfl::sim {

struct RunWorld {
  ContactPlan plan;
  ScenarioWorld world;
  // With a EuroSAT-style folder: each satellite's share of the data.
  std::vector<node::TileDataset> shares;
  node::ModelSpec spec;
  node::TileDataset test_set;
};

// Builds the run's world for [start, stop]; `progress` (may be null) gets
// a line for long steps (loading a dataset, pre-training an encoder).
// InvalidArgument naming adversary.satellites when one is not in the plan.
absl::StatusOr<RunWorld> BuildRunWorld(const proto::Scenario& scenario,
                                       absl::Time start, absl::Time stop,
                                       Env* env, std::ostream* progress);

// Satellite `index` of the plan, as the scenario configures it.
absl::StatusOr<std::unique_ptr<node::Satellite>> MakeSatellite(
    const proto::Scenario& scenario, const RunWorld& world, int index,
    absl::Time start);

// The aggregator with the scenario's strategy and the initial model;
// `options` supplies the rest (a journal, fault injection).
absl::StatusOr<std::unique_ptr<aggregator::Aggregator>> MakeAggregator(
    const proto::Scenario& scenario, const RunWorld& world, absl::Time start,
    absl::Time stop, aggregator::AggregatorOptions options = {});

// Which node process hosts each satellite, from "SATELLITE=HOST:PORT"
// items separated by commas or lines ("#" starts a comment line; "*"
// stands for every satellite not named; "A|B|C" deals the satellites an
// item covers round-robin, in plan order, e.g. "*=h:1|h:2"). InvalidArgument naming `source`
// and the item for a malformed item, an unknown satellite, or a
// satellite with no address.
absl::StatusOr<std::map<std::string, std::string>> ParseNodeAddresses(
    const std::string& text, const std::vector<std::string>& satellites,
    const std::string& source);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_RUN_WORLD_H_
