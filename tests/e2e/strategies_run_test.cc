// End to end: every federation strategy on the tiny scenario, each
// checked for what makes it what it is (buffer sizes, the schedule, the
// privacy budget), and that it learns.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "aggregator/dp.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sim/embedded_run.h"
#include "sim/env.h"
#include "sim/scenario.h"
#include "sim/time_format.h"
#include "tests/e2e/run_files.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::sim::testing::Lines;
using ::orbitfl::sim::testing::ReadRunFile;
using ::orbitfl::sim::testing::Tmp;
using ::orbitfl::testing::IsOk;

constexpr char kScenario[] = "experiments/scenarios/tiny.textproto";

// The rows of a CSV run file after its header, split at commas.
std::vector<std::vector<std::string>> Rows(const std::string& path) {
  const std::vector<std::string> lines = Lines(ReadRunFile(path));
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    rows.push_back(absl::StrSplit(lines[i], ','));
  }
  return rows;
}

int64_t Int(const std::string& s) {
  int64_t v = 0;
  EXPECT_TRUE(absl::SimpleAtoi(s, &v)) << s;
  return v;
}

struct Outcome {
  RunSummary summary;
  std::string dir;
};

Outcome RunWith(const std::string& name, const std::string& federation,
            const std::string& training = "") {
  auto loaded = LoadScenario(kScenario, Env::Default());
  EXPECT_THAT(loaded, IsOk());
  proto::Scenario s = *loaded;
  s.mutable_federation()->Clear();
  s.mutable_training()->clear_proximal_mu();
  std::string text = "federation { " + federation + " } training { " +
                     "local_steps: 40 batch_size: 16 learning_rate: 0.1 " +
                     "min_tiles: 32 min_retrain_interval_s: 1800 " + training +
                     " }";
  proto::Scenario more;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &more))
      << text;
  s.MergeFrom(more);
  EXPECT_THAT(FinalizeScenario(s, name), IsOk());
  RunOptions options;
  options.out_dir = Tmp(name);
  auto summary = RunEmbedded(s, options);
  EXPECT_THAT(summary, IsOk()) << name;
  return {summary.ok() ? *summary : RunSummary(), options.out_dir};
}

TEST(StrategiesRunTest, FedBuffAggregatesEveryKUpdates) {
  const Outcome run = RunWith("fedbuff", "strategy: \"fedbuff\" buffer_size: 3");
  const auto updates = Rows(run.dir + "/updates.csv");
  ASSERT_GE(updates.size(), 6u);
  std::map<int64_t, int> per_version;
  for (const auto& row : updates) ++per_version[Int(row[3])];
  for (const auto& [version, n] : per_version) EXPECT_EQ(n, 3) << version;
  EXPECT_EQ(run.summary.model_version,
            static_cast<int64_t>(per_version.size()));
  EXPECT_GT(run.summary.best_accuracy, run.summary.initial_accuracy + 0.1);
}

TEST(StrategiesRunTest, FedSpaceAggregatesOnlyAtPlannedSlotEnds) {
  const Outcome run = RunWith(
      "fedspace",
      "strategy: \"fedspace\" fedspace_slot_s: 3600 fedspace_min_updates: 2");
  const auto updates = Rows(run.dir + "/updates.csv");
  ASSERT_FALSE(updates.empty());
  const absl::Time start = *ParseUtc("2026-06-01T00:00:00Z");
  std::set<int64_t> versions;
  for (const auto& row : updates) {
    // Applied at a whole hour after the epoch: a slot's end.
    const absl::Duration since = *ParseUtc(row[0]) - start;
    EXPECT_EQ(since, absl::Hours(absl::ToInt64Hours(since))) << row[0];
    versions.insert(Int(row[3]));
  }
  EXPECT_EQ(run.summary.model_version, static_cast<int64_t>(versions.size()));
  EXPECT_GT(run.summary.best_accuracy, run.summary.initial_accuracy + 0.1);
}

TEST(StrategiesRunTest, FedProxAndServerOptimisersLearn) {
  const Outcome prox = RunWith("fedprox", "strategy: \"fedprox\"",
                           "proximal_mu: 0.1");
  EXPECT_GT(prox.summary.best_accuracy, prox.summary.initial_accuracy + 0.1);
  const Outcome plain = RunWith("fedavg", "strategy: \"fedavg\"");
  // The proximal term changes what the satellites send.
  EXPECT_NE(prox.summary.final_accuracy, plain.summary.final_accuracy);
  const Outcome adam = RunWith(
      "fedadam", "strategy: \"fedavg\" server_optimizer: \"adam\" "
                 "server_lr: 0.01");
  EXPECT_GT(adam.summary.best_accuracy, adam.summary.initial_accuracy + 0.1);
  const Outcome momentum = RunWith(
      "fedavgm", "strategy: \"fedbuff\" buffer_size: 2 "
                 "server_optimizer: \"momentum\" server_lr: 0.5");
  EXPECT_GT(momentum.summary.best_accuracy,
            momentum.summary.initial_accuracy + 0.1);
}

TEST(StrategiesRunTest, DifferentialPrivacyReportsTheBudgetSpent) {
  const Outcome run = RunWith(
      "dp", "strategy: \"fedasync\" dp { clip_norm: 5 noise_multiplier: 0.8 "
            "delta: 1e-5 }");
  // Each accepted update is one release of its satellite; epsilon is the
  // largest over satellites, which FedAsync applies as they come.
  int64_t most = 0;
  for (const auto& row : Rows(run.dir + "/participation.csv")) {
    most = std::max(most, Int(row[3]));
  }
  ASSERT_GT(most, 0);
  EXPECT_DOUBLE_EQ(run.summary.dp_epsilon,
                   aggregator::GaussianEpsilon(most, 0.8, 1e-5));
  EXPECT_GT(run.summary.dp_epsilon, 0);
}

}  // namespace
}  // namespace orbitfl::sim
