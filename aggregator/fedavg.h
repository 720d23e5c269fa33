#ifndef ORBITFL_AGGREGATOR_FEDAVG_H_
#define ORBITFL_AGGREGATOR_FEDAVG_H_

// Synchronous FedAvg (McMahan et al., 2017) with a round deadline: round v
// collects updates whose base is global version v; it closes when every
// expected participant has reported or at its deadline, and the new global
// model adds the sample-weighted mean of the deltas. A deadline reached with
// fewer than min_participants updates extends the round by one deadline.
// The mean goes through a server optimiser (server_optimizer.h): the
// default, sgd with lr 1, is plain FedAvg; momentum gives FedAvgM and adam
// FedAdam.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/robust.h"
#include "aggregator/server_optimizer.h"
#include "aggregator/strategy.h"

namespace orbitfl::aggregator {

struct FedAvgOptions {
  absl::Duration round_deadline = absl::Hours(3);
  int min_participants = 1;
  // Satellites in the run: a round closes early when all have reported.
  int expected_participants = 1;
  // How the round's mean delta is applied. Default: sgd, lr 1.
  ServerOptimizerOptions server_optimizer;
  // How the aggregated updates combine (robust rules, clipping).
  // Default: the weighted mean.
  RobustOptions robust;
};

class FedAvg final : public Strategy {
 public:
  static absl::StatusOr<std::unique_ptr<FedAvg>> Create(
      const FedAvgOptions& options);

  std::string name() const override { return "fedavg"; }
  void Start(const proto::Model& initial, absl::Time start) override;
  Decision Offer(const proto::ModelDelta& delta, absl::Time now) override;
  absl::StatusOr<bool> Advance(absl::Time now) override;
  const proto::Model& global() const override { return global_; }
  int64_t updates_applied() const override { return updates_applied_; }
  int64_t min_base_version() const override { return global_.version(); }
  absl::Time next_deadline() const override { return deadline_; }
  std::vector<AppliedUpdate> TakeApplied() override;
  void SaveState(proto::StrategyState* state) const override;
  absl::Status RestoreState(const proto::StrategyState& state) override;

 private:
  FedAvg(const FedAvgOptions& options,
         std::unique_ptr<ServerOptimizer> optimizer)
      : options_(options), optimizer_(std::move(optimizer)) {}
  absl::Status Aggregate(absl::Time now);

  FedAvgOptions options_;
  std::unique_ptr<ServerOptimizer> optimizer_;
  proto::Model global_;
  absl::Time deadline_ = absl::InfiniteFuture();
  // This round's updates by sender, then (for updates merged on board)
  // contributors: ordered, so the sum is deterministic.
  std::map<std::string, proto::ModelDelta> round_;
  // Every satellite this round's updates speak for.
  std::set<std::string> reported_;
  int64_t updates_applied_ = 0;
  std::vector<AppliedUpdate> applied_;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_FEDAVG_H_
