#ifndef ORBITFL_AGGREGATOR_FEDASYNC_H_
#define ORBITFL_AGGREGATOR_FEDASYNC_H_

// Asynchronous federated optimisation, FedAsync (Xie, Koyejo and Gupta,
// 2019): every accepted update is mixed into the global model as soon as it
// arrives, weighted down by its staleness, and each one makes a new global
// version. With local weights x_local = x_base + delta, the paper's mixing
// x <- (1 - a) x + a x_local becomes, on deltas,
//   x <- x + a_s * (x_base + delta - x),
// which needs the base model; like most implementations this one applies
//   x <- x + a_s * delta,
// exact when the update is fresh (base == current). The weight
// a_s = alpha * (1 + s)^-staleness_exponent for staleness s = current
// version - base version (the paper's polynomial staleness function).

#include <memory>
#include <string>
#include <vector>

#include "aggregator/strategy.h"

namespace orbitfl::aggregator {

struct FedAsyncOptions {
  // Mixing weight of a fresh update, in (0, 1]. Default 0.6.
  double alpha = 0.6;
  // Exponent of the polynomial staleness discount, >= 0. Default 0.5.
  double staleness_exponent = 0.5;
  // Updates staler than this are refused (0: any staleness). Default 0.
  int64_t max_staleness = 0;
};

class FedAsync final : public Strategy {
 public:
  static absl::StatusOr<std::unique_ptr<FedAsync>> Create(
      const FedAsyncOptions& options);

  std::string name() const override { return "fedasync"; }
  void Start(const proto::Model& initial, absl::Time start) override;
  Decision Offer(const proto::ModelDelta& delta, absl::Time now) override;
  absl::StatusOr<bool> Advance(absl::Time now) override;
  const proto::Model& global() const override { return global_; }
  int64_t updates_applied() const override { return updates_applied_; }
  int64_t min_base_version() const override;
  absl::Time next_deadline() const override { return absl::InfiniteFuture(); }
  std::vector<AppliedUpdate> TakeApplied() override;
  void SaveState(proto::StrategyState* state) const override;
  absl::Status RestoreState(const proto::StrategyState& state) override;

  // The weight an update of staleness s gets.
  double MixingWeight(int64_t staleness) const;

 private:
  explicit FedAsync(const FedAsyncOptions& options) : options_(options) {}

  FedAsyncOptions options_;
  proto::Model global_;
  // Accepted since the last Advance, in arrival order.
  std::vector<proto::ModelDelta> pending_;
  int64_t updates_applied_ = 0;
  std::vector<AppliedUpdate> applied_;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_FEDASYNC_H_
