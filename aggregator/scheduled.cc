#include "aggregator/scheduled.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"

namespace orbitfl::aggregator {

absl::StatusOr<std::unique_ptr<ScheduledAggregation>>
ScheduledAggregation::Create(const ScheduledAggregationOptions& options) {
  const std::vector<absl::Time>& s = options.schedule;
  if (s.empty()) {
    return absl::InvalidArgumentError(
        "fedspace: the aggregation schedule is empty (no instant in the "
        "contact plan is worth an aggregation; see "
        "federation.fedspace_slot_s and federation.fedspace_min_updates)");
  }
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] < s[i - 1]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fedspace: aggregation instants must be in increasing order; #", i,
          " (", absl::FormatTime(s[i], absl::UTCTimeZone()),
          ") is before #", i - 1, " (",
          absl::FormatTime(s[i - 1], absl::UTCTimeZone()), ")"));
    }
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
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<ServerOptimizer> optimizer,
                           ServerOptimizer::Create(options.server_optimizer));
  return std::unique_ptr<ScheduledAggregation>(
      new ScheduledAggregation(options, std::move(optimizer)));
}

void ScheduledAggregation::Start(const proto::Model& initial,
                                 absl::Time start) {
  global_ = initial;
  optimizer_->Reset();
  const std::vector<absl::Time>& s = options_.schedule;
  next_ = std::lower_bound(s.begin(), s.end(), start) - s.begin();
  buffer_.clear();
  updates_applied_ = 0;
  applied_.clear();
}

int64_t ScheduledAggregation::min_base_version() const {
  if (options_.max_staleness == 0) return 0;
  return std::max<int64_t>(0, global_.version() - options_.max_staleness);
}

absl::Time ScheduledAggregation::next_deadline() const {
  if (next_ >= options_.schedule.size()) return absl::InfiniteFuture();
  return options_.schedule[next_];
}

Decision ScheduledAggregation::Offer(const proto::ModelDelta& delta,
                                     absl::Time now) {
  const int64_t version = global_.version();
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
  buffer_.push_back({delta, now});
  return {true, ""};
}

absl::StatusOr<bool> ScheduledAggregation::Advance(absl::Time now) {
  bool aggregated = false;
  const std::vector<absl::Time>& s = options_.schedule;
  while (next_ < s.size() && s[next_] <= now) {
    const absl::Time at = s[next_++];
    // The updates that had arrived by `at`, in arrival order.
    auto late = std::stable_partition(
        buffer_.begin(), buffer_.end(),
        [at](const BufferedUpdate& u) { return u.arrived <= at; });
    if (late == buffer_.begin()) continue;  // nothing to aggregate
    std::vector<BufferedUpdate> batch(std::make_move_iterator(buffer_.begin()),
                                      std::make_move_iterator(late));
    buffer_.erase(buffer_.begin(), late);
    ORBITFL_RETURN_IF_ERROR(AggregateBuffered(
        batch, options_.staleness_exponent, *optimizer_, global_, applied_));
    updates_applied_ += static_cast<int64_t>(batch.size());
    aggregated = true;
  }
  return aggregated;
}

std::vector<AppliedUpdate> ScheduledAggregation::TakeApplied() {
  std::vector<AppliedUpdate> out;
  out.swap(applied_);
  return out;
}

}  // namespace orbitfl::aggregator
