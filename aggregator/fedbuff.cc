#include "aggregator/fedbuff.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"

namespace orbitfl::aggregator {

absl::StatusOr<std::unique_ptr<FedBuff>> FedBuff::Create(
    const FedBuffOptions& options) {
  if (options.buffer_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.buffer_size: expected >= 1, got ", options.buffer_size));
  }
  if (!(options.staleness_exponent >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("federation.staleness_exponent: expected >= 0, got ",
                     options.staleness_exponent));
  }
  if (options.max_staleness < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.max_staleness: expected >= 0 (0: any), got ",
        options.max_staleness));
  }
  if (options.flush_after < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.buffer_timeout_s: expected >= 0 (0: no limit), got ",
        absl::ToDoubleSeconds(options.flush_after)));
  }
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<ServerOptimizer> optimizer,
                           ServerOptimizer::Create(options.server_optimizer));
  return std::unique_ptr<FedBuff>(new FedBuff(options, std::move(optimizer)));
}

void FedBuff::Start(const proto::Model& initial, absl::Time start) {
  global_ = initial;
  optimizer_->Reset();
  buffer_.clear();
  updates_applied_ = 0;
  applied_.clear();
}

int64_t FedBuff::min_base_version() const {
  if (options_.max_staleness == 0) return 0;
  return std::max<int64_t>(0, global_.version() - options_.max_staleness);
}

absl::Time FedBuff::next_deadline() const {
  if (options_.flush_after == absl::ZeroDuration() || buffer_.empty()) {
    return absl::InfiniteFuture();
  }
  return buffer_.front().arrived + options_.flush_after;
}

Decision FedBuff::Offer(const proto::ModelDelta& delta, absl::Time now) {
  if (delta.base_version() > global_.version()) {
    return {false, absl::StrCat("based on v", delta.base_version(),
                                ", newer than the global v",
                                global_.version())};
  }
  // The version this update will be aggregated into, counting the full
  // buffers ahead of it.
  const int64_t version =
      global_.version() +
      static_cast<int64_t>(buffer_.size()) / options_.buffer_size;
  if (options_.max_staleness > 0 &&
      version - delta.base_version() > options_.max_staleness) {
    return {false, absl::StrCat("stale: based on v", delta.base_version(),
                                ", global is v", version, ", at most ",
                                options_.max_staleness, " versions behind")};
  }
  buffer_.push_back({delta, now});
  return {true, ""};
}

absl::Status FedBuff::AggregateFirst(size_t n) {
  std::vector<BufferedUpdate> batch(
      std::make_move_iterator(buffer_.begin()),
      std::make_move_iterator(buffer_.begin() + n));
  buffer_.erase(buffer_.begin(), buffer_.begin() + n);
  ORBITFL_RETURN_IF_ERROR(AggregateBuffered(
      batch, options_.staleness_exponent, *optimizer_, global_, applied_));
  updates_applied_ += static_cast<int64_t>(n);
  return absl::OkStatus();
}

absl::StatusOr<bool> FedBuff::Advance(absl::Time now) {
  bool aggregated = false;
  const size_t k = static_cast<size_t>(options_.buffer_size);
  while (buffer_.size() >= k) {
    ORBITFL_RETURN_IF_ERROR(AggregateFirst(k));
    aggregated = true;
  }
  if (!buffer_.empty() && now >= next_deadline()) {
    ORBITFL_RETURN_IF_ERROR(AggregateFirst(buffer_.size()));
    aggregated = true;
  }
  return aggregated;
}

std::vector<AppliedUpdate> FedBuff::TakeApplied() {
  std::vector<AppliedUpdate> out;
  out.swap(applied_);
  return out;
}

}  // namespace orbitfl::aggregator
