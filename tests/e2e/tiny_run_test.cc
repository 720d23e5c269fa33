// End to end: the tiny scenario through every layer (orbits, the Earth map,
// LibTorch training on board, gRPC services, FedAvg), then the run
// directory checked against the physics of its own contact plan.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/model.h"
#include "sim/embedded_run.h"
#include "sim/env.h"
#include "sim/scenario.h"
#include "tests/e2e/run_files.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::sim::testing::Field;
using ::orbitfl::sim::testing::Lines;
using ::orbitfl::sim::testing::ReadRunFile;
using ::orbitfl::sim::testing::Tmp;
using ::orbitfl::sim::testing::Utc;
using ::orbitfl::testing::IsOk;

constexpr char kScenario[] = "experiments/scenarios/tiny.textproto";

class TinyRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto scenario = LoadScenario(kScenario, Env::Default());
    ASSERT_THAT(scenario, IsOk());
    scenario_ = new proto::Scenario(*scenario);
    // The second run trains on two threads: the files must not change.
    for (const char* name : {"first", "second"}) {
      RunOptions options;
      options.out_dir = Tmp(name);
      options.threads = std::string(name) == "second" ? 2 : 1;
      auto summary = RunEmbedded(*scenario_, options);
      ASSERT_THAT(summary, IsOk());
      dirs_.push_back(options.out_dir);
      summaries_.push_back(*summary);
    }
  }
  static void TearDownTestSuite() { delete scenario_; }

  static std::string Read(const std::string& file, int run = 0) {
    return ReadRunFile(dirs_[run] + "/" + file);
  }

  static proto::Scenario* scenario_;
  static std::vector<std::string> dirs_;
  static std::vector<RunSummary> summaries_;
};

proto::Scenario* TinyRunTest::scenario_ = nullptr;
std::vector<std::string> TinyRunTest::dirs_;
std::vector<RunSummary> TinyRunTest::summaries_;

struct Window {
  absl::Time start, end;
  double rate_bps;
};

TEST_F(TinyRunTest, EveryTransferLiesInsideAWindowAndNeverBeatsItsRate) {
  const std::vector<std::string> contacts = Lines(Read("contacts.csv"));
  ASSERT_GT(contacts.size(), 1u);
  EXPECT_EQ(contacts[0],
            "kind,a,b,start_utc,end_utc,duration_s,max_elevation_deg,rate_bps");
  std::multimap<std::pair<std::string, std::string>, Window> windows;
  for (size_t i = 1; i < contacts.size(); ++i) {
    std::vector<std::string> f = absl::StrSplit(contacts[i], ',');
    ASSERT_EQ(f.size(), 8u) << contacts[i];
    EXPECT_EQ(f[0], "ground");
    Window w{Utc(f[3]), Utc(f[4]), 0};
    ASSERT_TRUE(absl::SimpleAtod(f[7], &w.rate_bps));
    EXPECT_LT(w.start, w.end);
    windows.emplace(std::make_pair(f[1], f[2]), w);
  }

  int transfers = 0, cut = 0;
  std::map<std::string, int> resumed_after_cut;
  for (const std::string& line : Lines(Read("events.jsonl"))) {
    ASSERT_FALSE(Field(line, "event").empty()) << line;
    ASSERT_FALSE(Field(line, "utc").empty()) << line;
    if (Field(line, "event") != "transfer") continue;
    ++transfers;
    const absl::Time start = Utc(Field(line, "start_utc"));
    const absl::Time end = Utc(Field(line, "end_utc"));
    int64_t bytes = 0;
    ASSERT_TRUE(absl::SimpleAtoi(Field(line, "bytes"), &bytes)) << line;
    ASSERT_GT(bytes, 0);
    const std::string payload = Field(line, "payload");
    ASSERT_TRUE(payload == "update" || payload == "model") << line;
    auto range = windows.equal_range({Field(line, "a"), Field(line, "b")});
    const Window* inside = nullptr;
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second.start <= start && end <= it->second.end) {
        inside = &it->second;
      }
    }
    ASSERT_NE(inside, nullptr) << "transfer outside every window: " << line;
    // Updates go down at the window's rate; models go up at the uplink's.
    const double rate = payload == "update"
                            ? inside->rate_bps
                            : scenario_->link().uplink_rate_bps();
    EXPECT_LE(bytes * 8.0 / rate, absl::ToDoubleSeconds(end - start))
        << "faster than the link: " << line;
    const std::string key = Field(line, "a") + "/" + payload;
    if (Field(line, "complete") == "false") {
      ++cut;
      resumed_after_cut[key] += 1;
    } else if (resumed_after_cut.count(key) > 0) {
      resumed_after_cut[key] = -1000;  // the cut transfer finished later
    }
  }
  EXPECT_GT(transfers, 10);
  EXPECT_GT(cut, 0) << "the tiny scenario is meant to cut transfers";
  int finished_after_cut = 0;
  for (const auto& [key, n] : resumed_after_cut) finished_after_cut += n < 0;
  EXPECT_GT(finished_after_cut, 0) << "no cut transfer was ever completed";
}

TEST_F(TinyRunTest, SameSeedGivesByteIdenticalRunFilesOnAnyThreadCount) {
  for (const char* file :
       {"contacts.csv", "events.jsonl", "metrics.csv", "updates.csv",
        "links.csv", "participation.csv", "model.pt"}) {
    EXPECT_EQ(Read(file, 0), Read(file, 1)) << file;
  }
}

TEST_F(TinyRunTest, AccuracyRisesAndSummaryHasTheContractFields) {
  const std::vector<std::string> metrics = Lines(Read("metrics.csv"));
  ASSERT_GE(metrics.size(), 3u);
  EXPECT_EQ(metrics[0],
            "utc,sim_hours,model_version,accuracy,loss,updates_applied,"
            "bytes_up,bytes_down");
  const RunSummary& s = summaries_[0];
  EXPECT_GT(s.best_accuracy, s.initial_accuracy + 0.15);
  EXPECT_GT(s.updates_applied, 0);
  EXPECT_GT(s.bytes_up, 0);
  EXPECT_GT(s.bytes_down, 0);
  const std::string summary = Read("summary.json");
  for (const char* key : {"final_accuracy", "best_accuracy", "bytes_up",
                          "bytes_down", "sim_hours", "wall_s", "train_wall_s"}) {
    EXPECT_FALSE(Field(summary, key).empty()) << key;
  }
  EXPECT_EQ(Field(summary, "sim_hours"), "12");
}

TEST_F(TinyRunTest, FedAsyncMixesUpdatesAsTheyArriveAndLearns) {
  proto::Scenario async = *scenario_;
  async.mutable_federation()->set_strategy("fedasync");
  RunOptions options;
  options.out_dir = Tmp("fedasync");
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary s, RunEmbedded(async, options));
  // One global version per applied update, none waiting for a round.
  EXPECT_GT(s.updates_applied, 0);
  EXPECT_EQ(s.model_version, s.updates_applied);
  EXPECT_GT(s.best_accuracy, s.initial_accuracy + 0.1);

  // With a minimum retrain interval, no satellite trains twice within it.
  async.mutable_training()->set_min_retrain_interval_s(3 * 3600);
  options.out_dir += "_paced";
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary paced, RunEmbedded(async, options));
  EXPECT_LT(paced.training_steps, s.training_steps);
  EXPECT_GT(paced.training_steps, 0);
  std::map<std::string, absl::Time> last;
  auto events = Env::Default()->ReadFile(options.out_dir + "/events.jsonl");
  ASSERT_THAT(events, IsOk());
  for (const std::string& line : Lines(*events)) {
    if (Field(line, "event") != "train") continue;
    const std::string sat = Field(line, "satellite");
    const absl::Time t = Utc(Field(line, "utc"));
    if (last.count(sat) > 0) {
      EXPECT_GE(t - last[sat], absl::Hours(3)) << sat;
    }
    last[sat] = t;
  }
  // Evaluating at most hourly: one metrics row per hour at most (plus the
  // start and the final model), the same model and the same final model.
  proto::Scenario hourly = *scenario_;
  hourly.mutable_federation()->set_strategy("fedasync");
  hourly.mutable_evaluation()->set_interval_s(3600);
  options.out_dir += "_hourly";
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary h, RunEmbedded(hourly, options));
  auto metrics = Env::Default()->ReadFile(options.out_dir + "/metrics.csv");
  ASSERT_THAT(metrics, IsOk());
  const std::vector<std::string> rows = Lines(*metrics);
  EXPECT_LE(rows.size(), 1u + 12 + 2);
  EXPECT_LT(rows.size(), 1u + s.model_version + 1);
  EXPECT_EQ(h.model_version, s.model_version);
  EXPECT_EQ(h.final_accuracy, s.final_accuracy);
  EXPECT_EQ(rows.back().substr(rows.back().find(',', rows.back().find(',') + 1) + 1,
                               std::to_string(h.model_version).size()),
            std::to_string(h.model_version));
}

TEST_F(TinyRunTest, TheGlobalModelIsSavedAsALoadablePtFile) {
  node::ModelSpec spec;
  spec.pixels = 16;
  spec.bands = 4;
  spec.num_classes = 6;
  ORBITFL_ASSERT_OK_AND_ASSIGN(
      proto::Model model, node::LoadModelFile(spec, dirs_[0] + "/model.pt"));
  EXPECT_EQ(model.version(), summaries_[0].model_version);
  EXPECT_EQ(node::ParameterCount(model), node::ParameterCount(spec));
  EXPECT_EQ(Read("model.pt", 0), Read("model.pt", 1));  // same seed
}

TEST_F(TinyRunTest, CompressedDeltasMoveFewerBytesAndStillLearn) {
  // The same run with int8 deltas: the uplink of updates (satellite to
  // ground) carries about a quarter of the fp32 bytes per update, decoded
  // by the aggregator before FedAvg.
  proto::Scenario int8 = *scenario_;
  int8.mutable_federation()->set_delta_codec("int8");
  RunOptions options;
  options.out_dir = Tmp("int8");
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary s, RunEmbedded(int8, options));
  const RunSummary& fp32 = summaries_[0];
  ASSERT_GT(s.updates_applied, 0);
  const double fp32_per_update =
      static_cast<double>(fp32.bytes_up) / fp32.updates_applied;
  const double int8_per_update =
      static_cast<double>(s.bytes_up) / s.updates_applied;
  EXPECT_LT(int8_per_update, 0.35 * fp32_per_update);
  EXPECT_GT(s.best_accuracy, s.initial_accuracy + 0.1);
}

}  // namespace
}  // namespace orbitfl::sim
