#ifndef ORBITFL_AGGREGATOR_BUFFERED_H_
#define ORBITFL_AGGREGATOR_BUFFERED_H_

// What the buffered strategies (FedBuff, scheduled aggregation) share: a
// buffer of accepted updates, the staleness checks that admit them, and the
// staleness-weighted mean that folds a batch of them into one new global
// version (Nguyen et al. 2022):
//   Δ = (1/n) Σ_i w(s_i) Δ_i,   w(s) = (1 + s)^-staleness_exponent,
// s_i = current version - base version of update i, applied through a
// server optimiser. Each strategy decides only when to aggregate what.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "aggregator/robust.h"
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

// InvalidArgument naming federation.staleness_exponent (>= 0) or
// federation.max_staleness (>= 0, 0: any).
absl::Status ValidateStalenessOptions(double staleness_exponent,
                                      int64_t max_staleness);

class BufferedStrategy : public Strategy {
 public:
  const proto::Model& global() const override { return global_; }
  int64_t updates_applied() const override { return updates_applied_; }
  // 0 without max_staleness; else max_staleness versions behind the global.
  int64_t min_base_version() const override;
  std::vector<AppliedUpdate> TakeApplied() override;
  void SaveState(proto::StrategyState* state) const override;
  absl::Status RestoreState(const proto::StrategyState& state) override;

  // Updates waiting in the buffer.
  int buffered() const { return static_cast<int>(buffer_.size()); }

 protected:
  // `max_staleness` 0: any staleness.
  BufferedStrategy(double staleness_exponent, int64_t max_staleness,
                   const RobustOptions& robust,
                   std::unique_ptr<ServerOptimizer> optimizer);

  // What Start shares: `initial` as the global model, nothing buffered or
  // applied, a fresh optimiser.
  void Restart(const proto::Model& initial);
  // Buffers `delta`, arriving at `now`, unless it is based on a version
  // newer than the global one or, with max_staleness, is more than that
  // many versions behind `version`, the one it will be aggregated into.
  Decision Buffer(const proto::ModelDelta& delta, absl::Time now,
                  int64_t version);
  // Takes the first `n` (>= 1) buffered updates out of the buffer and folds
  // them, summed in arrival order, into the global model, which becomes
  // version + 1; each goes to TakeApplied with weight w(s_i) / n.
  // InvalidArgument when an update does not fit the model; the global
  // model is then unchanged and the `n` updates are dropped.
  absl::Status AggregateFirst(size_t n);

  // Accepted updates in arrival order.
  std::vector<BufferedUpdate>& buffer() { return buffer_; }
  const std::vector<BufferedUpdate>& buffer() const { return buffer_; }

 private:
  const double staleness_exponent_;
  const RobustOptions robust_;
  const int64_t max_staleness_;
  std::unique_ptr<ServerOptimizer> optimizer_;
  proto::Model global_;
  std::vector<BufferedUpdate> buffer_;
  int64_t updates_applied_ = 0;
  std::vector<AppliedUpdate> applied_;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_BUFFERED_H_
