// Strategy snapshots: a strategy restored from the state another saved
// midway goes on exactly as the one that never stopped, for every
// strategy (with server optimisers that keep moments, and DP).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aggregator/dp.h"
#include "aggregator/fedasync.h"
#include "aggregator/fedavg.h"
#include "aggregator/fedbuff.h"
#include "aggregator/scheduled.h"
#include "gtest/gtest.h"
#include "tests/aggregator/models.h"
#include "tests/status_matchers.h"

namespace orbitfl::aggregator {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::kStart;
using ::orbitfl::testing::TinyDelta;
using ::orbitfl::testing::TinyModel;

using Factory = std::function<std::unique_ptr<Strategy>()>;

template <typename T>
std::unique_ptr<Strategy> Made(absl::StatusOr<std::unique_ptr<T>> s) {
  EXPECT_THAT(s, IsOk());
  return s.ok() ? std::move(s).value() : nullptr;
}

std::vector<std::pair<std::string, Factory>> Strategies() {
  ServerOptimizerOptions adam;
  adam.kind = "adam";
  ServerOptimizerOptions momentum;
  momentum.kind = "momentum";
  return {
      {"fedavg+adam",
       [adam] {
         FedAvgOptions o;
         o.expected_participants = 3;
         o.round_deadline = absl::Minutes(5);
         o.server_optimizer = adam;
         return Made(FedAvg::Create(o));
       }},
      {"fedasync", [] { return Made(FedAsync::Create(FedAsyncOptions{})); }},
      {"fedbuff+momentum",
       [momentum] {
         FedBuffOptions o;
         o.buffer_size = 3;
         o.server_optimizer = momentum;
         return Made(FedBuff::Create(o));
       }},
      {"fedspace",
       [] {
         ScheduledAggregationOptions o;
         for (int m = 4; m <= 40; m += 4) {
           o.schedule.push_back(kStart + absl::Minutes(m));
         }
         return Made(ScheduledAggregation::Create(o));
       }},
      {"fedavg+dp",
       [] {
         FedAvgOptions f;
         f.expected_participants = 2;
         DpOptions d;
         d.seed = 5;
         return Made(DpStrategy::Create(d, Made(FedAvg::Create(f))));
       }},
  };
}

// Step k: an update from one of four satellites on the current global
// model, then the clock a minute on. Returns what the step published.
std::string Step(Strategy& s, int k) {
  const absl::Time t = kStart + absl::Minutes(k);
  const float x = 0.1f * static_cast<float>((k * 7) % 5) - 0.2f;
  s.Offer(TinyDelta("sat-" + std::to_string(k % 4), s.global().version(),
                    k + 1, {x, -x, 2 * x, 0.5f}),
          t);
  const absl::StatusOr<bool> advanced = s.Advance(t + absl::Seconds(30));
  EXPECT_THAT(advanced, IsOk());
  std::string out = s.global().SerializeAsString();
  for (const AppliedUpdate& u : s.TakeApplied()) {
    out += u.satellite + "/" + std::to_string(u.base_version) + "/" +
           std::to_string(u.weight) + ";";
  }
  return out;
}

TEST(SnapshotTest, EveryStrategyRestoresIntoTheSameCourse) {
  constexpr int kSteps = 24;
  constexpr int kStop = 11;
  for (const auto& [name, make] : Strategies()) {
    SCOPED_TRACE(name);
    std::unique_ptr<Strategy> whole = make();
    std::unique_ptr<Strategy> first = make();
    ASSERT_NE(whole, nullptr);
    ASSERT_NE(first, nullptr);
    whole->Start(TinyModel({0, 0, 0, 0}, 0), kStart);
    first->Start(TinyModel({0, 0, 0, 0}, 0), kStart);
    std::vector<std::string> expected;
    for (int k = 0; k < kSteps; ++k) expected.push_back(Step(*whole, k));
    for (int k = 0; k < kStop; ++k) ASSERT_EQ(Step(*first, k), expected[k]);
    proto::StrategyState saved;
    first->SaveState(&saved);
    first.reset();  // stopped

    std::unique_ptr<Strategy> second = make();
    second->Start(TinyModel({0, 0, 0, 0}, 0), kStart);
    ASSERT_THAT(second->RestoreState(saved), IsOk());
    proto::StrategyState again;
    second->SaveState(&again);
    EXPECT_EQ(again.SerializeAsString(), saved.SerializeAsString());
    for (int k = kStop; k < kSteps; ++k) {
      EXPECT_EQ(Step(*second, k), expected[k]) << "step " << k;
    }
    EXPECT_GT(whole->global().version(), 2);
    EXPECT_EQ(second->updates_applied(), whole->updates_applied());
  }
}

}  // namespace
}  // namespace orbitfl::aggregator
