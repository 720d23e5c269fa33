#ifndef ORBITFL_AGGREGATOR_ROBUST_H_
#define ORBITFL_AGGREGATOR_ROBUST_H_

// Robust aggregation against faulty or malicious satellites: how the
// updates aggregated together make one pseudo-gradient.
//   mean          Σ w_i Δ_i, the strategy's own weights (FedAvg's sample
//                 shares, FedBuff's staleness discounts).
//   median        coordinate-wise median of the Δ_i, times Σ w_i
//                 (Yin et al. 2018, "Byzantine-Robust Distributed
//                 Learning: Towards Optimal Statistical Rates").
//   trimmed_mean  coordinate-wise mean of the Δ_i after dropping the
//                 ⌊β n⌋ largest and smallest values, times Σ w_i (ibid.).
// Before any rule, norm clipping (Sun et al. 2019, "Can You Really
// Backdoor Federated Learning?") scales each Δ_i to an L2 norm (over all
// its tensors) of at most clip_norm, or of the median norm of the updates
// aggregated together with clip_to_median.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aggregator/server_optimizer.h"
#include "proto/tensor.pb.h"

namespace orbitfl::aggregator {

struct RobustOptions {
  // "mean" (default; empty means mean), "median" or "trimmed_mean".
  std::string rule = "mean";
  // trimmed_mean: β in [0, 0.5), the share cut from each end. Default 0.1.
  double trim_fraction = 0.1;
  // > 0: each update clipped to this L2 norm first. Default 0 (off).
  double clip_norm = 0;
  // Each update clipped to the median L2 norm of those aggregated with it.
  bool clip_to_median = false;
};

// InvalidArgument naming the federation.robust field that is out of range.
absl::Status ValidateRobustOptions(const RobustOptions& options);

// Whether the options change anything from the plain weighted mean.
bool IsRobust(const RobustOptions& options);

// The pseudo-gradient of `deltas` with their strategy weights, by the
// rule; InvalidArgument naming the satellite when a delta does not fit
// `layout`.
absl::StatusOr<Pseudogradient> CombineDeltas(
    const RobustOptions& options,
    const google::protobuf::RepeatedPtrField<proto::Tensor>& layout,
    const std::vector<const proto::ModelDelta*>& deltas,
    const std::vector<double>& weights);

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_ROBUST_H_
