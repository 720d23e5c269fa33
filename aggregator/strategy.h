#ifndef ORBITFL_AGGREGATOR_STRATEGY_H_
#define ORBITFL_AGGREGATOR_STRATEGY_H_

// The interface every federation strategy implements. A strategy sees
// complete, validated updates and the virtual clock; it never sees orbits,
// links or the wire.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/aggregator_state.pb.h"
#include "proto/tensor.pb.h"

namespace orbitfl::aggregator {

// One update as it entered the global model (proto::AppliedUpdate on the
// wire).
struct AppliedUpdate {
  std::string satellite;
  int64_t base_version = 0;
  // The global version it went into (the one it helped make).
  int64_t model_version = 0;
  // Versions published between its base and its application:
  // model_version - 1 - base_version.
  int64_t staleness = 0;
  // Its coefficient in the aggregation that applied it, before any server
  // learning rate: FedAvg the share of samples in its round, FedAsync the
  // mixing weight, FedBuff and FedSpace (1 + s)^-e / (updates aggregated).
  double weight = 0;
};

struct Decision {
  bool accepted = false;
  std::string reason;  // why not, when not accepted
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;

  // Starts from the initial global model at virtual time `start`.
  virtual void Start(const proto::Model& initial, absl::Time start) = 0;
  // A complete update that passed validation, arriving at `now`.
  virtual Decision Offer(const proto::ModelDelta& delta, absl::Time now) = 0;
  // Advances the clock; returns true when it produced a new global model.
  virtual absl::StatusOr<bool> Advance(absl::Time now) = 0;

  virtual const proto::Model& global() const = 0;
  // Updates applied to the global model since Start.
  virtual int64_t updates_applied() const = 0;
  // The oldest base version this strategy still accepts; clients holding an
  // older update should drop it instead of sending it.
  virtual int64_t min_base_version() const = 0;
  // When the strategy next wants Advance called, or InfiniteFuture.
  virtual absl::Time next_deadline() const = 0;

  // The updates applied since the previous call (or Start), in the order
  // they were applied; clears them.
  virtual std::vector<AppliedUpdate> TakeApplied() = 0;
  // Differential privacy budget spent so far: epsilon at the strategy's
  // delta, the largest over satellites. 0 for strategies without DP.
  virtual double dp_epsilon() const { return 0; }

  // Snapshots of the aggregator: everything Start set up and the updates
  // changed since, and its restoration into a strategy made with the same
  // options and started. InvalidArgument when `state` does not fit.
  virtual void SaveState(proto::StrategyState* state) const = 0;
  virtual absl::Status RestoreState(const proto::StrategyState& state) = 0;
};

// What every strategy's state holds: applied updates to and from their
// place in a snapshot.
void SaveApplied(const std::vector<AppliedUpdate>& applied,
                 proto::StrategyState* state);
std::vector<AppliedUpdate> RestoreApplied(const proto::StrategyState& state);

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_STRATEGY_H_
