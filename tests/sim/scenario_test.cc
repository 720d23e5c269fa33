#include "sim/scenario.h"

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kValid[] = R"pb(
  seed: 3
  epoch_utc: "2026-03-20T00:00:00Z"
  duration_hours: 6
  constellation {
    walker_delta { total: 6 planes: 2 phasing: 1 altitude_km: 550 inclination_deg: 97.6 }
  }
  stations { name: "Svalbard" lat_deg: 78.23 lon_deg: 15.39 }
)pb";

TEST(ScenarioTest, ValidScenarioGetsDocumentedDefaults) {
  auto s = ParseScenario(kValid, "dir/mini.textproto", Env::Default());
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->name(), "mini");
  EXPECT_EQ(s->stations(0).min_elevation_deg(), 10);
  EXPECT_EQ(s->link().downlink_rate_bps(), 1e6);
  EXPECT_EQ(s->link().uplink_rate_bps(), 256e3);
  EXPECT_EQ(s->world().tile_pixels(), 32);
  EXPECT_EQ(s->world().earth_image(), "/usr/share/xplanet/images/earth.jpg");
  EXPECT_EQ(s->federation().strategy(), "fedavg");
  EXPECT_EQ(s->constellation().walker_delta().name_prefix(), "sat");
  // The link model.
  EXPECT_EQ(s->stations(0).antennas(), 1);
  EXPECT_EQ(s->link().pass_outage_probability(), 0);
  EXPECT_EQ(s->link().backhaul_delay_s(), 0.05);
  EXPECT_EQ(s->link().isl().topology(), "none");
  EXPECT_EQ(s->link().isl().rate_bps(), 100e6);
  EXPECT_FALSE(s->link().isl().relay());
  // Strategies.
  EXPECT_EQ(s->training().proximal_mu(), 0);
  EXPECT_EQ(s->federation().buffer_size(), 0);  // 10, or fewer satellites
  EXPECT_EQ(s->federation().server_optimizer(), "sgd");
  EXPECT_EQ(s->federation().server_lr(), 1);
  EXPECT_EQ(s->federation().dp().clip_norm(), 0);
  EXPECT_EQ(s->federation().dp().delta(), 1e-5);
  EXPECT_EQ(s->evaluation().target_accuracy(), 0.6);
}

TEST(ScenarioTest, StrategyDefaultsFollowTheStrategy) {
  std::string text = kValid;
  text += "federation { strategy: \"fedprox\" server_optimizer: \"adam\" }\n";
  text += "link { isl { topology: \"same_plane\" } }\n";
  auto s = ParseScenario(text, "f.textproto", Env::Default());
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->training().proximal_mu(), 0.01);
  EXPECT_EQ(s->federation().server_lr(), 0.01);
  EXPECT_TRUE(s->link().isl().relay());
}

TEST(ScenarioTest, UnknownFieldNamesFileLineAndField) {
  const std::string text = std::string(kValid) + "\nwarp_drive: true\n";
  EXPECT_THAT(ParseScenario(text, "bad.textproto", Env::Default()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "bad.textproto: line 10, column 1"));
  EXPECT_THAT(ParseScenario(text, "bad.textproto", Env::Default()).status().message(),
              HasSubstr("warp_drive"));
}

TEST(ScenarioTest, NegativeAltitudeIsRefused) {
  std::string text = kValid;
  text.replace(text.find("altitude_km: 550"), 16, "altitude_km: -5");
  auto s = ParseScenario(text, "neg.textproto", Env::Default());
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "neg.textproto: constellation.walker_delta."
                          "altitude_km: expected an altitude in km in "
                          "[100, 100000], got -5"));
}

TEST(ScenarioTest, StationLatitudeOutOfRangeIsRefused) {
  std::string text = kValid;
  text.replace(text.find("lat_deg: 78.23"), 14, "lat_deg: 95");
  EXPECT_THAT(ParseScenario(text, "lat.textproto", Env::Default()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "lat.textproto: stations[0].lat_deg: expected a "
                       "latitude in [-90, 90], got 95"));
}

TEST(ScenarioTest, OtherFieldErrorsNameTheirField) {
  const struct {
    const char* from;
    const char* to;
    const char* field;
  } cases[] = {
      {"planes: 2", "planes: 4", "walker_delta.planes"},
      {"epoch_utc: \"2026-03-20T00:00:00Z\"", "epoch_utc: \"yesterday\"",
       "epoch_utc"},
      {"duration_hours: 6", "duration_hours: -1", "duration_hours"},
      {"lon_deg: 15.39", "lon_deg: 200", "stations[0].lon_deg"},
      {"lon_deg: 15.39", "lon_deg: 15.39 antennas: -2",
       "stations[0].antennas: expected an antenna count"},
      {"seed: 3", "seed: 3 link { pass_outage_probability: 1.5 }",
       "link.pass_outage_probability"},
      {"seed: 3", "seed: 3 link { backhaul_delay_s: -1 }",
       "link.backhaul_delay_s"},
      {"seed: 3", "seed: 3 link { isl { topology: \"mesh\" } }",
       "link.isl.topology: expected one of: none, same_plane, plus_grid, any"},
      {"seed: 3", "seed: 3 link { isl { topology: \"any\" rate_bps: -5 } }",
       "link.isl.rate_bps"},
      {"seed: 3", "seed: 3 federation { strategy: \"fedsgd\" }",
       "federation.strategy: expected one of: fedavg, fedprox, fedasync"},
      {"seed: 3", "seed: 3 federation { strategy: \"hierarchical\" }",
       "link.isl.aggregate_in_plane: expected inter-satellite links that "
       "relay updates"},
      {"seed: 3",
       "seed: 3 link { isl { topology: \"any\" relay: false "
       "aggregate_in_plane: true } }",
       "relay false"},
      {"seed: 3", "seed: 3 federation { robust { rule: \"krum\" } }",
       "federation.robust.rule: expected one of: mean, median, trimmed_mean"},
      {"seed: 3", "seed: 3 federation { robust { trim_fraction: 0.5 } }",
       "federation.robust.trim_fraction"},
      {"seed: 3",
       "seed: 3 federation { strategy: \"fedasync\" robust { rule: \"median\" } }",
       "federation.robust: expected nothing with fedasync"},
      {"seed: 3", "seed: 3 adversary { satellites: \"sat-00-01\" kind: \"lie\" }",
       "adversary.kind: expected one of: scale, sign_flip"},
      {"seed: 3", "seed: 3 federation { server_optimizer: \"lamb\" }",
       "federation.server_optimizer"},
      {"seed: 3", "seed: 3 federation { dp { clip_norm: 1 delta: 2 } }",
       "federation.dp.delta"},
      {"seed: 3", "seed: 3 training { proximal_mu: -1 }",
       "training.proximal_mu"},
      {"seed: 3", "seed: 3 evaluation { target_accuracy: 1.5 }",
       "evaluation.target_accuracy"},
  };
  for (const auto& c : cases) {
    std::string text = kValid;
    text.replace(text.find(c.from), std::string(c.from).size(), c.to);
    EXPECT_THAT(ParseScenario(text, "f.textproto", Env::Default()),
                StatusIs(absl::StatusCode::kInvalidArgument, c.field))
        << c.to;
  }
  std::string no_stations = kValid;
  no_stations.erase(no_stations.find("stations"));
  EXPECT_THAT(ParseScenario(no_stations, "f.textproto", Env::Default()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "stations: expected at least one ground station"));
}

TEST(ScenarioTest, MissingFileIsNotFoundWithItsPath) {
  EXPECT_THAT(LoadScenario("/nonexistent/scenario.textproto", Env::Default()),
              StatusIs(absl::StatusCode::kNotFound,
                       "/nonexistent/scenario.textproto"));
}

TEST(ScenarioTest, ShippedScenariosAreValid) {
  int checked = 0;
  for (const char* dir :
       {"experiments/scenarios", "experiments/scenarios/papers"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".textproto") continue;
      EXPECT_THAT(LoadScenario(entry.path().string(), Env::Default()), IsOk())
          << entry.path();
      ++checked;
    }
  }
  EXPECT_GE(checked, 6);  // demo, tiny, walker100 and the three papers
}

}  // namespace
}  // namespace orbitfl::sim
