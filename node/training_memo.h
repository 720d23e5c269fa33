#ifndef ORBITFL_NODE_TRAINING_MEMO_H_
#define ORBITFL_NODE_TRAINING_MEMO_H_

// Local training results kept so that a satellite's history can be rebuilt
// without training again: a run resumed from its checkpoint
// (sim/run_checkpoint.h) and a node restarted on its journal
// (node/node_service.h) replay them. Everything else on board re-runs as
// it did (capture, power, radiation, encoding); only the LibTorch steps
// come from the record, with the mini-batch stream's state after them.

#include <optional>

#include "absl/status/statusor.h"
#include "proto/services.pb.h"

namespace orbitfl::node {

class TrainingMemo {
 public:
  virtual ~TrainingMemo() = default;
  // While replaying: the next recorded training, which the satellite
  // checks is its own, from the same model and tiles. nullopt once the
  // records are spent: the satellite trains for real.
  virtual absl::StatusOr<std::optional<proto::TrainingRecord>> Next() = 0;
  // A training that ran for real.
  virtual absl::Status Record(const proto::TrainingRecord& record) = 0;
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_TRAINING_MEMO_H_
