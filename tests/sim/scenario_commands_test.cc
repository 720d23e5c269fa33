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

}  // namespace
}  // namespace orbitfl::sim
