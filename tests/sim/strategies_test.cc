#include "sim/strategies.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

const absl::Time kStart = absl::FromUnixSeconds(1790000000);

orbit::ContactWindow Pass(int satellite, double start_h, double end_h) {
  orbit::ContactWindow w;
  w.satellite = satellite;
  w.start = kStart + absl::Seconds(start_h * 3600);
  w.end = kStart + absl::Seconds(end_h * 3600);
  return w;
}

absl::Time At(double hours) { return kStart + absl::Seconds(hours * 3600); }

TEST(FedSpaceScheduleTest, AggregatesOnceEnoughSatellitesCouldHaveReported) {
  // Hourly slots, 2 satellites needed. Passes end at 0.5 h (sat 0),
  // 0.7 h (sat 0 again), 1.5 h (sat 1), 2.2 h (sat 2), 2.9 h (sat 2),
  // 4.5 h (sat 0) in a 6 h run.
  const std::vector<orbit::ContactWindow> windows = {
      Pass(0, 0.4, 0.5), Pass(0, 0.6, 0.7), Pass(1, 1.4, 1.5),
      Pass(2, 2.1, 2.2), Pass(2, 2.8, 2.9), Pass(0, 4.4, 4.5)};
  // 1 h: only sat 0. 2 h: sats 0 and 1 -> aggregate. 3 h: sat 2 alone.
  // 4 h: still sat 2. 5 h: sats 2 and 0 -> aggregate. 6 h: nothing new.
  EXPECT_THAT(FedSpaceSchedule(windows, kStart, At(6), absl::Hours(1), 2),
              ::testing::ElementsAre(At(2), At(5)));
  // One satellite suffices: every slot with a pass end.
  EXPECT_THAT(FedSpaceSchedule(windows, kStart, At(6), absl::Hours(1), 1),
              ::testing::ElementsAre(At(1), At(2), At(3), At(5)));
  // Three have reported by 3 h; after that only two more, which the end
  // of the run takes.
  EXPECT_THAT(FedSpaceSchedule(windows, kStart, At(6), absl::Hours(1), 3),
              ::testing::ElementsAre(At(3), At(6)));
  // A slot that does not divide the run ends at the stop.
  EXPECT_THAT(FedSpaceSchedule(windows, kStart, At(5.5), absl::Hours(4), 2),
              ::testing::ElementsAre(At(4), At(5.5)));
  EXPECT_TRUE(FedSpaceSchedule({}, kStart, At(6), absl::Hours(1), 1).empty());
}

proto::Scenario Valid(const std::string& federation) {
  auto s = ParseScenario(
      R"pb(
        constellation {
          walker_delta { total: 4 planes: 2 phasing: 1 altitude_km: 600 inclination_deg: 97.8 }
        }
        stations { name: "Svalbard" lat_deg: 78.23 lon_deg: 15.39 }
      )pb" + federation,
      "s.textproto", Env::Default());
  EXPECT_THAT(s, IsOk());
  return s.ok() ? *s : proto::Scenario();
}

TEST(MakeStrategyTest, EachNameBuildsItsStrategy) {
  const std::vector<orbit::ContactWindow> windows = {Pass(0, 0.4, 0.5),
                                                     Pass(1, 1.4, 1.5)};
  for (const auto& [name, built] :
       std::vector<std::pair<std::string, std::string>>{
           {"fedavg", "fedavg"},
           {"fedprox", "fedavg"},  // the proximal term is on board
           {"fedasync", "fedasync"},
           {"fedbuff", "fedbuff"},
           {"fedspace", "fedspace"}}) {
    const proto::Scenario s =
        Valid("federation { strategy: \"" + name + "\" }");
    auto strategy = MakeStrategy(s, 4, windows, kStart, At(24));
    ASSERT_THAT(strategy, IsOk()) << name;
    EXPECT_EQ((*strategy)->name(), built);
  }
  const proto::Scenario dp =
      Valid("federation { strategy: \"fedbuff\" dp { clip_norm: 2 } }");
  auto strategy = MakeStrategy(dp, 4, windows, kStart, At(24));
  ASSERT_THAT(strategy, IsOk());
  EXPECT_EQ((*strategy)->name(), "fedbuff+dp");
  // A buffer larger than the constellation would never fill.
  EXPECT_THAT(MakeStrategy(Valid("federation { strategy: \"fedbuff\" "
                                 "buffer_size: 5 }"),
                           4, windows, kStart, At(24)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "federation.buffer_size: expected at most the number "
                       "of satellites (4), got 5"));
  // fedspace without any pass has nothing to schedule.
  EXPECT_THAT(MakeStrategy(Valid("federation { strategy: \"fedspace\" }"), 4,
                           {}, kStart, At(24)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "no satellite has a ground pass"));
}

}  // namespace
}  // namespace orbitfl::sim
