#ifndef ORBITFL_AGGREGATOR_STRATEGY_H_
#define ORBITFL_AGGREGATOR_STRATEGY_H_

// The interface every federation strategy implements. A strategy sees
// complete, validated updates and the virtual clock; it never sees orbits,
// links or the wire.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/tensor.pb.h"

namespace orbitfl::aggregator {

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
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_STRATEGY_H_
