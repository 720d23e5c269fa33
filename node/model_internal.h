#ifndef ORBITFL_NODE_MODEL_INTERNAL_H_
#define ORBITFL_NODE_MODEL_INTERNAL_H_

// LibTorch side of node/model.h. Include only from .cc files: a TU that
// includes torch/torch.h costs 10-15 s to compile.

#include <torch/torch.h>

#include "absl/status/status.h"
#include "node/dataset.h"
#include "node/model.h"
#include "proto/tensor.pb.h"

namespace orbitfl::node::internal {

struct SmallCnnImpl : torch::nn::Module {
  explicit SmallCnnImpl(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::Conv2d conv2{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(SmallCnn);

// Copies parameters from `model` into `module`; InvalidArgument naming the
// tensor when a name is missing or a shape differs.
absl::Status LoadParameters(const proto::Model& model, torch::nn::Module& module);
// The module's parameters as proto tensors, in registration order.
proto::Model SaveParameters(torch::nn::Module& module);

// Rows [begin, begin + count) of `data` as an N x C x H x W tensor, or the
// rows listed in `indices`.
torch::Tensor Images(const TileDataset& data, const std::vector<int64_t>& indices);

}  // namespace orbitfl::node::internal

#endif  // ORBITFL_NODE_MODEL_INTERNAL_H_
