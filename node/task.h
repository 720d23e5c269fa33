#ifndef ORBITFL_NODE_TASK_H_
#define ORBITFL_NODE_TASK_H_

// What the satellites learn from their tiles. Land cover: the majority
// class of the footprint (EuroSAT-like), on tiles clear enough to see the
// ground. Cloud detection (the task first trained in orbit): cloudy or
// clear.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sim/world/tile.h"

namespace orbitfl::node {

enum class Task { kLandCover, kCloud };

struct TaskOptions {
  Task task = Task::kLandCover;
  // Land cover: tiles with more cloud than this are screened out on board
  // (there is no ground to label under them).
  double max_cloud_fraction = 0.2;
  // Cloud detection: a tile is "cloudy" when at least this share of its
  // pixels is under opaque cloud.
  double cloudy_fraction = 0.5;
};

// "landcover" or "cloud"; InvalidArgument naming the valid names.
absl::StatusOr<Task> ParseTask(std::string_view name);
const char* TaskName(Task task);
int NumClasses(Task task);
// Class name of a label ("water", ..., or "clear"/"cloudy").
std::string ClassName(Task task, int64_t label);

// The tile's label for the task, or nullopt when it is no example of it
// (land cover under too much cloud).
std::optional<int64_t> LabelOf(const TaskOptions& options,
                               const world::Tile& tile);

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_TASK_H_
