#ifndef ORBITFL_SIM_STRATEGIES_H_
#define ORBITFL_SIM_STRATEGIES_H_

// The scenario's federation strategy, built from its `federation` block:
// fedavg, fedprox (FedAvg on the server; the proximal term is the
// satellites'), fedasync, fedbuff or fedspace, with the server optimiser
// and, when federation.dp.clip_norm > 0, differential privacy around it.

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "aggregator/strategy.h"
#include "orbit/visibility.h"
#include "proto/scenario.pb.h"

namespace orbitfl::sim {

// fedspace's aggregation instants, planned from the predicted ground
// windows (FedSpace, So et al. 2022, schedules aggregation from the known
// future connectivity): the run is cut into slots of `slot`; at the end of
// a slot the ground aggregates when at least `min_updates` distinct
// satellites have had a pass that ended since the last aggregation, i.e.
// could have delivered an update on top of it. Aggregating earlier would
// publish versions few satellites contributed to (more staleness); later
// would leave the ones that did report idle. The last instant is `stop`
// when anything could have arrived after the previous one.
std::vector<absl::Time> FedSpaceSchedule(
    const std::vector<orbit::ContactWindow>& windows, absl::Time start,
    absl::Time stop, absl::Duration slot, int min_updates);

// The strategy of a validated scenario for `satellites` satellites; the
// ground windows feed fedspace's schedule.
absl::StatusOr<std::unique_ptr<aggregator::Strategy>> MakeStrategy(
    const proto::Scenario& scenario, int satellites,
    const std::vector<orbit::ContactWindow>& windows, absl::Time start,
    absl::Time stop);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_STRATEGIES_H_
