#include "sim/scenario_commands.h"

#include "gtest/gtest.h"
#include "sim/env.h"
#include "sim/scenario.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

TEST(ApplySettingsTest, SetsNestedFieldsByPath) {
  proto::Scenario s;
  ASSERT_THAT(ApplySettings("radiation.upsets_per_bit_per_day=1e-5;"
                            "radiation.protection=\"checksum\";seed=9;"
                            "training.model=\"encoder_head\"",
                            s),
              IsOk());
  EXPECT_EQ(s.radiation().upsets_per_bit_per_day(), 1e-5);
  EXPECT_EQ(s.radiation().protection(), "checksum");
  EXPECT_EQ(s.seed(), 9u);
  EXPECT_EQ(s.training().model(), "encoder_head");
}

TEST(ApplySettingsTest, NamesTheBadItemAndLeavesTheScenarioAlone) {
  proto::Scenario s;
  s.set_seed(3);
  EXPECT_THAT(ApplySettings("seed=4;radiation.bogus=1", s),
              StatusIs(absl::StatusCode::kInvalidArgument, "radiation.bogus=1"));
  EXPECT_THAT(ApplySettings("no_equals_sign", s),
              StatusIs(absl::StatusCode::kInvalidArgument, "FIELD.PATH=VALUE"));
  EXPECT_THAT(ApplySettings("radiation.protection=checksum", s),
              StatusIs(absl::StatusCode::kInvalidArgument, "quotes"));
  // Items before the bad one were applied; the bad one changed nothing.
  EXPECT_EQ(s.seed(), 4u);
}

TEST(LoadWithOverridesTest, DefaultsFollowTheOverriddenFields) {
  auto flags = Flags::Parse(
      "run",
      {"--scenario=experiments/scenarios/tiny.textproto", "--strategy=fedprox",
       "--set=federation.server_optimizer=\"adam\"", "--hours=2"},
      {"scenario", "strategy", "set", "hours"});
  ASSERT_THAT(flags, IsOk());
  auto s = LoadWithOverrides(*flags);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->federation().strategy(), "fedprox");
  EXPECT_EQ(s->training().proximal_mu(), 0.01);      // fedprox's default
  EXPECT_EQ(s->federation().server_lr(), 0.01);      // adam's default
  EXPECT_EQ(s->duration_hours(), 2);
  // The strategy argument (as `compare` passes it) wins over --strategy.
  auto buff = LoadWithOverrides(*flags, "fedbuff");
  ASSERT_THAT(buff, IsOk());
  EXPECT_EQ(buff->federation().strategy(), "fedbuff");
  EXPECT_EQ(buff->training().proximal_mu(), 0);
  // A bad override names the file and the field.
  auto bad_flags = Flags::Parse(
      "run",
      {"--scenario=experiments/scenarios/tiny.textproto", "--strategy=fedsgd"},
      {"scenario", "strategy"});
  ASSERT_THAT(bad_flags, IsOk());
  EXPECT_THAT(LoadWithOverrides(*bad_flags),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "tiny.textproto with the command line's overrides: "
                       "federation.strategy"));
}

}  // namespace
}  // namespace orbitfl::sim
