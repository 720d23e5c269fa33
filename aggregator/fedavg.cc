#include "aggregator/fedavg.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"

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
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<ServerOptimizer> optimizer,
                           ServerOptimizer::Create(options.server_optimizer));
  return std::unique_ptr<FedAvg>(new FedAvg(options, std::move(optimizer)));
}

void FedAvg::Start(const proto::Model& initial, absl::Time start) {
  global_ = initial;
  optimizer_->Reset();
  round_.clear();
  updates_applied_ = 0;
  applied_.clear();
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
  // A merged (in-plane) update reports for each of its contributors.
  int reported = 0;
  for (const auto& [name, delta] : round_) {
    reported += std::max(1, delta.contributors_size());
  }
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
  std::vector<const proto::ModelDelta*> deltas;
  std::vector<double> weights;
  for (const auto& [name, delta] : round_) {
    deltas.push_back(&delta);
    weights.push_back(delta.num_samples() / total_samples);
  }
  ORBITFL_ASSIGN_OR_RETURN(Pseudogradient mean,
                           WeightedDeltaSum(global_, deltas, weights));
  ORBITFL_RETURN_IF_ERROR(optimizer_->Apply(mean, global_));
  // Every update of round v is based on v: staleness 0.
  for (size_t i = 0; i < deltas.size(); ++i) {
    applied_.push_back({deltas[i]->satellite(), deltas[i]->base_version(),
                        global_.version() + 1, 0, weights[i]});
  }
  updates_applied_ += static_cast<int64_t>(round_.size());
  round_.clear();
  global_.set_version(global_.version() + 1);
  deadline_ = now + options_.round_deadline;
  return absl::OkStatus();
}

std::vector<AppliedUpdate> FedAvg::TakeApplied() {
  std::vector<AppliedUpdate> out;
  out.swap(applied_);
  return out;
}

}  // namespace orbitfl::aggregator
