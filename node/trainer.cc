#include "node/trainer.h"

#include <cmath>
#include <functional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "node/model_internal.h"
#include "node/parallel.h"
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
  // Gradient shards beyond the first (which uses `net`): their own copies
  // of the model, loaded from `net` before every step.
  std::vector<std::shared_ptr<internal::ClassifierImpl>> replicas;
  std::vector<internal::NamedTensors> replica_params;
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
  if (options.gradient_shards < 1 ||
      options.gradient_shards > options.batch_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training: expected 1 <= gradient_shards <= batch_size (",
        options.batch_size, "), got ", options.gradient_shards));
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
    for (int k = 1; k < options.gradient_shards; ++k) {
      ORBITFL_ASSIGN_OR_RETURN(
          std::shared_ptr<internal::ClassifierImpl> replica,
          internal::BuildClassifier(options.spec, /*load_encoder=*/true));
      impl->replica_params.push_back(replica->TrainableParameters());
      impl->replicas.push_back(std::move(replica));
    }
    // Plain SGD keeps no state between steps, so one optimiser serves
    // every call.
    impl->sgd = std::make_unique<torch::optim::SGD>(
        impl->params.values(), torch::optim::SGDOptions(options.learning_rate));
    return absl::OkStatus();
  }));
  return std::unique_ptr<LocalTrainer>(new LocalTrainer(std::move(impl)));
}

absl::Status LocalTrainer::CheckModel(const proto::Model& model,
                                      const std::string& what) const {
  return internal::CheckParameters(model, impl_->params, what);
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
    for (const auto& replica : impl_->replicas) {
      replica->train();
      if (torch::nn::Module* frozen = replica->FrozenEncoder()) frozen->eval();
    }
    std::uniform_int_distribution<int64_t> pick(0, data.size() - 1);
    std::vector<int64_t> batch(o.batch_size);
    const int shards = o.gradient_shards;
    // Shard k takes batch[bounds[k], bounds[k + 1]).
    std::vector<int64_t> bounds;
    for (int k = 0; k <= shards; ++k) {
      bounds.push_back(static_cast<int64_t>(o.batch_size) * k / shards);
    }
    std::vector<double> shard_loss(shards);
    std::vector<absl::Status> shard_status(shards);
    std::vector<std::function<void()>> tasks;
    for (int k = 0; k < shards; ++k) {
      tasks.push_back([&, k] {
        shard_status[k] = CatchTorch("local training", [&]() -> absl::Status {
          internal::ClassifierImpl& m =
              k == 0 ? net : *impl_->replicas[k - 1];
          const std::vector<int64_t> rows(batch.begin() + bounds[k],
                                          batch.begin() + bounds[k + 1]);
          const torch::Tensor x = internal::Images(data, rows);
          const torch::Tensor y = internal::Labels(data, rows);
          // The shard's share of the batch's mean loss.
          const double share =
              static_cast<double>(rows.size()) / o.batch_size;
          torch::Tensor loss =
              internal::Loss(m.forward(x), y, torch::Reduction::Mean);
          (loss * share).backward();
          shard_loss[k] = loss.item<double>() * share;
          return absl::OkStatus();
        });
      });
    }
    const std::vector<torch::Tensor> params = impl_->params.values();
    double loss_sum = 0;
    for (int step = 0; step < o.local_steps; ++step) {
      for (int64_t& i : batch) i = pick(gen);
      impl_->sgd->zero_grad();
      {
        torch::NoGradGuard no_grad;
        for (size_t r = 0; r < impl_->replicas.size(); ++r) {
          const std::vector<torch::Tensor> rp =
              impl_->replica_params[r].values();
          for (size_t i = 0; i < rp.size(); ++i) {
            rp[i].copy_(params[i]);
            if (rp[i].grad().defined()) rp[i].mutable_grad().zero_();
          }
        }
      }
      node::RunAll(tasks);
      for (const absl::Status& st : shard_status) ORBITFL_RETURN_IF_ERROR(st);
      {
        torch::NoGradGuard no_grad;
        // The batch gradient: the shards' in shard order.
        for (size_t r = 0; r < impl_->replicas.size(); ++r) {
          const std::vector<torch::Tensor> rp =
              impl_->replica_params[r].values();
          for (size_t i = 0; i < rp.size(); ++i) {
            params[i].mutable_grad().add_(rp[i].grad());
          }
        }
        // FedProx: the gradient of mu/2 ||w - w_global||^2 is
        // mu (w - w_global), zero on the first step.
        if (!anchor.empty()) {
          for (size_t i = 0; i < params.size(); ++i) {
            params[i].mutable_grad().add_(params[i] - anchor[i],
                                          o.proximal_mu);
          }
        }
      }
      impl_->sgd->step();
      for (int k = 0; k < shards; ++k) loss_sum += shard_loss[k];
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
  // Batches of 64 tiles (forward passes over small batches run faster
  // than over large ones here), in contiguous groups, each group on its
  // own copy of the model, spread over node/parallel.h's threads; the
  // batches' sums add up in batch order, so any thread count gives the
  // same result.
  constexpr int64_t kBatch = 64;
  constexpr int64_t kGroups = 4;
  const int64_t batches = (data.size() + kBatch - 1) / kBatch;
  const int64_t groups = std::min(batches, kGroups);
  std::vector<int64_t> correct(batches, 0);
  std::vector<double> loss(batches, 0);
  std::vector<absl::Status> status(groups);
  std::vector<std::function<void()>> tasks;
  for (int64_t g = 0; g < groups; ++g) {
    tasks.push_back([&, g] {
      status[g] = CatchTorch("evaluation", [&]() -> absl::Status {
        ORBITFL_ASSIGN_OR_RETURN(
            std::shared_ptr<internal::ClassifierImpl> net,
            internal::BuildClassifier(spec, /*load_encoder=*/true));
        ORBITFL_RETURN_IF_ERROR(
            internal::LoadParameters(model, net->TrainableParameters()));
        net->eval();
        torch::NoGradGuard no_grad;
        for (int64_t b = batches * g / groups; b < batches * (g + 1) / groups;
             ++b) {
          const int64_t begin = b * kBatch;
          const int64_t end = std::min(data.size(), begin + kBatch);
          std::vector<int64_t> idx(end - begin);
          for (int64_t i = begin; i < end; ++i) idx[i - begin] = i;
          const torch::Tensor y = internal::Labels(data, idx);
          const torch::Tensor logits =
              net->forward(internal::Images(data, idx));
          loss[b] =
              internal::Loss(logits, y, torch::Reduction::Sum).item<double>();
          correct[b] = internal::Predict(logits).eq(y).sum().item<int64_t>();
        }
        return absl::OkStatus();
      });
    });
  }
  RunAll(tasks);
  EvalResult r;
  r.examples = data.size();
  int64_t right = 0;
  double loss_sum = 0;
  for (const absl::Status& s : status) ORBITFL_RETURN_IF_ERROR(s);
  for (int64_t b = 0; b < batches; ++b) {
    right += correct[b];
    loss_sum += loss[b];
  }
  r.accuracy = static_cast<double>(right) / data.size();
  r.loss = loss_sum / data.size();
  return r;
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
