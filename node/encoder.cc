// PretrainEncoder (model.h): the ground segment's half of encoder_head. A
// convolutional VAE learns to reconstruct unlabelled tiles; its encoder's
// latent mean is what the on-board head sees.

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "node/model.h"
#include "node/model_internal.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {
namespace {

constexpr int kPretrainBatch = 32;
constexpr double kPretrainLearningRate = 1e-3;  // Adam
// Weight of the KL term against the summed squared reconstruction error:
// a Gaussian decoder of variance 0.005 in reflectance units squared. With
// weight 1 (unit variance) the KL term would drown the reconstruction of
// [0, 1] reflectances and the latent would carry almost nothing.
constexpr double kKlWeight = 0.01;

// The encoder plus what only pre-training needs: the log-variance head and
// a decoder mirroring the encoder, each stage a 2x nearest upsampling then
// a conv3x3. (LibTorch's CPU transposed convolution took 3x as long for
// the same shapes.)
struct VaeImpl : torch::nn::Module {
  explicit VaeImpl(const ModelSpec& spec) : eighth(spec.pixels / 8) {
    encoder = register_module("encoder", internal::VaeEncoder(spec));
    const int features = 64 * eighth * eighth;
    logvar = register_module("logvar",
                             torch::nn::Linear(features, spec.latent_dim));
    expand = register_module("expand",
                             torch::nn::Linear(spec.latent_dim, features));
    const auto conv = [](int in, int out) {
      return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
    };
    up1 = register_module("up1", conv(64, 32));
    up2 = register_module("up2", conv(32, 16));
    up3 = register_module("up3", conv(16, spec.bands));
  }

  static torch::Tensor Upsample(const torch::Tensor& x) {
    return torch::upsample_nearest2d(
        x, std::vector<int64_t>{2 * x.size(2), 2 * x.size(3)});
  }

  torch::Tensor Decode(torch::Tensor z) {
    torch::Tensor x =
        torch::relu(expand->forward(z)).view({-1, 64, eighth, eighth});
    x = torch::relu(up1->forward(Upsample(x)));
    x = torch::relu(up2->forward(Upsample(x)));
    return torch::sigmoid(up3->forward(Upsample(x)));
  }

  int eighth;
  internal::VaeEncoder encoder{nullptr};
  torch::nn::Linear logvar{nullptr};
  torch::nn::Linear expand{nullptr};
  torch::nn::Conv2d up1{nullptr};
  torch::nn::Conv2d up2{nullptr};
  torch::nn::Conv2d up3{nullptr};
};
TORCH_MODULE(Vae);

}  // namespace

absl::StatusOr<proto::Model> PretrainEncoder(const ModelSpec& spec,
                                             const TileDataset& ground_tiles,
                                             int steps, uint64_t seed,
                                             double* reconstruction_mse) {
  ORBITFL_RETURN_IF_ERROR(ValidateSpec(spec));
  if (spec.architecture != "encoder_head") {
    return absl::InvalidArgumentError(absl::StrCat(
        "encoder pre-training: expected architecture encoder_head, got ",
        spec.architecture));
  }
  if (steps < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encoder pre-training: expected steps >= 1, got ", steps));
  }
  if (ground_tiles.size() == 0) {
    return absl::FailedPreconditionError("encoder pre-training: no tiles");
  }
  if (ground_tiles.pixels != spec.pixels || ground_tiles.bands != spec.bands) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encoder pre-training: tiles are ", ground_tiles.pixels, "x",
        ground_tiles.pixels, "x", ground_tiles.bands, ", the model expects ",
        spec.pixels, "x", spec.pixels, "x", spec.bands));
  }
  internal::PinTorchThreads();
  return internal::CatchTorch(
      "encoder pre-training", [&]() -> absl::StatusOr<proto::Model> {
        Vae vae(spec);
        // Its own streams: initialisation, mini-batches, VAE noise.
        std::seed_seq seq{seed, uint64_t{0x656e636f646572}};  // "encoder"
        std::mt19937_64 gen(seq);
        internal::SeededInit(*vae, vae->named_parameters(), gen);
        torch::optim::Adam adam(
            vae->parameters(), torch::optim::AdamOptions(kPretrainLearningRate));
        std::uniform_int_distribution<int64_t> pick(0,
                                                    ground_tiles.size() - 1);
        std::normal_distribution<float> normal;
        std::vector<int64_t> batch(kPretrainBatch);
        torch::Tensor eps = torch::empty({kPretrainBatch, spec.latent_dim});
        // Reported over the last quarter of the steps.
        const int report_from = steps - std::max(1, steps / 4);
        double sse_sum = 0;
        for (int step = 0; step < steps; ++step) {
          for (int64_t& i : batch) i = pick(gen);
          const torch::Tensor x = internal::Images(ground_tiles, batch);
          float* e = eps.data_ptr<float>();
          for (int64_t i = 0; i < eps.numel(); ++i) e[i] = normal(gen);
          const torch::Tensor features = vae->encoder->Features(x);
          const torch::Tensor mu = vae->encoder->mu->forward(features);
          const torch::Tensor logvar = vae->logvar->forward(features);
          const torch::Tensor z = mu + torch::exp(0.5 * logvar) * eps;
          const torch::Tensor reconstruction =
              (vae->Decode(z) - x).square().sum() / kPretrainBatch;
          const torch::Tensor kl =
              -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum() /
              kPretrainBatch;
          adam.zero_grad();
          (reconstruction + kKlWeight * kl).backward();
          adam.step();
          if (step >= report_from) sse_sum += reconstruction.item<double>();
        }
        if (reconstruction_mse != nullptr) {
          *reconstruction_mse =
              sse_sum / (steps - report_from) / ground_tiles.tile_values();
        }
        return internal::SaveParameters(vae->encoder->named_parameters(),
                                        "vae_encoder");
      });
}

}  // namespace orbitfl::node
