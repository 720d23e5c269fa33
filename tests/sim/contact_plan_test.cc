#include "sim/contact_plan.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario.h"
#include "sim/time_format.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;

proto::Scenario Parse(const std::string& constellation) {
  auto s = ParseScenario(
      constellation + R"pb(
        epoch_utc: "2026-03-20T00:00:00Z"
        duration_hours: 12
        stations { name: "Svalbard" lat_deg: 78.23 lon_deg: 15.39 min_elevation_deg: 5 }
        stations { name: "Quito" lat_deg: -0.2 lon_deg: -78.5 min_elevation_deg: 10 }
      )pb",
      "plan.textproto", Env::Default());
  EXPECT_THAT(s, IsOk());
  return *s;
}

TEST(ContactPlanTest, WalkerStarShellGivesSortedWindowsAndTheCsvContract) {
  const proto::Scenario s = Parse(
      "constellation { walker_star { total: 6 planes: 3 phasing: 1 "
      "altitude_km: 506.4 inclination_deg: 90 } }");
  const absl::Time start = *ParseUtc(s.epoch_utc());
  auto plan = BuildContactPlan(s, start, start + absl::Hours(12));
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(plan->satellite_names.size(), 6u);
  EXPECT_EQ(plan->satellite_names[0], "sat-00-00");
  ASSERT_FALSE(plan->windows.empty());
  int svalbard = 0;
  for (size_t i = 0; i < plan->windows.size(); ++i) {
    const orbit::ContactWindow& w = plan->windows[i];
    EXPECT_LT(w.start, w.end);
    // Edges are whole milliseconds.
    EXPECT_EQ(w.start, FloorToMillis(w.start));
    EXPECT_EQ(w.end, FloorToMillis(w.end));
    if (i > 0) {
      EXPECT_LE(plan->windows[i - 1].start, w.start);
    }
    svalbard += w.station == 0;
  }
  // A polar shell passes over Svalbard far more often than over Quito.
  EXPECT_GT(svalbard, static_cast<int>(plan->windows.size()) / 2);

  const std::string csv = ContactsCsv(*plan, s.link());
  const std::vector<std::string> lines =
      absl::StrSplit(csv, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), plan->windows.size() + 1);
  EXPECT_EQ(lines[0],
            "kind,a,b,start_utc,end_utc,duration_s,max_elevation_deg,rate_bps");
  const std::vector<std::string> first = absl::StrSplit(lines[1], ',');
  ASSERT_EQ(first.size(), 8u);
  EXPECT_EQ(first[0], "ground");
  EXPECT_EQ(first[7], "1000000");
}

TEST(ContactPlanTest, TleFileSatellitesAreNamedByTheirNameLines) {
  const proto::Scenario s = Parse(
      "constellation { tle_file: \"tests/orbit/testdata/"
      "windows_fixture.tle\" }");
  const absl::Time start = *ParseUtc(s.epoch_utc());
  auto plan = BuildContactPlan(s, start, start + absl::Hours(12));
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->satellite_names.size(), 5u);
  EXPECT_EQ(plan->satellite_names[0], "POLAR-SSO");
  EXPECT_EQ(plan->satellite_names[4], "GEO-DEEP");
  EXPECT_FALSE(plan->windows.empty());
}

}  // namespace
}  // namespace orbitfl::sim
