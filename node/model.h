#ifndef ORBITFL_NODE_MODEL_H_
#define ORBITFL_NODE_MODEL_H_

// Model architectures, described without LibTorch. The modules themselves
// live in model_internal.h, which only node/ sources include.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/dataset.h"
#include "proto/tensor.pb.h"

namespace orbitfl::node {

struct ModelSpec {
  // "small_cnn": conv3x3(16) - pool - conv3x3(32) - pool - linear.
  // "resnet": conv3x3(32) stem, three stages of one basic residual block
  //   (32, 64, 128 channels; the last two downsample by 2 with a 1x1
  //   projection shortcut), global average pool, linear. GroupNorm (8
  //   groups) instead of BatchNorm: it has no running statistics, so every
  //   state of the model is a parameter and FedAvg over parameters is
  //   complete.
  // "encoder_head": the pattern first flown in orbit (2023): a convolutional
  //   VAE encoder, pre-trained on the ground and frozen on board, maps a
  //   tile to a latent_dim vector; a linear head classifies it. Only the
  //   head trains and travels: the federated proto::Model holds the head
  //   alone, and `encoder` below holds the frozen encoder. With two classes
  //   the head is one binary logit (latent_dim + 1 = 129 parameters, as
  //   flown); otherwise Linear(latent_dim, num_classes).
  std::string architecture = "small_cnn";
  int bands = 4;
  int pixels = 32;
  int num_classes = 4;
  // encoder_head only: width of the encoder's latent vector.
  int latent_dim = 128;
  // encoder_head only: the frozen encoder's parameters (PretrainEncoder's
  // result). Needed to train, evaluate or save; not to build InitialModel.
  std::shared_ptr<const proto::Model> encoder;
};

// The architectures ValidateSpec accepts, for messages and flag help:
// "small_cnn, resnet, encoder_head".
const char* ArchitectureNames();

// InvalidArgument for an unknown architecture (listing the valid ones) or a
// shape it cannot take: small_cnn and resnet need pixels a multiple of 4,
// encoder_head a multiple of 8.
absl::Status ValidateSpec(const ModelSpec& spec);

// Freshly initialised trainable parameters (for encoder_head: the head
// only), version 0. Every weight and bias is drawn uniformly from
// +-1/sqrt(fan_in) (PyTorch's default bound) with a generator seeded from
// `seed` only, so it never touches LibTorch's global random state;
// GroupNorm shifts start at 0 and scales at 1, except the last of each
// residual branch: 0, so that every block starts as the identity.
absl::StatusOr<proto::Model> InitialModel(const ModelSpec& spec,
                                          uint64_t seed);

// Trains encoder_head's variational autoencoder (encoder and a mirrored
// upsampling decoder) on the unlabelled images of
// `ground_tiles` for `steps` Adam steps of 32 tiles, deterministically from
// `seed`, and returns the encoder's parameters (architecture "vae_encoder")
// for ModelSpec::encoder. InvalidArgument for a spec that is not
// encoder_head, tiles of another shape, or steps < 1; FailedPrecondition
// for no tiles. When `reconstruction_mse` is not null it receives the mean
// squared reconstruction error per value over the last quarter of the
// steps.
absl::StatusOr<proto::Model> PretrainEncoder(
    const ModelSpec& spec, const TileDataset& ground_tiles, int steps,
    uint64_t seed, double* reconstruction_mse = nullptr);

// Multiply-adds x2 of the convolutions and linear layers of one forward
// pass on one tile (for encoder_head: encoder and head). 0 for an invalid
// spec.
int64_t ForwardFlopsPerImage(const ModelSpec& spec);
// FLOPs of one training example: forward and backward (about 3x forward)
// of what trains; for encoder_head, the frozen encoder's forward plus 3x
// the head's.
int64_t TrainingFlopsPerImage(const ModelSpec& spec);
// Elements of every tensor of `model`.
int64_t ParameterCount(const proto::Model& model);
// Parameters of the whole network of `spec`, frozen encoder included; 0 for
// an invalid spec.
int64_t ParameterCount(const ModelSpec& spec);
// Parameters that train and travel: ParameterCount(InitialModel(spec, _)).
int64_t TrainableParameterCount(const ModelSpec& spec);

// The model as bytes of a LibTorch archive (what torch::save writes for a
// module; `torch::load(module, path)` in C++ reads it back): every
// parameter of the network, the frozen encoder included, so the file
// classifies on its own; plus the architecture, shape and version.
absl::StatusOr<std::string> SerializeModelFile(const ModelSpec& spec,
                                               const proto::Model& model);
// Parses SerializeModelFile's bytes; `name` (a path) names the source in
// errors. Returns the trainable tensors; for encoder_head, also the
// file's encoder into `encoder` when it is not null. InvalidArgument for
// another architecture or shape, a missing tensor or bytes LibTorch
// cannot read.
absl::StatusOr<proto::Model> ParseModelFile(const ModelSpec& spec,
                                            const std::string& bytes,
                                            const std::string& name,
                                            proto::Model* encoder = nullptr);
// The same through a file at `path` (a .pt), with errors naming the path
// (NotFound when it does not exist).
absl::Status SaveModelFile(const ModelSpec& spec, const proto::Model& model,
                           const std::string& path);
absl::StatusOr<proto::Model> LoadModelFile(const ModelSpec& spec,
                                           const std::string& path,
                                           proto::Model* encoder = nullptr);

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_MODEL_H_
