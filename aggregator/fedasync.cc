#include "aggregator/fedasync.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proto/tensor_util.h"

namespace orbitfl::aggregator {

absl::StatusOr<std::unique_ptr<FedAsync>> FedAsync::Create(
    const FedAsyncOptions& options) {
  if (!(options.alpha > 0 && options.alpha <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.fedasync_alpha: expected a mixing weight in (0, 1], got ",
        options.alpha));
  }
  if (!(options.staleness_exponent >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.staleness_exponent: expected >= 0, got ",
        options.staleness_exponent));
  }
  if (options.max_staleness < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.max_staleness: expected >= 0 (0: any), got ",
        options.max_staleness));
  }
  return std::unique_ptr<FedAsync>(new FedAsync(options));
}

void FedAsync::Start(const proto::Model& initial, absl::Time start) {
  global_ = initial;
  pending_.clear();
  updates_applied_ = 0;
  applied_.clear();
}

void FedAsync::SaveState(proto::StrategyState* state) const {
  *state->mutable_global() = global_;
  state->set_updates_applied(updates_applied_);
  SaveApplied(applied_, state);
  for (const proto::ModelDelta& d : pending_) *state->add_pending() = d;
}

absl::Status FedAsync::RestoreState(const proto::StrategyState& state) {
  global_ = state.global();
  updates_applied_ = state.updates_applied();
  applied_ = RestoreApplied(state);
  pending_.assign(state.pending().begin(), state.pending().end());
  return absl::OkStatus();
}

int64_t FedAsync::min_base_version() const {
  if (options_.max_staleness == 0) return 0;
  return std::max<int64_t>(0, global_.version() - options_.max_staleness);
}

double FedAsync::MixingWeight(int64_t staleness) const {
  return options_.alpha *
         std::pow(1.0 + static_cast<double>(staleness),
                  -options_.staleness_exponent);
}

Decision FedAsync::Offer(const proto::ModelDelta& delta, absl::Time now) {
  // Staleness is judged against the model the update will be mixed into:
  // the current one plus those pending before it.
  const int64_t version =
      global_.version() + static_cast<int64_t>(pending_.size());
  if (delta.base_version() > version) {
    return {false, absl::StrCat("based on v", delta.base_version(),
                                ", newer than the global v", version)};
  }
  if (options_.max_staleness > 0 &&
      version - delta.base_version() > options_.max_staleness) {
    return {false, absl::StrCat("stale: based on v", delta.base_version(),
                                ", global is v", version, ", at most ",
                                options_.max_staleness, " versions behind")};
  }
  pending_.push_back(delta);
  return {true, ""};
}

absl::StatusOr<bool> FedAsync::Advance(absl::Time now) {
  if (pending_.empty()) return false;
  for (const proto::ModelDelta& delta : pending_) {
    const int64_t staleness = global_.version() - delta.base_version();
    const double a = MixingWeight(staleness);
    if (delta.tensors_size() != global_.tensors_size()) {
      return absl::InternalError(absl::StrCat(
          "update from ", delta.satellite(), " does not fit the model"));
    }
    for (int k = 0; k < global_.tensors_size(); ++k) {
      proto::Tensor* g = global_.mutable_tensors(k);
      if (!proto::SameLayout(delta.tensors(k), *g)) {
        return absl::InternalError(absl::StrCat(
            "update from ", delta.satellite(), " does not fit the model"));
      }
      std::vector<float> values = proto::ToFloats(*g);
      const std::vector<float> d = proto::ToFloats(delta.tensors(k));
      for (size_t i = 0; i < values.size(); ++i) {
        values[i] += static_cast<float>(a * d[i]);
      }
      proto::SetFloats(values, g);
    }
    global_.set_version(global_.version() + 1);
    ++updates_applied_;
    applied_.push_back({delta.satellite(), delta.base_version(),
                        global_.version(), staleness, a});
  }
  pending_.clear();
  return true;
}

std::vector<AppliedUpdate> FedAsync::TakeApplied() {
  std::vector<AppliedUpdate> out;
  out.swap(applied_);
  return out;
}

}  // namespace orbitfl::aggregator
