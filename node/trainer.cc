#include "node/trainer.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "node/model_internal.h"
#include "proto/tensor_util.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {
namespace {

using internal::CatchTorch;

absl::Status CheckTiles(const char* what, const ModelSpec& spec,
                        const TileDataset& data) {
  if (data.pixels != spec.pixels || data.bands != spec.bands) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": tiles are ", data.pixels, "x", data.pixels, "x", data.bands,
        ", the model expects ", spec.pixels, "x", spec.pixels, "x",
        spec.bands));
  }
  if (static_cast<int64_t>(data.x.size()) != data.size() * data.tile_values()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", data.size(), " labels but ", data.x.size(),
        " pixel values (expected ", data.size() * data.tile_values(), ")"));
  }
  for (int64_t i = 0; i < data.size(); ++i) {
    if (data.y[i] < 0 || data.y[i] >= spec.num_classes) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": label ", data.y[i], " of tile ", i,
                       " outside [0, ", spec.num_classes, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

struct LocalTrainer::Impl {
  TrainerOptions options;
  std::shared_ptr<internal::ClassifierImpl> net;
  internal::NamedTensors params;  // the trainable ones, shared with net
  std::unique_ptr<torch::optim::SGD> sgd;
};

LocalTrainer::LocalTrainer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
LocalTrainer::~LocalTrainer() = default;

const TrainerOptions& LocalTrainer::options() const { return impl_->options; }

absl::StatusOr<std::unique_ptr<LocalTrainer>> LocalTrainer::Create(
    const TrainerOptions& options) {
  ORBITFL_RETURN_IF_ERROR(ValidateSpec(options.spec));
  internal::PinTorchThreads();
  if (options.local_steps < 1 || options.batch_size < 1 ||
      !(options.learning_rate > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training: expected local_steps >= 1, batch_size >= 1 and "
        "learning_rate > 0, got ",
        options.local_steps, ", ", options.batch_size, ", ",
        options.learning_rate));
  }
  if (!(options.proximal_mu >= 0 && std::isfinite(options.proximal_mu))) {
    return absl::InvalidArgumentError(
        absl::StrCat("training.proximal_mu: expected >= 0, got ",
                     options.proximal_mu));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  ORBITFL_RETURN_IF_ERROR(CatchTorch("local training", [&]() -> absl::Status {
    ORBITFL_ASSIGN_OR_RETURN(
        impl->net, internal::BuildClassifier(options.spec, /*load_encoder=*/true));
    impl->params = impl->net->TrainableParameters();
    // Plain SGD keeps no state between steps, so one optimiser serves
    // every call.
    impl->sgd = std::make_unique<torch::optim::SGD>(
        impl->params.values(), torch::optim::SGDOptions(options.learning_rate));
    return absl::OkStatus();
  }));
  return std::unique_ptr<LocalTrainer>(new LocalTrainer(std::move(impl)));
}

absl::StatusOr<TrainResult> LocalTrainer::Train(const proto::Model& global,
                                                const TileDataset& data,
                                                std::mt19937_64& gen) {
  if (data.size() == 0) {
    return absl::FailedPreconditionError("local training: no tiles stored");
  }
  const TrainerOptions& o = impl_->options;
  ORBITFL_RETURN_IF_ERROR(CheckTiles("local training", o.spec, data));
  return CatchTorch("local training", [&]() -> absl::StatusOr<TrainResult> {
    internal::ClassifierImpl& net = *impl_->net;
    ORBITFL_RETURN_IF_ERROR(internal::LoadParameters(global, impl_->params));
    net.train();
    if (torch::nn::Module* frozen = net.FrozenEncoder()) frozen->eval();
    // FedProx's anchor: the global weights, fixed for this call.
    std::vector<torch::Tensor> anchor;
    if (o.proximal_mu > 0) {
      for (const torch::Tensor& p : impl_->params.values()) {
        anchor.push_back(p.detach().clone());
      }
    }
    std::uniform_int_distribution<int64_t> pick(0, data.size() - 1);
    std::vector<int64_t> batch(o.batch_size);
    double loss_sum = 0;
    for (int step = 0; step < o.local_steps; ++step) {
      for (int64_t& i : batch) i = pick(gen);
      const torch::Tensor x = internal::Images(data, batch);
      const torch::Tensor y = internal::Labels(data, batch);
      impl_->sgd->zero_grad();
      torch::Tensor loss =
          internal::Loss(net.forward(x), y, torch::Reduction::Mean);
      if (anchor.empty()) {
        loss.backward();
      } else {
        // Gradient mu * (w - w_global): zero on the first step.
        torch::Tensor proximal = torch::zeros({}, loss.options());
        const std::vector<torch::Tensor> params = impl_->params.values();
        for (size_t k = 0; k < params.size(); ++k) {
          proximal = proximal + (params[k] - anchor[k]).pow(2).sum();
        }
        (loss + 0.5 * o.proximal_mu * proximal).backward();
      }
      impl_->sgd->step();
      loss_sum += loss.item<double>();
    }
    TrainResult result;
    result.mean_loss = loss_sum / o.local_steps;
    result.flops = TrainingFlopsPerImage(o.spec) *
                   static_cast<int64_t>(o.local_steps) * o.batch_size;
    proto::ModelDelta& delta = result.delta;
    delta.set_base_version(global.version());
    delta.set_num_samples(data.size());
    delta.set_train_loss(result.mean_loss);
    // local - global straight from the parameters, in global's order.
    torch::NoGradGuard no_grad;
    for (const proto::Tensor& g : global.tensors()) {
      const torch::Tensor& local = impl_->params[g.name()];
      const torch::Tensor base = torch::from_blob(
          const_cast<char*>(g.data().data()), local.sizes(), torch::kFloat32);
      const torch::Tensor diff = (local - base).contiguous();
      proto::Tensor* d = delta.add_tensors();
      d->set_name(g.name());
      *d->mutable_shape() = g.shape();
      d->set_data(reinterpret_cast<const char*>(diff.data_ptr<float>()),
                  diff.numel() * sizeof(float));
    }
    return result;
  });
}

absl::StatusOr<EvalResult> Evaluate(const ModelSpec& spec,
                                    const proto::Model& model,
                                    const TileDataset& data) {
  ORBITFL_RETURN_IF_ERROR(ValidateSpec(spec));
  if (data.size() == 0) {
    return absl::FailedPreconditionError("evaluation: empty test set");
  }
  ORBITFL_RETURN_IF_ERROR(CheckTiles("evaluation", spec, data));
  internal::PinTorchThreads();
  return CatchTorch("evaluation", [&]() -> absl::StatusOr<EvalResult> {
    ORBITFL_ASSIGN_OR_RETURN(
        std::shared_ptr<internal::ClassifierImpl> net,
        internal::BuildClassifier(spec, /*load_encoder=*/true));
    ORBITFL_RETURN_IF_ERROR(
        internal::LoadParameters(model, net->TrainableParameters()));
    net->eval();
    torch::NoGradGuard no_grad;
    constexpr int64_t kBatch = 256;
    int64_t correct = 0;
    double loss_sum = 0;
    std::vector<int64_t> idx;
    for (int64_t begin = 0; begin < data.size(); begin += kBatch) {
      const int64_t end = std::min(data.size(), begin + kBatch);
      idx.resize(end - begin);
      for (int64_t i = begin; i < end; ++i) idx[i - begin] = i;
      const torch::Tensor y = internal::Labels(data, idx);
      const torch::Tensor logits = net->forward(internal::Images(data, idx));
      loss_sum +=
          internal::Loss(logits, y, torch::Reduction::Sum).item<double>();
      correct += internal::Predict(logits).eq(y).sum().item<int64_t>();
    }
    EvalResult r;
    r.examples = data.size();
    r.accuracy = static_cast<double>(correct) / data.size();
    r.loss = loss_sum / data.size();
    return r;
  });
}

absl::Status ApplyDelta(const proto::ModelDelta& delta, double scale,
                        proto::Model& model) {
  if (delta.tensors_size() != model.tensors_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("delta has ", delta.tensors_size(), " tensors, model has ",
                     model.tensors_size()));
  }
  for (int k = 0; k < model.tensors_size(); ++k) {
    proto::Tensor* m = model.mutable_tensors(k);
    const proto::Tensor& d = delta.tensors(k);
    if (!proto::SameLayout(d, *m) || d.data().size() != m->data().size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "delta tensor \"", d.name(), "\" does not match model tensor \"",
          m->name(), "\""));
    }
    std::vector<float> a = proto::ToFloats(*m);
    const std::vector<float> b = proto::ToFloats(d);
    for (size_t i = 0; i < a.size(); ++i) a[i] += static_cast<float>(scale) * b[i];
    proto::SetFloats(a, m);
  }
  return absl::OkStatus();
}

}  // namespace orbitfl::node
