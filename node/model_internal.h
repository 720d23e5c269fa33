#ifndef ORBITFL_NODE_MODEL_INTERNAL_H_
#define ORBITFL_NODE_MODEL_INTERNAL_H_

// LibTorch side of node/model.h. Include only from .cc files: a TU that
// includes torch/torch.h costs 10-15 s to compile.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/dataset.h"
#include "node/model.h"
#include "proto/tensor.pb.h"

namespace orbitfl::node::internal {

using NamedTensors = torch::OrderedDict<std::string, torch::Tensor>;

// Every architecture of ModelSpec: logits from N x C x H x W tiles.
class ClassifierImpl : public torch::nn::Module {
 public:
  // N x outputs logits; a single output is a binary logit (class 1 when
  // > 0), see Loss and Predict.
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  // The parameters that train and travel in proto::Model, in registration
  // order: all of them but encoder_head's frozen encoder.
  virtual NamedTensors TrainableParameters() { return named_parameters(); }
  // encoder_head's frozen encoder; nullptr for the others.
  virtual torch::nn::Module* FrozenEncoder() { return nullptr; }
};

// Its parameter order and names are a contract of saved models and tests.
struct SmallCnnImpl : ClassifierImpl {
  explicit SmallCnnImpl(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor x) override;

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::Conv2d conv2{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(SmallCnn);

// conv3x3(stride) - GN - relu - conv3x3 - GN, plus the input (through a
// 1x1 conv + GN projection when the shape changes), then relu.
struct ResidualBlockImpl : torch::nn::Module {
  ResidualBlockImpl(int in_channels, int out_channels, int stride);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::GroupNorm norm1{nullptr};
  torch::nn::Conv2d conv2{nullptr};
  torch::nn::GroupNorm norm2{nullptr};
  torch::nn::Conv2d shortcut{nullptr};  // null for the identity
  torch::nn::GroupNorm shortcut_norm{nullptr};
};
TORCH_MODULE(ResidualBlock);

struct ResNetImpl : ClassifierImpl {
  explicit ResNetImpl(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor x) override;

  torch::nn::Conv2d stem{nullptr};
  torch::nn::GroupNorm stem_norm{nullptr};
  ResidualBlock stage1{nullptr};
  ResidualBlock stage2{nullptr};
  ResidualBlock stage3{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

// Three stride-2 conv3x3 (16, 32, 64 channels, relu) then a linear map of
// the flattened features to the latent mean. The VAE's log-variance head
// is used only in pre-training and is not part of the encoder.
struct VaeEncoderImpl : torch::nn::Module {
  explicit VaeEncoderImpl(const ModelSpec& spec);
  // Flattened conv features, N x (64 * (pixels/8)^2).
  torch::Tensor Features(torch::Tensor x);
  torch::Tensor forward(torch::Tensor x) { return mu->forward(Features(x)); }

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::Conv2d conv2{nullptr};
  torch::nn::Conv2d conv3{nullptr};
  torch::nn::Linear mu{nullptr};
};
TORCH_MODULE(VaeEncoder);

struct EncoderHeadImpl : ClassifierImpl {
  explicit EncoderHeadImpl(const ModelSpec& spec);
  // The encoder runs without autograd: it is frozen.
  torch::Tensor forward(torch::Tensor x) override;
  NamedTensors TrainableParameters() override;
  torch::nn::Module* FrozenEncoder() override { return encoder.get(); }

  VaeEncoder encoder{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(EncoderHead);

// Outputs of the classifier: 1 (a binary logit) for encoder_head with two
// classes, num_classes otherwise.
int OutputCount(const ModelSpec& spec);

// The network of a valid `spec`, parameters as LibTorch constructs them.
// For encoder_head with `load_encoder`, the encoder's parameters come from
// spec.encoder and stop requiring gradients (FailedPrecondition when
// spec.encoder is null, InvalidArgument when it does not fit).
absl::StatusOr<std::shared_ptr<ClassifierImpl>> BuildClassifier(
    const ModelSpec& spec, bool load_encoder);

// Draws every tensor of `params`, in order, uniformly from
// +-1/sqrt(fan_in) (fan_in: a weight's elements per output unit; a bias
// takes its weight's), except GroupNorm parameters of `module`: scales 1,
// shifts 0.
void SeededInit(torch::nn::Module& module, const NamedTensors& params,
                std::mt19937_64& gen);

// Whether `model`'s tensors fit `params` (same count, every name there,
// same shapes, 4 bytes a value); InvalidArgument naming the tensor when
// not. `what` names the model in messages.
absl::Status CheckParameters(const proto::Model& model,
                             const NamedTensors& params,
                             const std::string& what = "model");
// Copies `model`'s tensors into `params` after CheckParameters.
absl::Status LoadParameters(const proto::Model& model,
                            const NamedTensors& params,
                            const std::string& what = "model");
// `params` as proto tensors, in order.
proto::Model SaveParameters(const NamedTensors& params,
                            const std::string& architecture);

// The rows of `data` listed in `indices` as an N x C x H x W tensor, and
// their labels.
torch::Tensor Images(const TileDataset& data,
                     const std::vector<int64_t>& indices);
torch::Tensor Labels(const TileDataset& data,
                     const std::vector<int64_t>& indices);

// Cross-entropy of logits against int64 labels; binary cross-entropy on
// the logit when there is one output.
torch::Tensor Loss(const torch::Tensor& logits, const torch::Tensor& labels,
                   torch::Reduction::Reduction reduction);
// Predicted classes (int64) of logits.
torch::Tensor Predict(const torch::Tensor& logits);

// LibTorch reports errors as c10::Error; they stop at node/'s boundary.
template <typename F>
auto CatchTorch(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const c10::Error& e) {
    return absl::InternalError(
        what + ": LibTorch error: " + e.what_without_backtrace());
  }
}

// One intra-op thread: reductions then run in one fixed order, so a run
// gives byte-identical models on any machine whatever its core count.
void PinTorchThreads();

}  // namespace orbitfl::node::internal

#endif  // ORBITFL_NODE_MODEL_INTERNAL_H_
