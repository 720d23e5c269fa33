#include "node/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/model_internal.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {
namespace {

constexpr int kGroupNormGroups = 8;

// Elements of a conv/linear weight, x2 per multiply-add, over an output
// of `positions` pixels.
int64_t ConvFlops(int64_t in, int64_t out, int64_t kernel,
                  int64_t positions) {
  return 2 * in * out * kernel * kernel * positions;
}

int64_t EncoderFlops(const ModelSpec& spec) {
  const int64_t p = spec.pixels;
  return ConvFlops(spec.bands, 16, 3, (p / 2) * (p / 2)) +
         ConvFlops(16, 32, 3, (p / 4) * (p / 4)) +
         ConvFlops(32, 64, 3, (p / 8) * (p / 8)) +
         2LL * 64 * (p / 8) * (p / 8) * spec.latent_dim;
}

int64_t EncoderParameters(const ModelSpec& spec) {
  const int64_t p = spec.pixels;
  return (spec.bands * 16 * 9 + 16) + (16 * 32 * 9 + 32) +
         (32 * 64 * 9 + 64) +
         (64 * (p / 8) * (p / 8) + 1) * int64_t{spec.latent_dim};
}

int64_t ResNetFlops(const ModelSpec& spec) {
  const int64_t p1 = int64_t{spec.pixels} * spec.pixels;
  const int64_t p2 = p1 / 4, p3 = p1 / 16;
  return ConvFlops(spec.bands, 32, 3, p1) + 2 * ConvFlops(32, 32, 3, p1) +
         ConvFlops(32, 64, 3, p2) + ConvFlops(64, 64, 3, p2) +
         ConvFlops(32, 64, 1, p2) + ConvFlops(64, 128, 3, p3) +
         ConvFlops(128, 128, 3, p3) + ConvFlops(64, 128, 1, p3) +
         2LL * 128 * spec.num_classes;
}

int64_t ResNetParameters(const ModelSpec& spec) {
  const auto conv = [](int64_t in, int64_t out, int64_t k) {
    return in * out * k * k;
  };
  const auto norm = [](int64_t c) { return 2 * c; };
  return conv(spec.bands, 32, 3) + norm(32) +                    // stem
         2 * (conv(32, 32, 3) + norm(32)) +                      // stage1
         conv(32, 64, 3) + conv(64, 64, 3) + 2 * norm(64) +      // stage2
         conv(32, 64, 1) + norm(64) +                            //   proj
         conv(64, 128, 3) + conv(128, 128, 3) + 2 * norm(128) +  // stage3
         conv(64, 128, 1) + norm(128) +                          //   proj
         (128 + 1) * int64_t{spec.num_classes};                  // fc
}

}  // namespace

const char* ArchitectureNames() { return "small_cnn, resnet, encoder_head"; }

absl::Status ValidateSpec(const ModelSpec& spec) {
  const std::string& a = spec.architecture;
  if (a != "small_cnn" && a != "resnet" && a != "encoder_head") {
    return absl::InvalidArgumentError(
        absl::StrCat("model architecture: expected one of ",
                     ArchitectureNames(), ", got \"", a, "\""));
  }
  const int multiple = a == "encoder_head" ? 8 : 4;
  if (spec.pixels < multiple || spec.pixels % multiple != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile pixels: ", a, " expects a multiple of ", multiple,
                     " >= ", multiple, ", got ", spec.pixels));
  }
  if (spec.bands < 1 || spec.num_classes < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model: expected bands >= 1 and num_classes >= 2, got ", spec.bands,
        " and ", spec.num_classes));
  }
  if (a == "encoder_head" && spec.latent_dim < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model latent_dim: expected >= 1, got ", spec.latent_dim));
  }
  return absl::OkStatus();
}

absl::StatusOr<proto::Model> InitialModel(const ModelSpec& spec,
                                          uint64_t seed) {
  ORBITFL_RETURN_IF_ERROR(ValidateSpec(spec));
  return internal::CatchTorch(
      "initial model", [&]() -> absl::StatusOr<proto::Model> {
        ORBITFL_ASSIGN_OR_RETURN(
            std::shared_ptr<internal::ClassifierImpl> net,
            internal::BuildClassifier(spec, /*load_encoder=*/false));
        std::seed_seq seq{seed, uint64_t{0x6d6f64656c}};  // "model"
        std::mt19937_64 gen(seq);
        const internal::NamedTensors params = net->TrainableParameters();
        internal::SeededInit(*net, params, gen);
        proto::Model model =
            internal::SaveParameters(params, spec.architecture);
        model.set_version(0);
        return model;
      });
}

int64_t ForwardFlopsPerImage(const ModelSpec& spec) {
  if (!ValidateSpec(spec).ok()) return 0;
  const int64_t p = spec.pixels;
  if (spec.architecture == "resnet") return ResNetFlops(spec);
  if (spec.architecture == "encoder_head") {
    return EncoderFlops(spec) +
           2LL * spec.latent_dim * internal::OutputCount(spec);
  }
  const int64_t conv1 = 2LL * spec.bands * 16 * 9 * p * p;
  const int64_t conv2 = 2LL * 16 * 32 * 9 * (p / 2) * (p / 2);
  const int64_t fc = 2LL * 32 * (p / 4) * (p / 4) * spec.num_classes;
  return conv1 + conv2 + fc;
}

int64_t TrainingFlopsPerImage(const ModelSpec& spec) {
  if (spec.architecture == "encoder_head" && ValidateSpec(spec).ok()) {
    return EncoderFlops(spec) +
           3 * 2LL * spec.latent_dim * internal::OutputCount(spec);
  }
  return 3 * ForwardFlopsPerImage(spec);
}

int64_t ParameterCount(const proto::Model& model) {
  int64_t total = 0;
  for (const proto::Tensor& t : model.tensors()) {
    int64_t n = 1;
    for (int64_t d : t.shape()) n *= d;
    total += n;
  }
  return total;
}

int64_t ParameterCount(const ModelSpec& spec) {
  if (spec.architecture == "encoder_head" && ValidateSpec(spec).ok()) {
    return EncoderParameters(spec) + TrainableParameterCount(spec);
  }
  return TrainableParameterCount(spec);
}

int64_t TrainableParameterCount(const ModelSpec& spec) {
  if (!ValidateSpec(spec).ok()) return 0;
  const int64_t p = spec.pixels;
  if (spec.architecture == "resnet") return ResNetParameters(spec);
  if (spec.architecture == "encoder_head") {
    return (int64_t{spec.latent_dim} + 1) * internal::OutputCount(spec);
  }
  return (spec.bands * 16 * 9 + 16) + (16 * 32 * 9 + 32) +
         (32 * (p / 4) * (p / 4) + 1) * int64_t{spec.num_classes};
}

namespace internal {

SmallCnnImpl::SmallCnnImpl(const ModelSpec& spec) {
  conv1 = register_module(
      "conv1", torch::nn::Conv2d(
                   torch::nn::Conv2dOptions(spec.bands, 16, 3).padding(1)));
  conv2 = register_module(
      "conv2",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).padding(1)));
  const int quarter = spec.pixels / 4;
  fc = register_module("fc", torch::nn::Linear(32 * quarter * quarter,
                                               spec.num_classes));
}

torch::Tensor SmallCnnImpl::forward(torch::Tensor x) {
  x = torch::max_pool2d(torch::relu(conv1->forward(x)), 2);
  x = torch::max_pool2d(torch::relu(conv2->forward(x)), 2);
  return fc->forward(x.flatten(1));
}

namespace {

torch::nn::Conv2d Conv(int in, int out, int kernel, int stride, bool bias) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                               .stride(stride)
                               .padding(kernel / 2)
                               .bias(bias));
}

torch::nn::GroupNorm Norm(int channels) {
  return torch::nn::GroupNorm(
      torch::nn::GroupNormOptions(kGroupNormGroups, channels));
}

}  // namespace

ResidualBlockImpl::ResidualBlockImpl(int in_channels, int out_channels,
                                     int stride) {
  conv1 = register_module("conv1",
                          Conv(in_channels, out_channels, 3, stride, false));
  norm1 = register_module("norm1", Norm(out_channels));
  conv2 = register_module("conv2",
                          Conv(out_channels, out_channels, 3, 1, false));
  norm2 = register_module("norm2", Norm(out_channels));
  if (stride != 1 || in_channels != out_channels) {
    shortcut = register_module(
        "shortcut", Conv(in_channels, out_channels, 1, stride, false));
    shortcut_norm = register_module("shortcut_norm", Norm(out_channels));
  }
}

torch::Tensor ResidualBlockImpl::forward(torch::Tensor x) {
  torch::Tensor y = torch::relu(norm1->forward(conv1->forward(x)));
  y = norm2->forward(conv2->forward(y));
  torch::Tensor skip =
      shortcut ? shortcut_norm->forward(shortcut->forward(x)) : x;
  return torch::relu(y + skip);
}

ResNetImpl::ResNetImpl(const ModelSpec& spec) {
  stem = register_module("stem", Conv(spec.bands, 32, 3, 1, false));
  stem_norm = register_module("stem_norm", Norm(32));
  stage1 = register_module("stage1", ResidualBlock(32, 32, 1));
  stage2 = register_module("stage2", ResidualBlock(32, 64, 2));
  stage3 = register_module("stage3", ResidualBlock(64, 128, 2));
  fc = register_module("fc", torch::nn::Linear(128, spec.num_classes));
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = torch::relu(stem_norm->forward(stem->forward(x)));
  x = stage3->forward(stage2->forward(stage1->forward(x)));
  return fc->forward(x.mean({2, 3}));
}

VaeEncoderImpl::VaeEncoderImpl(const ModelSpec& spec) {
  conv1 = register_module("conv1", Conv(spec.bands, 16, 3, 2, true));
  conv2 = register_module("conv2", Conv(16, 32, 3, 2, true));
  conv3 = register_module("conv3", Conv(32, 64, 3, 2, true));
  const int eighth = spec.pixels / 8;
  mu = register_module(
      "mu", torch::nn::Linear(64 * eighth * eighth, spec.latent_dim));
}

torch::Tensor VaeEncoderImpl::Features(torch::Tensor x) {
  x = torch::relu(conv1->forward(x));
  x = torch::relu(conv2->forward(x));
  return torch::relu(conv3->forward(x)).flatten(1);
}

EncoderHeadImpl::EncoderHeadImpl(const ModelSpec& spec) {
  encoder = register_module("encoder", VaeEncoder(spec));
  head = register_module(
      "head", torch::nn::Linear(spec.latent_dim, OutputCount(spec)));
}

torch::Tensor EncoderHeadImpl::forward(torch::Tensor x) {
  torch::Tensor z;
  {
    torch::NoGradGuard frozen;
    z = encoder->forward(x);
  }
  return head->forward(z);
}

NamedTensors EncoderHeadImpl::TrainableParameters() {
  NamedTensors out;
  for (const auto& item : head->named_parameters()) {
    out.insert("head." + item.key(), item.value());
  }
  return out;
}

int OutputCount(const ModelSpec& spec) {
  return spec.architecture == "encoder_head" && spec.num_classes == 2
             ? 1
             : spec.num_classes;
}

absl::StatusOr<std::shared_ptr<ClassifierImpl>> BuildClassifier(
    const ModelSpec& spec, bool load_encoder) {
  ORBITFL_RETURN_IF_ERROR(ValidateSpec(spec));
  if (spec.architecture == "small_cnn") {
    return std::shared_ptr<ClassifierImpl>(SmallCnn(spec).ptr());
  }
  if (spec.architecture == "resnet") {
    return std::shared_ptr<ClassifierImpl>(ResNet(spec).ptr());
  }
  EncoderHead net(spec);
  if (load_encoder) {
    if (spec.encoder == nullptr) {
      return absl::FailedPreconditionError(
          "encoder_head: ModelSpec.encoder is not set (pre-train one with "
          "PretrainEncoder or load it from a model file)");
    }
    ORBITFL_RETURN_IF_ERROR(LoadParameters(
        *spec.encoder, net->encoder->named_parameters(), "encoder"));
  }
  for (torch::Tensor& p : net->encoder->parameters()) {
    p.set_requires_grad(false);
  }
  return std::shared_ptr<ClassifierImpl>(net.ptr());
}

void SeededInit(torch::nn::Module& module, const NamedTensors& params,
                std::mt19937_64& gen) {
  torch::NoGradGuard no_grad;
  std::set<const void*> norm_weights, norm_biases, zero_weights;
  for (const auto& m : module.modules()) {
    if (auto* gn = m->as<torch::nn::GroupNormImpl>()) {
      norm_weights.insert(gn->weight.data_ptr());
      norm_biases.insert(gn->bias.data_ptr());
    }
    // Each residual branch starts at zero, so the block starts as the
    // identity (Goyal et al. 2017): stable at higher learning rates.
    if (auto* block = m->as<ResidualBlockImpl>()) {
      zero_weights.insert(block->norm2->weight.data_ptr());
    }
  }
  int64_t fan_in = 1;
  for (const auto& item : params) {
    torch::Tensor t = item.value();
    float* v = t.data_ptr<float>();
    const int64_t n = t.numel();
    if (norm_weights.count(v) || norm_biases.count(v)) {
      const bool one = norm_weights.count(v) && !zero_weights.count(v);
      std::fill(v, v + n, one ? 1.0f : 0.0f);
      continue;
    }
    if (t.dim() > 1) fan_in = n / t.size(0);
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
    std::uniform_real_distribution<float> uniform(-bound, bound);
    for (int64_t i = 0; i < n; ++i) v[i] = uniform(gen);
  }
}

absl::Status CheckParameters(const proto::Model& model,
                             const NamedTensors& params,
                             const std::string& what) {
  if (static_cast<size_t>(model.tensors_size()) != params.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected ", params.size(), " tensors, got ",
                     model.tensors_size()));
  }
  for (const proto::Tensor& t : model.tensors()) {
    const torch::Tensor* p = params.find(t.name());
    if (p == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": unexpected tensor \"", t.name(), "\""));
    }
    const int64_t n = p->numel();
    bool same_shape = t.shape_size() == p->dim();
    for (int d = 0; same_shape && d < t.shape_size(); ++d) {
      same_shape = t.shape(d) == p->size(d);
    }
    if (static_cast<int64_t>(t.data().size()) != n * 4 || !same_shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " tensor \"", t.name(), "\": expected ", n,
          " float32 values of shape [", absl::StrJoin(p->sizes(), ","),
          "], got ", t.data().size(), " bytes of shape [",
          absl::StrJoin(t.shape(), ","), "]"));
    }
  }
  return absl::OkStatus();
}

absl::Status LoadParameters(const proto::Model& model,
                            const NamedTensors& params,
                            const std::string& what) {
  ORBITFL_RETURN_IF_ERROR(CheckParameters(model, params, what));
  torch::NoGradGuard no_grad;
  for (const proto::Tensor& t : model.tensors()) {
    torch::Tensor p = *params.find(t.name());
    std::memcpy(p.data_ptr<float>(), t.data().data(),
                static_cast<size_t>(p.numel()) * sizeof(float));
  }
  return absl::OkStatus();
}

proto::Model SaveParameters(const NamedTensors& params,
                            const std::string& architecture) {
  proto::Model model;
  for (const auto& item : params) {
    torch::Tensor v = item.value().detach().contiguous();
    proto::Tensor* t = model.add_tensors();
    t->set_name(item.key());
    for (int64_t d : v.sizes()) t->add_shape(d);
    t->set_data(std::string(reinterpret_cast<const char*>(v.data_ptr<float>()),
                            v.numel() * sizeof(float)));
  }
  model.set_architecture(architecture);
  return model;
}

torch::Tensor Images(const TileDataset& data,
                     const std::vector<int64_t>& indices) {
  const int64_t n = static_cast<int64_t>(indices.size());
  const int64_t hw = int64_t{data.pixels} * data.pixels;
  const int64_t c = data.bands;
  // Gathered straight into N x C x H x W: one pass, no permute copy.
  torch::Tensor out = torch::empty({n, c, data.pixels, data.pixels});
  float* dst = out.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float* src = data.x.data() + indices[i] * hw * c;
    float* tile = dst + i * hw * c;
    for (int64_t k = 0; k < c; ++k) {
      float* plane = tile + k * hw;
      for (int64_t p = 0; p < hw; ++p) plane[p] = src[p * c + k];
    }
  }
  return out;
}

torch::Tensor Labels(const TileDataset& data,
                     const std::vector<int64_t>& indices) {
  torch::Tensor y =
      torch::empty({static_cast<int64_t>(indices.size())}, torch::kInt64);
  int64_t* out = y.data_ptr<int64_t>();
  for (size_t i = 0; i < indices.size(); ++i) out[i] = data.y[indices[i]];
  return y;
}

torch::Tensor Loss(const torch::Tensor& logits, const torch::Tensor& labels,
                   torch::Reduction::Reduction reduction) {
  if (logits.size(1) == 1) {
    return torch::binary_cross_entropy_with_logits(
        logits.squeeze(1), labels.to(torch::kFloat32), /*weight=*/{},
        /*pos_weight=*/{}, reduction);
  }
  return torch::cross_entropy_loss(logits, labels, /*weight=*/{}, reduction);
}

torch::Tensor Predict(const torch::Tensor& logits) {
  if (logits.size(1) == 1) return logits.squeeze(1).gt(0).to(torch::kInt64);
  return logits.argmax(1);
}

void PinTorchThreads() {
  // The models are small; measured on the demo, a second thread bought
  // nothing. Parallelism belongs across satellites instead.
  static std::once_flag once;
  std::call_once(once, [] { at::set_num_threads(1); });
}

}  // namespace internal
}  // namespace orbitfl::node
