#include "node/task.h"

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace orbitfl::node {

absl::StatusOr<Task> ParseTask(std::string_view name) {
  if (name == "landcover") return Task::kLandCover;
  if (name == "cloud") return Task::kCloud;
  return absl::InvalidArgumentError(absl::StrCat(
      "task: expected \"landcover\" or \"cloud\", got \"", std::string(name), "\""));
}

const char* TaskName(Task task) {
  return task == Task::kCloud ? "cloud" : "landcover";
}

int NumClasses(Task task) {
  return task == Task::kCloud ? 2 : world::kNumLandCoverClasses;
}

std::string ClassName(Task task, int64_t label) {
  if (task == Task::kCloud) return label == 1 ? "cloudy" : "clear";
  if (label < 0 || label >= world::kNumLandCoverClasses) {
    return absl::StrCat("class_", label);
  }
  return world::LandCoverName(static_cast<world::LandCover>(label));
}

std::optional<int64_t> LabelOf(const TaskOptions& options,
                               const world::Tile& tile) {
  if (options.task == Task::kCloud) {
    return tile.cloud_fraction >= options.cloudy_fraction ? 1 : 0;
  }
  if (tile.cloud_fraction > options.max_cloud_fraction) return std::nullopt;
  return static_cast<int64_t>(tile.label);
}

}  // namespace orbitfl::node
