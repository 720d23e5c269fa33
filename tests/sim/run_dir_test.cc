#include "sim/run_dir.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/flags.h"
#include "sim/json.h"
#include "sim/time_format.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

TEST(TimeFormatTest, MillisecondsAndZ) {
  auto t = ParseUtc("2026-03-20T06:30:00.125Z");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(FormatUtc(*t), "2026-03-20T06:30:00.125Z");
  EXPECT_EQ(FormatUtc(*t + absl::Microseconds(999)),
            "2026-03-20T06:30:00.125Z");
  EXPECT_EQ(CeilToMillis(*t + absl::Microseconds(1)),
            *t + absl::Milliseconds(1));
  EXPECT_EQ(FloorToMillis(*t + absl::Microseconds(999)), *t);
  EXPECT_THAT(ParseUtc("noon"),
              StatusIs(absl::StatusCode::kInvalidArgument, "\"noon\""));
}

TEST(JsonTest, EscapesAndOrdersFields) {
  JsonObject o;
  o.Add("event", "x\"y").Add("n", 3).Add("f", 0.5).Add("ok", true);
  EXPECT_EQ(o.str(), R"({"event":"x\"y","n":3,"f":0.5,"ok":true})");
}

TEST(FlagsTest, KnownFlagsParseAndUnknownOnesAreNamed) {
  auto f = Flags::Parse("run", {"--scenario=a.textproto", "--quiet"},
                        {"scenario", "quiet", "hours"});
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->Get("scenario"), "a.textproto");
  EXPECT_TRUE(f->Has("quiet"));
  EXPECT_THAT(f->Required("hours"),
              StatusIs(absl::StatusCode::kInvalidArgument, "--hours"));
  EXPECT_THAT(Flags::Parse("run", {"--bogus=1"}, {"scenario"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown flag --bogus"));
  auto bad = Flags::Parse("run", {"--hours=abc"}, {"hours"});
  EXPECT_THAT(bad->GetDouble("hours", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "abc"));
}

TEST(RunDirectoryTest, WritesTheContractFiles) {
  const std::string dir =
      std::string(std::getenv("TEST_TMPDIR")) + "/runs/one";
  Env* env = Env::Default();
  auto run = RunDirectory::Create(dir, env);
  ASSERT_THAT(run, IsOk());
  ASSERT_THAT((*run)->WriteContacts("kind,a,b\n"), IsOk());
  JsonObject e;
  e.Add("event", "x").Add("utc", "2026-03-20T00:00:00.000Z");
  ASSERT_THAT((*run)->AppendEvent(e), IsOk());
  MetricsRow row;
  row.utc = *ParseUtc("2026-03-20T01:00:00Z");
  row.sim_hours = 1;
  row.model_version = 2;
  row.accuracy = 0.5;
  row.bytes_up = 10;
  ASSERT_THAT((*run)->AppendMetrics(row), IsOk());
  ASSERT_THAT((*run)->Close(), IsOk());
  EXPECT_EQ(*env->ReadFile(dir + "/metrics.csv"),
            "utc,sim_hours,model_version,accuracy,loss,updates_applied,"
            "bytes_up,bytes_down\n"
            "2026-03-20T01:00:00.000Z,1.0000,2,0.5000,0.0000,0,10,0\n");
  EXPECT_EQ(*env->ReadFile(dir + "/events.jsonl"),
            "{\"event\":\"x\",\"utc\":\"2026-03-20T00:00:00.000Z\"}\n");
  EXPECT_THAT(env->ReadFile(dir + "/contacts.csv"), IsOk());
}

}  // namespace
}  // namespace orbitfl::sim
