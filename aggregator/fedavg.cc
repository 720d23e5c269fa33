#include "aggregator/fedavg.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "proto/tensor_util.h"
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
  ORBITFL_RETURN_IF_ERROR(ValidateRobustOptions(options.robust));
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<ServerOptimizer> optimizer,
                           ServerOptimizer::Create(options.server_optimizer));
  return std::unique_ptr<FedAvg>(new FedAvg(options, std::move(optimizer)));
}

void FedAvg::Start(const proto::Model& initial, absl::Time start) {
  global_ = initial;
  optimizer_->Reset();
  round_.clear();
  reported_.clear();
  updates_applied_ = 0;
  applied_.clear();
  deadline_ = start + options_.round_deadline;
}

Decision FedAvg::Offer(const proto::ModelDelta& delta, absl::Time now) {
  if (delta.base_version() != global_.version()) {
    return {false, absl::StrCat("stale: based on v", delta.base_version(),
                                ", round is v", global_.version())};
  }
  // A merged (on-board) update reports for each of its contributors; a
  // satellite reports once a round, alone or in a merge.
  std::vector<std::string> speaks_for(delta.contributors().begin(),
                                      delta.contributors().end());
  if (speaks_for.empty()) speaks_for.push_back(delta.satellite());
  for (const std::string& name : speaks_for) {
    if (reported_.count(name) > 0) {
      return {false, absl::StrCat("duplicate: ", name,
                                  " already reported in round v",
                                  global_.version())};
    }
  }
  if (delta.num_samples() <= 0) {
    return {false, "num_samples must be > 0"};
  }
  const std::string key =
      delta.contributors_size() == 0
          ? delta.satellite()
          : absl::StrCat(delta.satellite(), "+",
                         absl::StrJoin(delta.contributors(), "+"));
  reported_.insert(speaks_for.begin(), speaks_for.end());
  round_.emplace(key, delta);
  return {true, ""};
}

absl::StatusOr<bool> FedAvg::Advance(absl::Time now) {
  const int reported = static_cast<int>(reported_.size());
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
  ORBITFL_ASSIGN_OR_RETURN(
      Pseudogradient mean,
      CombineDeltas(options_.robust, global_.tensors(), deltas, weights));
  ORBITFL_RETURN_IF_ERROR(optimizer_->Apply(mean, global_));
  // Every update of round v is based on v: staleness 0.
  for (size_t i = 0; i < deltas.size(); ++i) {
    applied_.push_back({deltas[i]->satellite(), deltas[i]->base_version(),
                        global_.version() + 1, 0, weights[i]});
  }
  updates_applied_ += static_cast<int64_t>(round_.size());
  round_.clear();
  reported_.clear();
  global_.set_version(global_.version() + 1);
  deadline_ = now + options_.round_deadline;
  return absl::OkStatus();
}

void FedAvg::SaveState(proto::StrategyState* state) const {
  *state->mutable_global() = global_;
  state->set_updates_applied(updates_applied_);
  SaveApplied(applied_, state);
  if (deadline_ != absl::InfiniteFuture()) {
    state->set_deadline_ms(absl::ToUnixMillis(deadline_));
  }
  for (const auto& [key, delta] : round_) {
    proto::StrategyState::RoundEntry* e = state->add_round();
    e->set_key(key);
    *e->mutable_delta() = delta;
  }
  for (const std::string& r : reported_) state->add_reported(r);
  optimizer_->SaveState(state);
}

absl::Status FedAvg::RestoreState(const proto::StrategyState& state) {
  global_ = state.global();
  updates_applied_ = state.updates_applied();
  applied_ = RestoreApplied(state);
  deadline_ = state.has_deadline_ms() ? absl::FromUnixMillis(state.deadline_ms())
                                      : absl::InfiniteFuture();
  round_.clear();
  for (const proto::StrategyState::RoundEntry& e : state.round()) {
    round_[e.key()] = e.delta();
  }
  reported_ = {state.reported().begin(), state.reported().end()};
  optimizer_->RestoreState(state);
  return absl::OkStatus();
}

std::vector<AppliedUpdate> FedAvg::TakeApplied() {
  std::vector<AppliedUpdate> out;
  out.swap(applied_);
  return out;
}

}  // namespace orbitfl::aggregator
