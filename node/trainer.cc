#include "node/trainer.h"

#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "node/model_internal.h"
#include "third_party/status_macros.h"
#include "proto/tensor_util.h"

namespace orbitfl::node {
namespace {

// LibTorch reports errors as c10::Error; they stop at this boundary.
template <typename F>
auto CatchTorch(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const c10::Error& e) {
    return absl::InternalError(
        absl::StrCat(what, ": LibTorch error: ", e.what_without_backtrace()));
  }
}

// One intra-op thread: reductions then run in one fixed order, so a run
// gives byte-identical models on any machine whatever its core count.
// (The models are small; measured on the demo, a second thread bought
// nothing.) Parallelism belongs across satellites instead.
void PinTorchThreads() {
  static std::once_flag once;
  std::call_once(once, [] { at::set_num_threads(1); });
}

}  // namespace

struct LocalTrainer::Impl {
  explicit Impl(const TrainerOptions& o) : options(o), net(o.spec) {}
  TrainerOptions options;
  internal::SmallCnn net;
};

LocalTrainer::LocalTrainer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
LocalTrainer::~LocalTrainer() = default;

const TrainerOptions& LocalTrainer::options() const { return impl_->options; }

absl::StatusOr<std::unique_ptr<LocalTrainer>> LocalTrainer::Create(
    const TrainerOptions& options) {
  ORBITFL_RETURN_IF_ERROR(ValidateSpec(options.spec));
  PinTorchThreads();
  if (options.local_steps < 1 || options.batch_size < 1 ||
      !(options.learning_rate > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training: expected local_steps >= 1, batch_size >= 1 and "
        "learning_rate > 0, got ",
        options.local_steps, ", ", options.batch_size, ", ",
        options.learning_rate));
  }
  return std::unique_ptr<LocalTrainer>(
      new LocalTrainer(std::make_unique<Impl>(options)));
}

absl::StatusOr<TrainResult> LocalTrainer::Train(const proto::Model& global,
                                                const TileDataset& data,
                                                std::mt19937_64& gen) {
  if (data.size() == 0) {
    return absl::FailedPreconditionError("local training: no tiles stored");
  }
  const TrainerOptions& o = impl_->options;
  if (data.pixels != o.spec.pixels || data.bands != o.spec.bands) {
    return absl::InvalidArgumentError(absl::StrCat(
        "local training: tiles are ", data.pixels, "x", data.pixels, "x",
        data.bands, ", the model expects ", o.spec.pixels, "x", o.spec.pixels,
        "x", o.spec.bands));
  }
  return CatchTorch("local training", [&]() -> absl::StatusOr<TrainResult> {
    internal::SmallCnn& net = impl_->net;
    ORBITFL_RETURN_IF_ERROR(internal::LoadParameters(global, *net));
    net->train();
    torch::optim::SGD sgd(net->parameters(),
                          torch::optim::SGDOptions(o.learning_rate));
    std::uniform_int_distribution<int64_t> pick(0, data.size() - 1);
    std::vector<int64_t> batch(o.batch_size);
    double loss_sum = 0;
    for (int step = 0; step < o.local_steps; ++step) {
      for (int64_t& i : batch) i = pick(gen);
      torch::Tensor x = internal::Images(data, batch);
      torch::Tensor y = torch::empty({o.batch_size}, torch::kInt64);
      for (int i = 0; i < o.batch_size; ++i) {
        y[i] = data.y[batch[i]];
      }
      sgd.zero_grad();
      torch::Tensor loss = torch::cross_entropy_loss(net->forward(x), y);
      loss.backward();
      sgd.step();
      loss_sum += loss.item<double>();
    }
    TrainResult result;
    result.mean_loss = loss_sum / o.local_steps;
    result.flops = 3 * ForwardFlopsPerImage(o.spec) *
                   static_cast<int64_t>(o.local_steps) * o.batch_size;
    proto::Model local = internal::SaveParameters(*net);
    proto::ModelDelta& delta = result.delta;
    delta.set_base_version(global.version());
    delta.set_num_samples(data.size());
    delta.set_train_loss(result.mean_loss);
    for (int k = 0; k < local.tensors_size(); ++k) {
      std::vector<float> a = proto::ToFloats(local.tensors(k));
      const std::vector<float> b = proto::ToFloats(global.tensors(k));
      for (size_t i = 0; i < a.size(); ++i) a[i] -= b[i];
      proto::Tensor* d = delta.add_tensors();
      d->set_name(local.tensors(k).name());
      *d->mutable_shape() = local.tensors(k).shape();
      proto::SetFloats(a, d);
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
  PinTorchThreads();
  return CatchTorch("evaluation", [&]() -> absl::StatusOr<EvalResult> {
    internal::SmallCnn net(spec);
    ORBITFL_RETURN_IF_ERROR(internal::LoadParameters(model, *net));
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
      torch::Tensor y = torch::from_blob(
          const_cast<int64_t*>(data.y.data() + begin), {end - begin},
          torch::kInt64);
      torch::Tensor logits = net->forward(internal::Images(data, idx));
      loss_sum += torch::cross_entropy_loss(logits, y,
                                            /*weight=*/{}, torch::Reduction::Sum)
                      .item<double>();
      correct += logits.argmax(1).eq(y).sum().item<int64_t>();
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
