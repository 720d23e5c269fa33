#include "aggregator/fedbuff.h"

#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"

namespace orbitfl::aggregator {

absl::StatusOr<std::unique_ptr<FedBuff>> FedBuff::Create(
    const FedBuffOptions& options) {
  if (options.buffer_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.buffer_size: expected >= 1, got ", options.buffer_size));
  }
  ORBITFL_RETURN_IF_ERROR(ValidateStalenessOptions(options.staleness_exponent,
                                                   options.max_staleness));
  if (options.flush_after < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.buffer_timeout_s: expected >= 0 (0: no limit), got ",
        absl::ToDoubleSeconds(options.flush_after)));
  }
  ORBITFL_RETURN_IF_ERROR(ValidateRobustOptions(options.robust));
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<ServerOptimizer> optimizer,
                           ServerOptimizer::Create(options.server_optimizer));
  return std::unique_ptr<FedBuff>(new FedBuff(options, std::move(optimizer)));
}

void FedBuff::Start(const proto::Model& initial, absl::Time start) {
  Restart(initial);
}

absl::Time FedBuff::next_deadline() const {
  if (options_.flush_after == absl::ZeroDuration() || buffer().empty()) {
    return absl::InfiniteFuture();
  }
  return buffer().front().arrived + options_.flush_after;
}

Decision FedBuff::Offer(const proto::ModelDelta& delta, absl::Time now) {
  // The version this update will be aggregated into, counting the full
  // buffers ahead of it.
  const int64_t version =
      global().version() +
      static_cast<int64_t>(buffer().size()) / options_.buffer_size;
  return Buffer(delta, now, version);
}

absl::StatusOr<bool> FedBuff::Advance(absl::Time now) {
  bool aggregated = false;
  const size_t k = static_cast<size_t>(options_.buffer_size);
  while (buffer().size() >= k) {
    ORBITFL_RETURN_IF_ERROR(AggregateFirst(k));
    aggregated = true;
  }
  if (!buffer().empty() && now >= next_deadline()) {
    ORBITFL_RETURN_IF_ERROR(AggregateFirst(buffer().size()));
    aggregated = true;
  }
  return aggregated;
}

}  // namespace orbitfl::aggregator
