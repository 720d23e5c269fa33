#ifndef ORBITFL_AGGREGATOR_FEDBUFF_H_
#define ORBITFL_AGGREGATOR_FEDBUFF_H_

// Buffered asynchronous aggregation, FedBuff (Nguyen et al. 2022,
// "Federated Learning with Buffered Asynchronous Aggregation"): every
// update no staler than max_staleness is accepted into a buffer; once the
// buffer holds buffer_size = K updates they make one new global version,
//   Δ = (1/K) Σ_i w(s_i) Δ_i,   w(s) = (1 + s)^-staleness_exponent,
// with s_i = current version - base version at aggregation, applied through
// the server optimiser (default sgd, lr 1). K updates arriving between two
// Advance calls make one version each K, in arrival order. With
// flush_after set, a buffer whose oldest update has waited that long is
// aggregated as it is (dividing by the count present) so that a sparse
// constellation still makes progress.

#include <memory>
#include <string>
#include <utility>

#include "aggregator/buffered.h"
#include "aggregator/robust.h"
#include "aggregator/server_optimizer.h"
#include "aggregator/strategy.h"

namespace orbitfl::aggregator {

struct FedBuffOptions {
  // Updates per aggregation, K >= 1. Default 10.
  int buffer_size = 10;
  // Exponent e of the staleness discount (1 + s)^-e, >= 0. Default 0.5.
  double staleness_exponent = 0.5;
  // Updates staler than this are refused (0: any staleness). Default 0.
  int64_t max_staleness = 0;
  // Longest an update waits before a smaller aggregation, >= 0 (0: no
  // limit). Default 0.
  absl::Duration flush_after = absl::ZeroDuration();
  // How the aggregated delta is applied. Default: sgd, lr 1.
  ServerOptimizerOptions server_optimizer;
  // How the aggregated updates combine (robust rules, clipping).
  // Default: the weighted mean.
  RobustOptions robust;
};

class FedBuff final : public BufferedStrategy {
 public:
  // InvalidArgument naming federation.buffer_size,
  // federation.staleness_exponent, federation.max_staleness,
  // federation.buffer_timeout_s or a server optimiser field.
  static absl::StatusOr<std::unique_ptr<FedBuff>> Create(
      const FedBuffOptions& options);

  std::string name() const override { return "fedbuff"; }
  void Start(const proto::Model& initial, absl::Time start) override;
  Decision Offer(const proto::ModelDelta& delta, absl::Time now) override;
  absl::StatusOr<bool> Advance(absl::Time now) override;
  // The flush time of the oldest buffered update; InfiniteFuture without
  // flush_after or with an empty buffer.
  absl::Time next_deadline() const override;

 private:
  FedBuff(const FedBuffOptions& options,
          std::unique_ptr<ServerOptimizer> optimizer)
      : BufferedStrategy(options.staleness_exponent, options.max_staleness,
                         options.robust, std::move(optimizer)),
        options_(options) {}

  FedBuffOptions options_;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_FEDBUFF_H_
