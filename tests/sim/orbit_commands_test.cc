#include "sim/orbit_commands.h"

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orbit/tle.h"
#include "sim/env.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kTle[] = "tests/orbit/testdata/windows_fixture.tle";

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(OrbitCommandsTest, ConstellationEmitsTlesThatParseBack) {
  std::ostringstream out, log;
  ASSERT_THAT(ConstellationCommand({"--walker=12/3/1", "--altitude-km=550",
                                    "--inclination-deg=sso", "--pattern=star",
                                    "--name-prefix=fl"},
                                   out, log),
              IsOk());
  auto tles = orbit::ParseTles(out.str(), "stdout");
  ASSERT_THAT(tles, IsOk());
  ASSERT_EQ(tles->size(), 12u);
  EXPECT_EQ((*tles)[0].name, "fl-00-00");
  EXPECT_NEAR((*tles)[0].inclination_deg, 97.59, 0.02);
  // Walker star: 3 planes 60 deg apart in RAAN.
  EXPECT_NEAR((*tles)[4].raan_deg - (*tles)[0].raan_deg, 60.0, 1e-3);
  EXPECT_THAT(ConstellationCommand({"--walker=12-3-1", "--altitude-km=550",
                                    "--inclination-deg=53"},
                                   out, log),
              StatusIs(absl::StatusCode::kInvalidArgument, "--walker"));
}

TEST(OrbitCommandsTest, PropagateWritesTheCsvAndTheChecksum) {
  std::ostringstream out, log;
  ASSERT_THAT(PropagateCommand({std::string("--tle=") + kTle,
                                "--start=2026-03-20T00:00:00Z",
                                "--stop=2026-03-20T00:10:00Z", "--step=300"},
                               out, log),
              IsOk());
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u + 5 * 3);  // 5 satellites at 0, 5, 10 min
  EXPECT_EQ(lines[0], "satellite,utc,x_km,y_km,z_km,vx_km_s,vy_km_s,vz_km_s");
  EXPECT_THAT(lines[1], StartsWith("POLAR-SSO,2026-03-20T00:00:00.000Z,"));
  EXPECT_THAT(lines[3], StartsWith("POLAR-SSO,2026-03-20T00:10:00.000Z,"));
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(lines[1], ',')).size(), 8u);

  std::ostringstream sum;
  ASSERT_THAT(PropagateCommand({std::string("--tle=") + kTle,
                                "--start=2026-03-20T00:00:00Z",
                                "--stop=2026-03-20T00:10:00Z", "--step=300",
                                "--checksum"},
                               sum, log),
              IsOk());
  EXPECT_THAT(sum.str(), StartsWith("states=15 checksum="));
  EXPECT_EQ(Lines(sum.str()).size(), 1u);
}

TEST(OrbitCommandsTest, ContactsWritesGroundAndIslRows) {
  std::ostringstream out, log;
  ASSERT_THAT(
      ContactsCommand({std::string("--tle=") + kTle,
                       "--stations=tests/orbit/testdata/windows_fixture_stations.csv",
                       "--isl-max-range-km=40000", "--start=2026-03-20T00:00:00Z",
                       "--stop=2026-03-20T12:00:00Z"},
                      out, log),
      IsOk());
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_GT(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "kind,a,b,start_utc,end_utc,duration_s,max_elevation_deg,rate_bps");
  int ground = 0, isl = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    ground += absl::StartsWith(lines[i], "ground,");
    isl += absl::StartsWith(lines[i], "isl,");
  }
  EXPECT_GT(ground, 0);
  EXPECT_GT(isl, 0);
  EXPECT_EQ(ground + isl + 1, static_cast<int>(lines.size()));
  EXPECT_THAT(log.str(), HasSubstr("ground windows"));
}

TEST(OrbitCommandsTest, BadInvocationsSayWhatIsWrong) {
  std::ostringstream out, log;
  EXPECT_THAT(ContactsCommand({std::string("--tle=") + kTle,
                               "--start=2026-03-20T00:00:00Z",
                               "--stop=2026-03-20T12:00:00Z"},
                              out, log),
              StatusIs(absl::StatusCode::kInvalidArgument, "nothing to compute"));
  EXPECT_THAT(PropagateCommand({std::string("--tle=") + kTle,
                                "--start=2026-03-20T00:00:00Z",
                                "--stop=2026-03-19T00:00:00Z"},
                               out, log),
              StatusIs(absl::StatusCode::kInvalidArgument, "--stop"));
  EXPECT_THAT(PropagateCommand({"--tle=/nonexistent.tle",
                                "--start=2026-03-20T00:00:00Z",
                                "--stop=2026-03-21T00:00:00Z"},
                               out, log),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent.tle"));
  EXPECT_THAT(PropagateCommand({"--tle", "--bogus=1"}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument, "--bogus"));
}

}  // namespace
}  // namespace orbitfl::sim
