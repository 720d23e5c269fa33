#ifndef ORBITFL_AGGREGATOR_SCHEDULED_H_
#define ORBITFL_AGGREGATOR_SCHEDULED_H_

// Scheduled aggregation, strategy "fedspace", in the spirit of FedSpace
// (So et al. 2022): the ground knows the predicted contact plan and picks
// the instants at which aggregating pays off. The simulator computes those
// instants from the orbits; this strategy only sees the list. Accepted
// updates wait in a buffer; at each scheduled instant t the updates that
// arrived by t make one new version, with FedBuff's staleness-weighted mean
//   Δ = (1/n) Σ_i w(s_i) Δ_i,   w(s) = (1 + s)^-staleness_exponent,
// applied through the server optimiser. An instant with nothing buffered
// is skipped.

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/buffered.h"
#include "aggregator/robust.h"
#include "aggregator/server_optimizer.h"
#include "aggregator/strategy.h"

namespace orbitfl::aggregator {

struct ScheduledAggregationOptions {
  // Aggregation instants in non-decreasing order, at least one. No
  // default: the simulator plans them.
  std::vector<absl::Time> schedule;
  // Exponent e of the staleness discount (1 + s)^-e, >= 0. Default 0.5.
  double staleness_exponent = 0.5;
  // Updates staler than this are refused (0: any staleness). Default 0.
  int64_t max_staleness = 0;
  // How the aggregated delta is applied. Default: sgd, lr 1.
  ServerOptimizerOptions server_optimizer;
  // How the aggregated updates combine (robust rules, clipping).
  // Default: the weighted mean.
  RobustOptions robust;
};

class ScheduledAggregation final : public BufferedStrategy {
 public:
  // InvalidArgument for an empty or unsorted schedule, or naming
  // federation.staleness_exponent, federation.max_staleness or a server
  // optimiser field.
  static absl::StatusOr<std::unique_ptr<ScheduledAggregation>> Create(
      const ScheduledAggregationOptions& options);

  std::string name() const override { return "fedspace"; }
  // Instants before `start` are dropped.
  void Start(const proto::Model& initial, absl::Time start) override;
  Decision Offer(const proto::ModelDelta& delta, absl::Time now) override;
  // Runs every scheduled instant <= now not run yet.
  absl::StatusOr<bool> Advance(absl::Time now) override;
  // The next scheduled instant, or InfiniteFuture after the last.
  absl::Time next_deadline() const override;
  void SaveState(proto::StrategyState* state) const override;
  absl::Status RestoreState(const proto::StrategyState& state) override;

 private:
  ScheduledAggregation(const ScheduledAggregationOptions& options,
                       std::unique_ptr<ServerOptimizer> optimizer)
      : BufferedStrategy(options.staleness_exponent, options.max_staleness,
                         options.robust, std::move(optimizer)),
        options_(options) {}

  ScheduledAggregationOptions options_;
  // Index of the next instant of options_.schedule to run.
  size_t next_ = 0;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_SCHEDULED_H_
