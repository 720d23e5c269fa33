#include "node/tile_store.h"

#include <set>
#include <vector>

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

}  // namespace
}  // namespace orbitfl::node
