#include "aggregator/scheduled.h"

#include <algorithm>

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
  ORBITFL_RETURN_IF_ERROR(ValidateStalenessOptions(options.staleness_exponent,
                                                   options.max_staleness));
  ORBITFL_RETURN_IF_ERROR(ValidateRobustOptions(options.robust));
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<ServerOptimizer> optimizer,
                           ServerOptimizer::Create(options.server_optimizer));
  return std::unique_ptr<ScheduledAggregation>(
      new ScheduledAggregation(options, std::move(optimizer)));
}

void ScheduledAggregation::Start(const proto::Model& initial,
                                 absl::Time start) {
  Restart(initial);
  const std::vector<absl::Time>& s = options_.schedule;
  next_ = std::lower_bound(s.begin(), s.end(), start) - s.begin();
}

void ScheduledAggregation::SaveState(proto::StrategyState* state) const {
  BufferedStrategy::SaveState(state);
  state->set_next_instant(static_cast<int64_t>(next_));
}

absl::Status ScheduledAggregation::RestoreState(
    const proto::StrategyState& state) {
  if (state.next_instant() < 0 ||
      state.next_instant() > static_cast<int64_t>(options_.schedule.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scheduled aggregation: the snapshot's next instant ",
        state.next_instant(), " is outside its schedule of ",
        options_.schedule.size()));
  }
  next_ = static_cast<size_t>(state.next_instant());
  return BufferedStrategy::RestoreState(state);
}

absl::Time ScheduledAggregation::next_deadline() const {
  if (next_ >= options_.schedule.size()) return absl::InfiniteFuture();
  return options_.schedule[next_];
}

Decision ScheduledAggregation::Offer(const proto::ModelDelta& delta,
                                     absl::Time now) {
  return Buffer(delta, now, global().version());
}

absl::StatusOr<bool> ScheduledAggregation::Advance(absl::Time now) {
  bool aggregated = false;
  const std::vector<absl::Time>& s = options_.schedule;
  std::vector<BufferedUpdate>& buffered = buffer();
  while (next_ < s.size() && s[next_] <= now) {
    const absl::Time at = s[next_++];
    // The updates that had arrived by `at` go first, in arrival order.
    auto late = std::stable_partition(
        buffered.begin(), buffered.end(),
        [at](const BufferedUpdate& u) { return u.arrived <= at; });
    if (late == buffered.begin()) continue;  // nothing to aggregate
    ORBITFL_RETURN_IF_ERROR(
        AggregateFirst(static_cast<size_t>(late - buffered.begin())));
    aggregated = true;
  }
  return aggregated;
}

}  // namespace orbitfl::aggregator
