#ifndef ORBITFL_SIM_DATASET_H_
#define ORBITFL_SIM_DATASET_H_

// What the satellites of a scenario collect, without the federation: each
// satellite's sensor runs over the whole scenario, and the tiles left in
// its storage make the dataset that `orbitfl dataset` exports, measures and
// previews.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/dataset.h"
#include "node/task.h"
#include "node/tile_store.h"
#include "proto/scenario.pb.h"

namespace orbitfl::sim {

struct CollectedTiles {
  node::Task task = node::Task::kLandCover;
  std::vector<std::string> satellite_names;
  node::TileDataset tiles;
  // Per tile, aligned with tiles: the satellite's index, where and when it
  // was taken, and whether it is held out for testing.
  std::vector<int> satellite;
  std::vector<node::TileMeta> meta;
  std::vector<bool> test;
};

struct CollectOptions {
  // Only this satellite's tiles; empty for all.
  std::string satellite;
  // Share of tiles held out as the test split (seeded per tile).
  double test_fraction = 0.2;
  // Progress lines, or null.
  std::ostream* progress = nullptr;
};

// Runs every satellite's sensor from the scenario's epoch to its end.
// NotFound listing the names when `satellite` names none of them.
absl::StatusOr<CollectedTiles> CollectTiles(const proto::Scenario& scenario,
                                            const CollectOptions& options);

struct Accuracy {
  double accuracy = 0;
  // Mean of per-class recall over the classes present in the test set.
  double balanced = 0;
  int64_t examples = 0;
};

// Accuracy of predictions against labels.
Accuracy Score(const std::vector<int64_t>& predicted,
               const std::vector<int64_t>& labels, int num_classes);

// The colour-histogram baseline: each tile reduced to its per-band means,
// classified by the nearest class mean of the training tiles.
Accuracy NearestClassMean(const node::TileDataset& train,
                          const node::TileDataset& test, int num_classes);

// A picture of the dataset: one row per class, up to `per_class` tiles
// each in true colour (R, G, B, brightened), as PNG bytes.
absl::StatusOr<std::string> PreviewPng(const node::TileDataset& tiles,
                                       int num_classes, int per_class);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_DATASET_H_
