#ifndef ORBITFL_SIM_TEST_SET_H_
#define ORBITFL_SIM_TEST_SET_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/dataset.h"
#include "node/task.h"
#include "sim/world/tile.h"

namespace orbitfl::sim {

// The held-out global test set: tiles a satellite could have taken (in
// daylight, the Sun at least `min_sun_elevation_deg` high, and an example
// of the task) at points drawn uniformly over the sphere and times
// uniformly in [start, stop), kept until every class of the task has
// count / classes tiles (balanced, so always guessing one class scores
// 1 / classes). Its random stream (`stream` of entity "ground") is
// separate from every satellite's; other streams draw other sets, such as
// the ground archive an encoder is pre-trained on.
// FailedPrecondition naming the class when the world has too little of
// one to fill its share.
absl::StatusOr<node::TileDataset> BalancedTestSet(
    const world::TileSynthesizer& tiles, const node::TaskOptions& task,
    double min_sun_elevation_deg, int count, absl::Time start, absl::Time stop,
    uint64_t seed, uint64_t stream = 2);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_TEST_SET_H_
