#include "aggregator/server_optimizer.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "proto/tensor_util.h"
#include "third_party/status_macros.h"

namespace orbitfl::aggregator {
namespace {

std::string Kind(const ServerOptimizerOptions& options) {
  return options.kind.empty() ? "sgd" : options.kind;
}

// Whether 0 <= beta < 1.
bool IsDecay(double beta) { return beta >= 0 && beta < 1; }

}  // namespace

absl::Status ValidateServerOptimizer(const ServerOptimizerOptions& options) {
  const std::string kind = Kind(options);
  if (kind != "sgd" && kind != "momentum" && kind != "adam") {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.server_optimizer: expected \"sgd\", \"momentum\" or "
        "\"adam\", got \"",
        options.kind, "\""));
  }
  if (!(options.lr >= 0 && std::isfinite(options.lr))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.server_lr: expected > 0 (0: the optimiser's default), "
        "got ",
        options.lr));
  }
  // Only the kind's own parameters are checked: the others are unused.
  if (kind == "momentum" && !IsDecay(options.momentum)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.server_momentum: expected in [0, 1), got ",
        options.momentum));
  }
  if (kind == "adam") {
    if (!IsDecay(options.beta1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "federation.adam_beta1: expected in [0, 1), got ", options.beta1));
    }
    if (!IsDecay(options.beta2)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "federation.adam_beta2: expected in [0, 1), got ", options.beta2));
    }
    if (!(options.tau > 0 && std::isfinite(options.tau))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "federation.adam_tau: expected > 0, got ", options.tau));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ServerOptimizer>> ServerOptimizer::Create(
    const ServerOptimizerOptions& options) {
  ORBITFL_RETURN_IF_ERROR(ValidateServerOptimizer(options));
  std::string kind = Kind(options);
  double lr = options.lr;
  if (lr == 0) lr = kind == "adam" ? 0.01 : 1.0;
  return std::unique_ptr<ServerOptimizer>(
      new ServerOptimizer(options, std::move(kind), lr));
}

void ServerOptimizer::Reset() {
  m_.clear();
  v_.clear();
}

void ServerOptimizer::SaveState(proto::StrategyState* state) const {
  for (const std::vector<double>& m : m_) {
    state->add_momentum()->mutable_values()->Add(m.begin(), m.end());
  }
  for (const std::vector<double>& v : v_) {
    state->add_second_moment()->mutable_values()->Add(v.begin(), v.end());
  }
}

void ServerOptimizer::RestoreState(const proto::StrategyState& state) {
  Reset();
  for (const proto::DoubleVector& m : state.momentum()) {
    m_.emplace_back(m.values().begin(), m.values().end());
  }
  for (const proto::DoubleVector& v : state.second_moment()) {
    v_.emplace_back(v.values().begin(), v.values().end());
  }
}

absl::Status ServerOptimizer::Apply(const Pseudogradient& delta,
                                    proto::Model& model) {
  if (static_cast<int>(delta.size()) != model.tensors_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("server optimiser: aggregated update has ", delta.size(),
                     " tensors, the model ", model.tensors_size()));
  }
  for (int k = 0; k < model.tensors_size(); ++k) {
    const proto::Tensor& x = model.tensors(k);
    if (static_cast<int64_t>(delta[k].size()) != proto::NumElements(x) ||
        x.data().size() != delta[k].size() * sizeof(float)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "server optimiser: aggregated update of tensor \"",
          model.tensors(k).name(), "\" has ", delta[k].size(),
          " values, the model ", proto::NumElements(model.tensors(k))));
    }
  }
  const bool momentum = kind_ == "momentum";
  const bool adam = kind_ == "adam";
  if ((momentum || adam) && m_.empty()) {
    for (const std::vector<double>& d : delta) m_.emplace_back(d.size(), 0.0);
  }
  if (adam && v_.empty()) {
    for (const std::vector<double>& d : delta) v_.emplace_back(d.size(), 0.0);
  }
  for (int k = 0; k < model.tensors_size(); ++k) {
    proto::Tensor* x = model.mutable_tensors(k);
    std::vector<float> values = proto::ToFloats(*x);
    const std::vector<double>& d = delta[k];
    for (size_t i = 0; i < values.size(); ++i) {
      double step;
      if (momentum) {
        double& m = m_[k][i];
        m = options_.momentum * m + d[i];
        step = lr_ * m;
      } else if (adam) {
        double& m = m_[k][i];
        double& v = v_[k][i];
        m = options_.beta1 * m + (1 - options_.beta1) * d[i];
        v = options_.beta2 * v + (1 - options_.beta2) * d[i] * d[i];
        step = lr_ * m / (std::sqrt(v) + options_.tau);
      } else {
        step = lr_ * d[i];
      }
      values[i] += static_cast<float>(step);
    }
    proto::SetFloats(values, x);
  }
  return absl::OkStatus();
}

}  // namespace orbitfl::aggregator
