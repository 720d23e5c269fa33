#include "sim/dataset.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/task.h"
#include "sim/env.h"
#include "sim/scenario.h"
#include "sim/world/image_io.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

// Two satellites, two daylight-rich hours, tiles every 30 s.
constexpr char kScenario[] = R"pb(
  seed: 3
  epoch_utc: "2026-06-01T00:00:00Z"
  duration_hours: 2
  constellation {
    walker_delta { total: 2 planes: 2 phasing: 0 altitude_km: 550 inclination_deg: 97.6 }
  }
  stations { name: "Svalbard" lat_deg: 78.23 lon_deg: 15.39 }
  world { tile_pixels: 16 gsd_m: 60 }
  sensor { capture_interval_s: 30 max_tiles: 1000 }
)pb";

proto::Scenario Scenario(const std::string& task) {
  auto s = ParseScenario(kScenario, "dataset_test.textproto", Env::Default());
  EXPECT_THAT(s, IsOk());
  s->mutable_training()->set_task(task);
  EXPECT_THAT(FinalizeScenario(*s, "test"), IsOk());
  return *s;
}

TEST(CollectTilesTest, LandCoverTilesAreClearLabelledAndSplit) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(CollectedTiles c,
                               CollectTiles(Scenario("landcover"), {}));
  ASSERT_GT(c.tiles.size(), 20);
  EXPECT_EQ(c.tiles.pixels, 16);
  EXPECT_EQ(c.tiles.bands, 4);
  ASSERT_EQ(c.meta.size(), static_cast<size_t>(c.tiles.size()));
  ASSERT_EQ(c.test.size(), static_cast<size_t>(c.tiles.size()));
  int test = 0;
  std::set<int> sats;
  for (int64_t i = 0; i < c.tiles.size(); ++i) {
    EXPECT_LE(c.meta[i].cloud_fraction, 0.2);
    EXPECT_GE(c.meta[i].sun_elevation_deg, 9.5);
    EXPECT_GE(c.tiles.y[i], 0);
    EXPECT_LT(c.tiles.y[i], 6);
    test += c.test[i];
    sats.insert(c.satellite[i]);
    if (i > 0 && c.satellite[i] == c.satellite[i - 1]) {
      EXPECT_GT(c.meta[i].time, c.meta[i - 1].time);  // capture order
    }
  }
  EXPECT_EQ(sats.size(), 2u);
  EXPECT_GT(test, 0);
  EXPECT_LT(test, c.tiles.size() / 2);
}

TEST(CollectTilesTest, IsDeterministicAndFiltersBySatellite) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(CollectedTiles a,
                               CollectTiles(Scenario("cloud"), {}));
  ORBITFL_ASSERT_OK_AND_ASSIGN(CollectedTiles b,
                               CollectTiles(Scenario("cloud"), {}));
  EXPECT_EQ(a.tiles.x, b.tiles.x);
  EXPECT_EQ(a.tiles.y, b.tiles.y);
  EXPECT_EQ(a.test, b.test);
  // Cloud detection keeps every daylight tile; both labels occur.
  EXPECT_EQ(std::set<int64_t>(a.tiles.y.begin(), a.tiles.y.end()),
            (std::set<int64_t>{0, 1}));
  for (int64_t i = 0; i < a.tiles.size(); ++i) {
    EXPECT_EQ(a.tiles.y[i], a.meta[i].cloud_fraction >= 0.5 ? 1 : 0);
  }
  CollectOptions one;
  one.satellite = a.satellite_names[1];
  ORBITFL_ASSERT_OK_AND_ASSIGN(CollectedTiles c,
                               CollectTiles(Scenario("cloud"), one));
  EXPECT_GT(c.tiles.size(), 0);
  EXPECT_LT(c.tiles.size(), a.tiles.size());
  for (int s : c.satellite) EXPECT_EQ(s, 1);
  one.satellite = "no-such-sat";
  EXPECT_THAT(CollectTiles(Scenario("cloud"), one),
              StatusIs(absl::StatusCode::kNotFound, "no-such-sat"));
}

// Seasons shape what a polar orbit sees: the Sun lights the Arctic in June
// and the Antarctic in December, so the ice tiles come from opposite poles.
TEST(CollectTilesTest, DataIsNonIidBySeason) {
  auto ice_latitude = [](const char* epoch) {
    proto::Scenario s = Scenario("landcover");
    s.set_epoch_utc(epoch);
    s.set_duration_hours(12);
    s.mutable_sensor()->set_capture_interval_s(20);
    auto c = CollectTiles(s, {});
    EXPECT_THAT(c, IsOk());
    double sum = 0;
    int n = 0;
    for (int64_t i = 0; i < c->tiles.size(); ++i) {
      if (c->tiles.y[i] != 1) continue;  // ice
      sum += c->meta[i].lat_deg;
      ++n;
    }
    EXPECT_GT(n, 5) << epoch;
    return n > 0 ? sum / n : 0.0;
  };
  EXPECT_GT(ice_latitude("2026-06-21T00:00:00Z"), 50);
  EXPECT_LT(ice_latitude("2026-12-21T00:00:00Z"), -50);
}

node::TileDataset Synthetic(const std::vector<std::vector<float>>& means,
                            const std::vector<int64_t>& labels) {
  node::TileDataset d;
  d.pixels = 2;
  d.bands = 2;
  for (size_t i = 0; i < labels.size(); ++i) {
    std::vector<float> t;
    for (int p = 0; p < 4; ++p) {
      t.push_back(means[i][0]);
      t.push_back(means[i][1]);
    }
    d.Add(t.data(), labels[i]);
  }
  return d;
}

TEST(NearestClassMeanTest, ClassifiesByBandMeansAndScoresBalanced) {
  const node::TileDataset train =
      Synthetic({{0.1f, 0.1f}, {0.2f, 0.1f}, {0.8f, 0.9f}, {0.9f, 0.8f}},
                {0, 0, 1, 1});
  // Three of class 0 (one misplaced near class 1) and one of class 1.
  const node::TileDataset test = Synthetic(
      {{0.1f, 0.2f}, {0.15f, 0.1f}, {0.7f, 0.8f}, {0.9f, 0.9f}}, {0, 0, 0, 1});
  const Accuracy a = NearestClassMean(train, test, 2);
  EXPECT_EQ(a.examples, 4);
  EXPECT_DOUBLE_EQ(a.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(a.balanced, (2.0 / 3 + 1.0) / 2);
}

TEST(PreviewPngTest, DrawsOneRowPerClass) {
  const node::TileDataset d =
      Synthetic({{0.1f, 0.1f}, {0.2f, 0.1f}, {0.8f, 0.9f}}, {0, 1, 1});
  EXPECT_THAT(PreviewPng(d, 2, 4),
              StatusIs(absl::StatusCode::kInvalidArgument, "3 bands"));
  node::TileDataset rgb;
  rgb.pixels = 4;
  rgb.bands = 4;
  std::vector<float> tile(64, 0.2f);
  for (int k = 0; k < 5; ++k) rgb.Add(tile.data(), k % 3);
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::string png, PreviewPng(rgb, 3, 4));
  ORBITFL_ASSERT_OK_AND_ASSIGN(world::Image image,
                               world::DecodePng(png, "preview.png"));
  EXPECT_EQ(image.channels, 3);
  EXPECT_EQ(image.height, 3 * (8 + 3) + 3);
  EXPECT_EQ(image.width, 4 * (8 + 3) + 3);
}

}  // namespace
}  // namespace orbitfl::sim
