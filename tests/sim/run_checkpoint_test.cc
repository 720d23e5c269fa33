// A run's checkpoint: records replay in order, a resume that stops too is
// resumed from the log it was replaying, the new log takes over once the
// replay is spent, and a checkpoint of another scenario or a run that took
// another course is refused.

#include "sim/run_checkpoint.h"

#include <sys/stat.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

std::string FreshDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
  ::mkdir(dir.c_str(), 0755);
  std::remove(CheckpointPath(dir).c_str());
  std::remove((CheckpointPath(dir) + ".resuming").c_str());
  return dir;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

proto::Scenario Scenario(uint64_t seed) {
  proto::Scenario s;
  s.set_name("tiny");
  s.set_seed(seed);
  return s;
}

proto::TrainingRecord Training(const std::string& satellite, int64_t base) {
  proto::TrainingRecord r;
  r.set_satellite(satellite);
  r.set_base_version(base);
  r.set_delta("delta of " + satellite);
  return r;
}

proto::EvaluationRecord Evaluation(int64_t version, uint32_t crc) {
  proto::EvaluationRecord e;
  e.set_model_version(version);
  e.set_model_crc32c(crc);
  e.set_accuracy(0.5);
  return e;
}

// Replays every record of a checkpoint made of trainings of a, b (and c).
void ReplayAll(RunCheckpoint& c, bool with_c) {
  auto a = c.Next();
  ASSERT_THAT(a, IsOk());
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->satellite(), "a");
  auto e = c.NextEvaluation(1, 0xabc);
  ASSERT_THAT(e, IsOk());
  ASSERT_TRUE(e->has_value());
  EXPECT_EQ((*e)->accuracy(), 0.5);
  auto b = c.Next();
  ASSERT_THAT(b, IsOk());
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->satellite(), "b");
  if (with_c) {
    auto t = c.Next();
    ASSERT_THAT(t, IsOk());
    ASSERT_TRUE(t->has_value());
    EXPECT_EQ((*t)->satellite(), "c");
  }
  EXPECT_FALSE(c.replaying());
  auto none = c.Next();
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
}

TEST(RunCheckpointTest, ResumesReplayInOrderAndSurviveStoppingThemselves) {
  const std::string dir = FreshDir("resume");
  {
    auto c = RunCheckpoint::Start(dir, Scenario(7));
    ASSERT_THAT(c, IsOk());
    ASSERT_THAT((*c)->Record(Training("a", 0)), IsOk());
    ASSERT_THAT((*c)->RecordEvaluation(Evaluation(1, 0xabc)), IsOk());
    ASSERT_THAT((*c)->Record(Training("b", 1)), IsOk());
  }  // the run stops
  auto scenario = CheckpointScenario(dir);
  ASSERT_THAT(scenario, IsOk());
  EXPECT_EQ(scenario->seed(), 7u);
  {
    // A resume that stops after one record: the log it replays stays.
    auto c = RunCheckpoint::Resume(dir, Scenario(7));
    ASSERT_THAT(c, IsOk());
    EXPECT_TRUE((*c)->replaying());
    ASSERT_THAT((*c)->Next(), IsOk());
    EXPECT_TRUE(Exists(CheckpointPath(dir) + ".resuming"));
  }
  {
    auto c = RunCheckpoint::Resume(dir, Scenario(7));
    ASSERT_THAT(c, IsOk());
    ASSERT_NO_FATAL_FAILURE(ReplayAll(**c, /*with_c=*/false));
    EXPECT_EQ((*c)->trainings_replayed(), 2);
    EXPECT_EQ((*c)->evaluations_replayed(), 1);
    EXPECT_FALSE(Exists(CheckpointPath(dir) + ".resuming"));
    ASSERT_THAT((*c)->Record(Training("c", 1)), IsOk());
  }  // stops again, after training on
  {
    auto c = RunCheckpoint::Resume(dir, Scenario(7));
    ASSERT_THAT(c, IsOk());
    ASSERT_NO_FATAL_FAILURE(ReplayAll(**c, /*with_c=*/true));
    ASSERT_THAT((*c)->Finish(), IsOk());
  }
  EXPECT_FALSE(Exists(CheckpointPath(dir)));
  EXPECT_THAT(CheckpointScenario(dir),
              StatusIs(absl::StatusCode::kNotFound, "holds no checkpoint"));
}

TEST(RunCheckpointTest, RefusesAnotherScenarioOrAnotherCourse) {
  const std::string dir = FreshDir("refuse");
  {
    auto c = RunCheckpoint::Start(dir, Scenario(7));
    ASSERT_THAT(c, IsOk());
    ASSERT_THAT((*c)->Record(Training("a", 0)), IsOk());
    ASSERT_THAT((*c)->RecordEvaluation(Evaluation(1, 0xabc)), IsOk());
  }
  EXPECT_THAT(RunCheckpoint::Resume(dir, Scenario(8)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "other settings than the one given"));
  auto c = RunCheckpoint::Resume(dir, Scenario(7));
  ASSERT_THAT(c, IsOk());
  // An evaluation where a training was recorded, and the reverse.
  EXPECT_THAT((*c)->NextEvaluation(1, 0xabc),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "another course"));
  ASSERT_THAT((*c)->Next(), IsOk());
  EXPECT_THAT((*c)->Next(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     "another course"));
  // The same version with other weights.
  EXPECT_THAT((*c)->NextEvaluation(1, 0xabd),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "another course"));
  // Ending with records left unreplayed.
  EXPECT_THAT((*c)->Finish(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       "records left to replay"));
}

}  // namespace
}  // namespace orbitfl::sim
