#include "sim/strategies.h"

#include <algorithm>
#include <set>

#include "aggregator/dp.h"
#include "aggregator/fedasync.h"
#include "aggregator/fedavg.h"
#include "aggregator/fedbuff.h"
#include "aggregator/scheduled.h"
#include "aggregator/server_optimizer.h"
#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {

std::vector<absl::Time> FedSpaceSchedule(
    const std::vector<orbit::ContactWindow>& windows, absl::Time start,
    absl::Time stop, absl::Duration slot, int min_updates) {
  // Window ends in time order.
  std::vector<std::pair<absl::Time, int>> ends;
  for (const orbit::ContactWindow& w : windows) {
    if (w.end > start && w.end <= stop) ends.push_back({w.end, w.satellite});
  }
  std::sort(ends.begin(), ends.end());
  std::vector<absl::Time> schedule;
  std::set<int> reported;
  size_t next = 0;
  for (absl::Time t = start; t < stop;) {
    t = std::min(t + slot, stop);
    while (next < ends.size() && ends[next].first <= t) {
      reported.insert(ends[next++].second);
    }
    if (static_cast<int>(reported.size()) >= std::max(1, min_updates) ||
        (t == stop && !reported.empty())) {
      schedule.push_back(t);
      reported.clear();
    }
  }
  return schedule;
}

absl::StatusOr<std::unique_ptr<aggregator::Strategy>> MakeStrategy(
    const proto::Scenario& scenario, int satellites,
    const std::vector<orbit::ContactWindow>& windows, absl::Time start,
    absl::Time stop) {
  const proto::FederationConfig& fed = scenario.federation();
  aggregator::ServerOptimizerOptions server;
  server.kind = fed.server_optimizer();
  server.lr = fed.server_lr();
  server.momentum = fed.server_momentum();
  server.beta1 = fed.adam_beta1();
  server.beta2 = fed.adam_beta2();
  server.tau = fed.adam_tau();
  aggregator::RobustOptions robust;
  robust.rule = fed.robust().rule();
  robust.trim_fraction = fed.robust().trim_fraction();
  robust.clip_norm = fed.robust().clip_norm();
  robust.clip_to_median = fed.robust().clip_to_median();
  std::unique_ptr<aggregator::Strategy> strategy;
  const std::string& name = fed.strategy();
  if (name == "fedasync") {
    aggregator::FedAsyncOptions o;
    o.alpha = fed.fedasync_alpha();
    o.staleness_exponent = fed.staleness_exponent();
    o.max_staleness = fed.max_staleness();
    ORBITFL_ASSIGN_OR_RETURN(strategy, aggregator::FedAsync::Create(o));
  } else if (name == "fedbuff") {
    aggregator::FedBuffOptions o;
    // A satellite sends one update per global version it receives, so a
    // buffer larger than the constellation would never fill.
    if (fed.buffer_size() > satellites) {
      return absl::InvalidArgumentError(absl::StrCat(
          "federation.buffer_size: expected at most the number of "
          "satellites (", satellites, "), got ", fed.buffer_size()));
    }
    o.buffer_size = fed.buffer_size() > 0 ? fed.buffer_size()
                                          : std::min(10, satellites);
    o.staleness_exponent = fed.staleness_exponent();
    o.max_staleness = fed.max_staleness();
    o.flush_after = absl::Seconds(fed.buffer_timeout_s());
    o.server_optimizer = server;
    o.robust = robust;
    ORBITFL_ASSIGN_OR_RETURN(strategy, aggregator::FedBuff::Create(o));
  } else if (name == "fedspace") {
    aggregator::ScheduledAggregationOptions o;
    const int min_updates = fed.fedspace_min_updates() > 0
                                ? fed.fedspace_min_updates()
                                : std::max(1, satellites / 4);
    o.schedule = FedSpaceSchedule(windows, start, stop,
                                  absl::Seconds(fed.fedspace_slot_s()),
                                  min_updates);
    if (o.schedule.empty()) {
      return absl::FailedPreconditionError(
          "federation.strategy \"fedspace\": no satellite has a ground pass "
          "in the run, so there is nothing to schedule");
    }
    o.staleness_exponent = fed.staleness_exponent();
    o.max_staleness = fed.max_staleness();
    o.server_optimizer = server;
    o.robust = robust;
    ORBITFL_ASSIGN_OR_RETURN(strategy,
                             aggregator::ScheduledAggregation::Create(o));
  } else {  // fedavg, fedprox, hierarchical (FedAvg over merged updates)
    aggregator::FedAvgOptions o;
    o.round_deadline = absl::Seconds(fed.round_deadline_s());
    o.min_participants = fed.min_participants();
    o.expected_participants = satellites;
    o.server_optimizer = server;
    o.robust = robust;
    ORBITFL_ASSIGN_OR_RETURN(strategy, aggregator::FedAvg::Create(o));
  }
  if (fed.dp().clip_norm() > 0) {
    aggregator::DpOptions dp;
    dp.clip_norm = fed.dp().clip_norm();
    dp.noise_multiplier = fed.dp().noise_multiplier();
    dp.delta = fed.dp().delta();
    dp.seed = scenario.seed();
    ORBITFL_ASSIGN_OR_RETURN(
        strategy, aggregator::DpStrategy::Create(dp, std::move(strategy)));
  }
  return strategy;
}

}  // namespace orbitfl::sim
