#include "aggregator/buffered.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"

namespace orbitfl::aggregator {

double StalenessWeight(int64_t staleness, double exponent) {
  return std::pow(1.0 + static_cast<double>(staleness), -exponent);
}

absl::Status AggregateBuffered(const std::vector<BufferedUpdate>& batch,
                               double staleness_exponent,
                               ServerOptimizer& optimizer,
                               proto::Model& global,
                               std::vector<AppliedUpdate>& applied) {
  if (batch.empty()) {
    return absl::InternalError("AggregateBuffered: empty batch");
  }
  const int64_t version = global.version();
  const double n = static_cast<double>(batch.size());
  std::vector<const proto::ModelDelta*> deltas;
  std::vector<double> weights;
  for (const BufferedUpdate& u : batch) {
    deltas.push_back(&u.delta);
    weights.push_back(
        StalenessWeight(version - u.delta.base_version(), staleness_exponent) /
        n);
  }
  ORBITFL_ASSIGN_OR_RETURN(Pseudogradient mean,
                           WeightedDeltaSum(global, deltas, weights));
  ORBITFL_RETURN_IF_ERROR(optimizer.Apply(mean, global));
  global.set_version(version + 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    const proto::ModelDelta& d = batch[i].delta;
    applied.push_back({d.satellite(), d.base_version(), version + 1,
                       version - d.base_version(), weights[i]});
  }
  return absl::OkStatus();
}

}  // namespace orbitfl::aggregator
