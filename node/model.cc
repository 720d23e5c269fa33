#include "node/model.h"

#include <cmath>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "node/model_internal.h"
#include "proto/tensor_util.h"

namespace orbitfl::node {

absl::Status ValidateSpec(const ModelSpec& spec) {
  if (spec.architecture != "small_cnn") {
    return absl::InvalidArgumentError(absl::StrCat(
        "model architecture: expected \"small_cnn\", got \"",
        spec.architecture, "\""));
  }
  if (spec.pixels < 4 || spec.pixels % 4 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tile pixels: small_cnn expects a multiple of 4 >= 4, got ",
        spec.pixels));
  }
  if (spec.bands < 1 || spec.num_classes < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model: expected bands >= 1 and num_classes >= 2, got ", spec.bands,
        " and ", spec.num_classes));
  }
  return absl::OkStatus();
}

absl::StatusOr<proto::Model> InitialModel(const ModelSpec& spec,
                                          uint64_t seed) {
  absl::Status valid = ValidateSpec(spec);
  if (!valid.ok()) return valid;
  internal::SmallCnn net(spec);
  proto::Model model = internal::SaveParameters(*net);
  model.set_version(0);
  std::seed_seq seq{seed, uint64_t{0x6d6f64656c}};  // "model"
  std::mt19937_64 gen(seq);
  // fan_in of a layer is the element count of one output unit's weights.
  int64_t fan_in = 1;
  for (proto::Tensor& t : *model.mutable_tensors()) {
    int64_t n = 1;
    for (int64_t d : t.shape()) n *= d;
    if (t.shape_size() > 1) fan_in = n / t.shape(0);
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
    std::uniform_real_distribution<float> uniform(-bound, bound);
    std::vector<float> values(n);
    for (float& v : values) v = uniform(gen);
    proto::SetFloats(values, &t);
  }
  return model;
}

int64_t ForwardFlopsPerImage(const ModelSpec& spec) {
  const int64_t p = spec.pixels;
  const int64_t conv1 = 2LL * spec.bands * 16 * 9 * p * p;
  const int64_t conv2 = 2LL * 16 * 32 * 9 * (p / 2) * (p / 2);
  const int64_t fc = 2LL * 32 * (p / 4) * (p / 4) * spec.num_classes;
  return conv1 + conv2 + fc;
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

absl::Status LoadParameters(const proto::Model& model,
                            torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  auto params = module.named_parameters();
  if (static_cast<size_t>(model.tensors_size()) != params.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model: expected ", params.size(), " tensors, got ",
                     model.tensors_size()));
  }
  for (const proto::Tensor& t : model.tensors()) {
    torch::Tensor* p = params.find(t.name());
    if (p == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("model: unexpected tensor \"", t.name(), "\""));
    }
    const int64_t n = p->numel();
    if (static_cast<int64_t>(t.data().size()) != n * 4 ||
        t.shape_size() != p->dim()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model tensor \"", t.name(), "\": expected ", n,
          " float32 values, got ", t.data().size(), " bytes"));
    }
    std::memcpy(p->data_ptr<float>(), t.data().data(), n * sizeof(float));
  }
  return absl::OkStatus();
}

proto::Model SaveParameters(torch::nn::Module& module) {
  proto::Model model;
  for (const auto& item : module.named_parameters()) {
    torch::Tensor v = item.value().detach().contiguous();
    proto::Tensor* t = model.add_tensors();
    t->set_name(item.key());
    for (int64_t d : v.sizes()) t->add_shape(d);
    t->set_data(std::string(reinterpret_cast<const char*>(v.data_ptr<float>()),
                            v.numel() * sizeof(float)));
  }
  model.set_architecture("small_cnn");
  return model;
}

torch::Tensor Images(const TileDataset& data,
                     const std::vector<int64_t>& indices) {
  const int64_t n = static_cast<int64_t>(indices.size());
  const int64_t per = data.tile_values();
  torch::Tensor hwc = torch::empty({n, data.pixels, data.pixels, data.bands});
  float* out = hwc.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(out + i * per, data.x.data() + indices[i] * per,
                per * sizeof(float));
  }
  return hwc.permute({0, 3, 1, 2}).contiguous();
}

}  // namespace internal
}  // namespace orbitfl::node
