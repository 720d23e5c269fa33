#ifndef ORBITFL_NODE_TRAINER_H_
#define ORBITFL_NODE_TRAINER_H_

// On-board local training and evaluation. LibTorch stays behind this
// header: callers see protos and flat datasets only.

#include <cstdint>
#include <memory>
#include <random>

#include "absl/status/statusor.h"
#include "node/dataset.h"
#include "node/model.h"
#include "proto/tensor.pb.h"

namespace orbitfl::node {

struct TrainerOptions {
  // For encoder_head, spec.encoder must hold the frozen encoder.
  ModelSpec spec;
  int local_steps = 20;        // SGD steps per call to Train
  int batch_size = 32;         // tiles per step, drawn with replacement
  double learning_rate = 0.05; // plain SGD
  // FedProx (Li et al. 2020): the local objective adds
  // proximal_mu / 2 * ||w - w_global||^2 over the trainable parameters,
  // w_global the model Train starts from. >= 0; default 0 (plain local SGD,
  // byte for byte). TrainResult::mean_loss stays the data loss alone.
  double proximal_mu = 0;
  // Each step's batch is split into this many shards (>= 1, at most the
  // batch), each with its own copy of the model; their gradients, weighted
  // by shard size, are summed in shard order. The shards run concurrently
  // on node/parallel.h's threads, so the result depends on the shard count
  // but never on the thread count. Default 2 (on one thread two half
  // batches also run a little faster than one whole one: they fit the
  // caches better).
  int gradient_shards = 2;
};

struct TrainResult {
  proto::ModelDelta delta;  // local - global, base_version = global.version
  double mean_loss = 0;     // over the local steps
  // TrainingFlopsPerImage x local_steps x batch_size: forward + backward,
  // about 3x forward (the frozen encoder of encoder_head: forward only).
  int64_t flops = 0;
};

class LocalTrainer {
 public:
  // InvalidArgument for bad options or an encoder that does not fit the
  // spec; FailedPrecondition for encoder_head without spec.encoder.
  static absl::StatusOr<std::unique_ptr<LocalTrainer>> Create(
      const TrainerOptions& options);
  ~LocalTrainer();

  // Starts from `global`, runs local_steps of SGD on mini-batches of `data`
  // drawn with `gen`, and returns the weight delta (for encoder_head: of
  // the head alone; the encoder never changes). FailedPrecondition when
  // `data` is empty; InvalidArgument when `global` does not fit the spec or
  // a label is outside [0, num_classes).
  absl::StatusOr<TrainResult> Train(const proto::Model& global,
                                    const TileDataset& data,
                                    std::mt19937_64& gen);

  // OK when `model` fits what Train starts from (its tensors' names,
  // shapes and sizes); InvalidArgument naming the tensor when not, with
  // `what` naming the model.
  absl::Status CheckModel(const proto::Model& model,
                          const std::string& what) const;

  const TrainerOptions& options() const;

 private:
  struct Impl;
  explicit LocalTrainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct EvalResult {
  double accuracy = 0;
  double loss = 0;  // mean cross-entropy (binary for a one-logit head)
  int64_t examples = 0;
};

// Accuracy and loss of `model` on `data` (for encoder_head: the head,
// with spec.encoder).
absl::StatusOr<EvalResult> Evaluate(const ModelSpec& spec,
                                    const proto::Model& model,
                                    const TileDataset& data);

// Adds `delta` to `model` tensor by tensor (for tests and tools).
absl::Status ApplyDelta(const proto::ModelDelta& delta, double scale,
                        proto::Model& model);

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_TRAINER_H_
