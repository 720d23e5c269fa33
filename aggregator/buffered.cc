#include "aggregator/buffered.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/tensor_util.h"
#include "third_party/status_macros.h"

namespace orbitfl::aggregator {

double StalenessWeight(int64_t staleness, double exponent) {
  return std::pow(1.0 + static_cast<double>(staleness), -exponent);
}

absl::Status ValidateStalenessOptions(double staleness_exponent,
                                      int64_t max_staleness) {
  if (!(staleness_exponent >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("federation.staleness_exponent: expected >= 0, got ",
                     staleness_exponent));
  }
  if (max_staleness < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("federation.max_staleness: expected >= 0 (0: any), got ",
                     max_staleness));
  }
  return absl::OkStatus();
}

BufferedStrategy::BufferedStrategy(double staleness_exponent,
                                   int64_t max_staleness,
                                   const RobustOptions& robust,
                                   std::unique_ptr<ServerOptimizer> optimizer)
    : staleness_exponent_(staleness_exponent),
      robust_(robust),
      max_staleness_(max_staleness),
      optimizer_(std::move(optimizer)) {}

void BufferedStrategy::Restart(const proto::Model& initial) {
  global_ = initial;
  optimizer_->Reset();
  buffer_.clear();
  updates_applied_ = 0;
  applied_.clear();
}

void BufferedStrategy::SaveState(proto::StrategyState* state) const {
  *state->mutable_global() = global_;
  state->set_updates_applied(updates_applied_);
  SaveApplied(applied_, state);
  for (const BufferedUpdate& b : buffer_) {
    proto::StrategyState::Buffered* out = state->add_buffer();
    *out->mutable_delta() = b.delta;
    out->set_arrived_ms(absl::ToUnixMillis(b.arrived));
  }
  optimizer_->SaveState(state);
}

absl::Status BufferedStrategy::RestoreState(const proto::StrategyState& state) {
  global_ = state.global();
  updates_applied_ = state.updates_applied();
  applied_ = RestoreApplied(state);
  buffer_.clear();
  for (const proto::StrategyState::Buffered& b : state.buffer()) {
    buffer_.push_back({b.delta(), absl::FromUnixMillis(b.arrived_ms())});
  }
  optimizer_->RestoreState(state);
  return absl::OkStatus();
}

int64_t BufferedStrategy::min_base_version() const {
  if (max_staleness_ == 0) return 0;
  return std::max<int64_t>(0, global_.version() - max_staleness_);
}

std::vector<AppliedUpdate> BufferedStrategy::TakeApplied() {
  std::vector<AppliedUpdate> out;
  out.swap(applied_);
  return out;
}

Decision BufferedStrategy::Buffer(const proto::ModelDelta& delta,
                                  absl::Time now, int64_t version) {
  if (delta.base_version() > global_.version()) {
    return {false,
            absl::StrCat("based on v", delta.base_version(),
                         ", newer than the global v", global_.version())};
  }
  if (max_staleness_ > 0 && version - delta.base_version() > max_staleness_) {
    return {false, absl::StrCat("stale: based on v", delta.base_version(),
                                ", global is v", version, ", at most ",
                                max_staleness_, " versions behind")};
  }
  buffer_.push_back({delta, now});
  return {true, ""};
}

absl::Status BufferedStrategy::AggregateFirst(size_t n) {
  if (n == 0 || n > buffer_.size()) {
    return absl::InternalError(absl::StrCat(
        "AggregateFirst: ", n, " of ", buffer_.size(), " buffered updates"));
  }
  std::vector<BufferedUpdate> batch(
      std::make_move_iterator(buffer_.begin()),
      std::make_move_iterator(buffer_.begin() + n));
  buffer_.erase(buffer_.begin(), buffer_.begin() + n);
  const int64_t version = global_.version();
  std::vector<const proto::ModelDelta*> deltas;
  std::vector<double> weights;
  for (const BufferedUpdate& u : batch) {
    deltas.push_back(&u.delta);
    weights.push_back(
        StalenessWeight(version - u.delta.base_version(), staleness_exponent_) /
        static_cast<double>(n));
  }
  ORBITFL_ASSIGN_OR_RETURN(
      Pseudogradient mean,
      CombineDeltas(robust_, global_.tensors(), deltas, weights));
  ORBITFL_RETURN_IF_ERROR(optimizer_->Apply(mean, global_));
  global_.set_version(version + 1);
  for (size_t i = 0; i < n; ++i) {
    const proto::ModelDelta& d = batch[i].delta;
    applied_.push_back({d.satellite(), d.base_version(), version + 1,
                        version - d.base_version(), weights[i]});
  }
  updates_applied_ += static_cast<int64_t>(n);
  return absl::OkStatus();
}

}  // namespace orbitfl::aggregator
