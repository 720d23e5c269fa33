#include "aggregator/fedavg.h"

#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"
#include "proto/tensor_util.h"

namespace orbitfl::aggregator {

absl::StatusOr<std::unique_ptr<FedAvg>> FedAvg::Create(
    const FedAvgOptions& options) {
  if (options.round_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("federation.round_deadline_s: expected > 0, got ",
                     absl::ToDoubleSeconds(options.round_deadline)));
  }
  if (options.min_participants < 1 || options.expected_participants < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.min_participants: expected >= 1, got ",
        options.min_participants));
  }
  return std::unique_ptr<FedAvg>(new FedAvg(options));
}

void FedAvg::Start(const proto::Model& initial, absl::Time start) {
  global_ = initial;
  round_.clear();
  updates_applied_ = 0;
  deadline_ = start + options_.round_deadline;
}

Decision FedAvg::Offer(const proto::ModelDelta& delta, absl::Time now) {
  if (delta.base_version() != global_.version()) {
    return {false, absl::StrCat("stale: based on v", delta.base_version(),
                                ", round is v", global_.version())};
  }
  if (round_.count(delta.satellite()) > 0) {
    return {false, absl::StrCat("duplicate: ", delta.satellite(),
                                " already reported in round v",
                                global_.version())};
  }
  if (delta.num_samples() <= 0) {
    return {false, "num_samples must be > 0"};
  }
  round_.emplace(delta.satellite(), delta);
  return {true, ""};
}

absl::StatusOr<bool> FedAvg::Advance(absl::Time now) {
  const int reported = static_cast<int>(round_.size());
  if (reported >= options_.expected_participants) {
    ORBITFL_RETURN_IF_ERROR(Aggregate(now));
    return true;
  }
  if (now < deadline_) return false;
  if (reported >= options_.min_participants) {
    ORBITFL_RETURN_IF_ERROR(Aggregate(now));
    return true;
  }
  while (deadline_ <= now) deadline_ += options_.round_deadline;
  return false;
}

absl::Status FedAvg::Aggregate(absl::Time now) {
  double total_samples = 0;
  for (const auto& [name, delta] : round_) total_samples += delta.num_samples();
  for (int k = 0; k < global_.tensors_size(); ++k) {
    proto::Tensor* g = global_.mutable_tensors(k);
    std::vector<double> sum(proto::NumElements(*g), 0.0);
    for (const auto& [name, delta] : round_) {
      if (delta.tensors_size() != global_.tensors_size() ||
          !proto::SameLayout(delta.tensors(k), *g)) {
        return absl::InternalError(
            absl::StrCat("update from ", name, " does not fit the model"));
      }
      const double w = delta.num_samples() / total_samples;
      const std::vector<float> d = proto::ToFloats(delta.tensors(k));
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += w * d[i];
    }
    std::vector<float> values = proto::ToFloats(*g);
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] += static_cast<float>(sum[i]);
    }
    proto::SetFloats(values, g);
  }
  updates_applied_ += static_cast<int64_t>(round_.size());
  round_.clear();
  global_.set_version(global_.version() + 1);
  deadline_ = now + options_.round_deadline;
  return absl::OkStatus();
}

}  // namespace orbitfl::aggregator
