#ifndef ORBITFL_NODE_MODEL_H_
#define ORBITFL_NODE_MODEL_H_

// Model architectures, described without LibTorch. The module itself lives
// in model_internal.h, which only node/ sources include.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proto/tensor.pb.h"

namespace orbitfl::node {

struct ModelSpec {
  // "small_cnn": conv3x3(16) - pool - conv3x3(32) - pool - linear.
  std::string architecture = "small_cnn";
  int bands = 4;
  int pixels = 32;
  int num_classes = 4;
};

// InvalidArgument for an unknown architecture or a shape it cannot take.
absl::Status ValidateSpec(const ModelSpec& spec);

// Freshly initialised parameters, version 0. Every weight and bias is drawn
// uniformly from +-1/sqrt(fan_in) (PyTorch's default bound) with a
// generator seeded from `seed` only, so it never touches LibTorch's global
// random state.
absl::StatusOr<proto::Model> InitialModel(const ModelSpec& spec,
                                          uint64_t seed);

// Multiply-adds x2 of one forward pass on one tile.
int64_t ForwardFlopsPerImage(const ModelSpec& spec);
int64_t ParameterCount(const proto::Model& model);

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_MODEL_H_
