#ifndef ORBITFL_AGGREGATOR_SERVER_OPTIMIZER_H_
#define ORBITFL_AGGREGATOR_SERVER_OPTIMIZER_H_

// Server-side optimisers for federated learning (Reddi et al. 2021,
// "Adaptive Federated Optimization"): the aggregated update Δ of a round
// (the pseudo-gradient, a weighted mean of client deltas) is applied to the
// global model x by
//   sgd:      x += lr Δ                                   (FedAvg: lr 1)
//   momentum: m = β m + Δ;  x += lr m              (FedAvgM, Hsu et al. 2019)
//   adam:     m = β1 m + (1 - β1) Δ;  v = β2 v + (1 - β2) Δ²;
//             x += lr m / (sqrt(v) + τ)                          (FedAdam)
// element by element, m and v starting at 0 and, as in the paper, without
// bias correction. State and arithmetic are in double; the model stays fp32.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/aggregator_state.pb.h"
#include "proto/tensor.pb.h"

namespace orbitfl::aggregator {

// One vector per model tensor, in the model's tensor order.
using Pseudogradient = std::vector<std::vector<double>>;

struct ServerOptimizerOptions {
  // "sgd" (default), "momentum" or "adam". Empty means "sgd".
  std::string kind = "sgd";
  // Server learning rate, > 0; 0 means the kind's default: 1 for sgd and
  // momentum, 0.01 for adam. Default 0.
  double lr = 0;
  // momentum: β in [0, 1). Default 0.9.
  double momentum = 0.9;
  // adam: β1 and β2 in [0, 1), τ > 0. Defaults 0.9, 0.99 and 1e-3.
  double beta1 = 0.9;
  double beta2 = 0.99;
  double tau = 1e-3;
};

// Checks `options`; InvalidArgument naming the scenario field
// (federation.server_optimizer, federation.server_lr,
// federation.server_momentum, federation.adam_beta1, federation.adam_beta2,
// federation.adam_tau).
absl::Status ValidateServerOptimizer(const ServerOptimizerOptions& options);

class ServerOptimizer {
 public:
  static absl::StatusOr<std::unique_ptr<ServerOptimizer>> Create(
      const ServerOptimizerOptions& options);

  // x += step(Δ) for `delta` shaped like `model` (InvalidArgument
  // otherwise, the model unchanged). The model's version is not touched.
  absl::Status Apply(const Pseudogradient& delta, proto::Model& model);
  // Forgets the moments (a new run).
  void Reset();
  // The moments, to and from a strategy's snapshot.
  void SaveState(proto::StrategyState* state) const;
  void RestoreState(const proto::StrategyState& state);

  const std::string& kind() const { return kind_; }
  // The learning rate in use (the kind's default resolved).
  double lr() const { return lr_; }

 private:
  ServerOptimizer(const ServerOptimizerOptions& options, std::string kind,
                  double lr)
      : options_(options), kind_(std::move(kind)), lr_(lr) {}

  ServerOptimizerOptions options_;
  std::string kind_;
  double lr_;
  // First and second moments, shaped like the model once Apply has run.
  Pseudogradient m_;
  Pseudogradient v_;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_SERVER_OPTIMIZER_H_
