#include "node/tile_store.h"

#include <set>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace orbitfl::node {
namespace {

TEST(TileStoreTest, EvictsTheOldestTileWhenFull) {
  TileStore store(/*pixels=*/2, /*bands=*/1, /*capacity=*/3);
  for (int i = 0; i < 5; ++i) {
    std::vector<float> tile(4, static_cast<float>(i));
    store.Add(tile.data(), i);
  }
  EXPECT_EQ(store.size(), 3);
  EXPECT_EQ(store.captured(), 5);
  EXPECT_EQ(store.evicted(), 2);
  // Tiles 0 and 1 are gone; 2, 3, 4 remain with their own pixels.
  std::set<int64_t> labels(store.tiles().y.begin(), store.tiles().y.end());
  EXPECT_EQ(labels, (std::set<int64_t>{2, 3, 4}));
  for (int64_t i = 0; i < store.size(); ++i) {
    EXPECT_EQ(store.tiles().x[i * 4], static_cast<float>(store.tiles().y[i]));
  }
}

TEST(TileStoreTest, KeepsMetadataAndKnowsTheCaptureOrder) {
  TileStore store(/*pixels=*/1, /*bands=*/1, /*capacity=*/3);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_TRUE(store.CaptureOrder().empty());
  for (int i = 0; i < 2; ++i) {
    const float v = static_cast<float>(i);
    store.Add(&v, i, {t0 + absl::Seconds(i), 1.0 * i, 0, 0, 0});
  }
  EXPECT_EQ(store.CaptureOrder(), (std::vector<int64_t>{0, 1}));
  for (int i = 2; i < 7; ++i) {
    const float v = static_cast<float>(i);
    store.Add(&v, i, {t0 + absl::Seconds(i), 1.0 * i, 0, 0, 0});
  }
  // Tiles 4, 5, 6 remain; oldest first.
  ASSERT_EQ(store.meta().size(), 3u);
  std::vector<int64_t> labels;
  for (int64_t slot : store.CaptureOrder()) {
    labels.push_back(store.tiles().y[slot]);
    EXPECT_EQ(store.meta()[slot].lat_deg, store.tiles().y[slot]);
    EXPECT_EQ(store.meta()[slot].time, t0 + absl::Seconds(store.tiles().y[slot]));
  }
  EXPECT_EQ(labels, (std::vector<int64_t>{4, 5, 6}));
}

}  // namespace
}  // namespace orbitfl::node
