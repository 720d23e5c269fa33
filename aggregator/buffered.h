#ifndef ORBITFL_AGGREGATOR_BUFFERED_H_
#define ORBITFL_AGGREGATOR_BUFFERED_H_

// What the buffered strategies (FedBuff, scheduled aggregation) share: a
// buffer of accepted updates and the staleness-weighted mean that folds a
// batch of them into one new global version (Nguyen et al. 2022):
//   Δ = (1/n) Σ_i w(s_i) Δ_i,   w(s) = (1 + s)^-staleness_exponent,
// s_i = current version - base version of update i, applied through a
// server optimiser.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "aggregator/server_optimizer.h"
#include "aggregator/strategy.h"
#include "proto/tensor.pb.h"

namespace orbitfl::aggregator {

// An accepted update waiting in a buffer, and when it arrived.
struct BufferedUpdate {
  proto::ModelDelta delta;
  absl::Time arrived;
};

// (1 + staleness)^-exponent.
double StalenessWeight(int64_t staleness, double exponent);

// Folds `batch` (non-empty, summed in its order) into `global`, which
// becomes version + 1, and appends one AppliedUpdate per update to
// `applied` (weight: w(s_i) / n). InvalidArgument when an update does not
// fit the model; `global` is then unchanged.
absl::Status AggregateBuffered(const std::vector<BufferedUpdate>& batch,
                               double staleness_exponent,
                               ServerOptimizer& optimizer,
                               proto::Model& global,
                               std::vector<AppliedUpdate>& applied);

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_BUFFERED_H_
