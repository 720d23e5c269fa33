#include "aggregator/strategy.h"

namespace orbitfl::aggregator {

void SaveApplied(const std::vector<AppliedUpdate>& applied,
                 proto::StrategyState* state) {
  for (const AppliedUpdate& u : applied) {
    proto::AppliedUpdate* a = state->add_applied();
    a->set_satellite(u.satellite);
    a->set_base_version(u.base_version);
    a->set_model_version(u.model_version);
    a->set_staleness(u.staleness);
    a->set_weight(u.weight);
  }
}

std::vector<AppliedUpdate> RestoreApplied(const proto::StrategyState& state) {
  std::vector<AppliedUpdate> applied;
  for (const proto::AppliedUpdate& a : state.applied()) {
    applied.push_back({a.satellite(), a.base_version(), a.model_version(),
                       a.staleness(), a.weight()});
  }
  return applied;
}

}  // namespace orbitfl::aggregator
