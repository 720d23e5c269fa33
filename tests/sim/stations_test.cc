#include "sim/stations.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

constexpr char kHeader[] = "name,lat_deg,lon_deg,alt_m,min_elevation_deg\n";
constexpr char kWithAntennas[] =
    "name,lat_deg,lon_deg,alt_m,min_elevation_deg,antennas\n";

TEST(StationsTest, ShippedThirteenStationNetworkLoads) {
  auto stations = LoadStationsCsv("experiments/data/ground_stations_13.csv",
                                  Env::Default());
  ASSERT_THAT(stations, IsOk());
  ASSERT_EQ(stations->size(), 13u);
  EXPECT_EQ((*stations)[0].name(), "SiouxFalls");
  EXPECT_DOUBLE_EQ((*stations)[8].lat_deg(), 69.65);  // Tromso
  EXPECT_EQ((*stations)[8].min_elevation_deg(), 0);
}

TEST(StationsTest, EmptyOptionalFieldsTakeDefaultsAndCommentsAreSkipped) {
  auto s = ParseStationsCsv(
      std::string("# a network\n") + kHeader + "A,10,20,,\n", "s.csv");
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ((*s)[0].alt_m(), 0);
  EXPECT_EQ((*s)[0].min_elevation_deg(), 10);
}

TEST(StationsTest, ErrorsNameFileLineAndField) {
  EXPECT_THAT(ParseStationsCsv("name,lat\n", "s.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "s.csv:1: expected the header"));
  EXPECT_THAT(ParseStationsCsv(std::string(kHeader) + "A,1,2\n", "s.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "s.csv:2: expected 5 fields"));
  EXPECT_THAT(
      ParseStationsCsv(std::string(kHeader) + "A,north,2,0,5\n", "s.csv"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "s.csv:2: lat_deg: expected a number, got \"north\""));
  EXPECT_THAT(
      ParseStationsCsv(std::string(kHeader) + "A,1,2,0,5\nB,95,2,0,5\n",
                       "s.csv"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "s.csv:3: lat_deg: expected a latitude in [-90, 90], got 95"));
  EXPECT_THAT(ParseStationsCsv("", "s.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument, "s.csv: empty"));
  EXPECT_THAT(LoadStationsCsv("/nonexistent/s.csv", Env::Default()),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/s.csv"));
}

TEST(StationsTest, AntennasAreAnOptionalColumnDefaultingToOne) {
  auto plain = ParseStationsCsv(std::string(kHeader) + "A,1,2,0,5\n", "s.csv");
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ((*plain)[0].antennas(), 1);
  auto with = ParseStationsCsv(
      std::string(kWithAntennas) + "A,1,2,0,5,3\nB,1,2,0,5,\n", "s.csv");
  ASSERT_THAT(with, IsOk());
  EXPECT_EQ((*with)[0].antennas(), 3);
  EXPECT_EQ((*with)[1].antennas(), 1);
  EXPECT_THAT(ParseStationsCsv(
                  std::string(kWithAntennas) + "A,1,2,0,5,two\n", "s.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "s.csv:2: antennas: expected a whole number"));
  EXPECT_THAT(ParseStationsCsv(
                  std::string(kWithAntennas) + "A,1,2,0,5,-1\n", "s.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "s.csv:2: antennas: expected an antenna count"));
  EXPECT_THAT(ParseStationsCsv(
                  std::string(kWithAntennas) + "A,1,2,0,5\n", "s.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "s.csv:2: expected 6 fields"));
}

TEST(StationsTest, ScenarioStationsFileIsRelativeToTheScenario) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  Env* env = Env::Default();
  ASSERT_THAT(env->CreateDirs(dir + "/sc"), IsOk());
  ASSERT_THAT(env->WriteFile(dir + "/sc/net.csv",
                             std::string(kHeader) + "Kiruna,67.86,20.96,400,5\n"),
              IsOk());
  ASSERT_THAT(env->WriteFile(dir + "/sc/s.textproto", R"pb(
    constellation { walker_star { total: 4 planes: 2 altitude_km: 500 inclination_deg: 90 } }
    stations { name: "Svalbard" lat_deg: 78.2 lon_deg: 15.4 }
    stations_file: "net.csv"
  )pb"),
              IsOk());
  auto s = LoadScenario(dir + "/sc/s.textproto", env);
  ASSERT_THAT(s, IsOk());
  ASSERT_EQ(s->stations_size(), 2);
  EXPECT_EQ(s->stations(1).name(), "Kiruna");
  EXPECT_EQ(s->stations(1).min_elevation_deg(), 5);

  ASSERT_THAT(env->WriteFile(dir + "/sc/dup.textproto", R"pb(
    constellation { walker_star { total: 4 planes: 2 altitude_km: 500 inclination_deg: 90 } }
    stations { name: "Kiruna" lat_deg: 78.2 lon_deg: 15.4 }
    stations_file: "net.csv"
  )pb"),
              IsOk());
  EXPECT_THAT(LoadScenario(dir + "/sc/dup.textproto", env),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "stations[1].name: expected a unique name"));
}

}  // namespace
}  // namespace orbitfl::sim
