#include "sim/test_set.h"

#include <cmath>
#include <optional>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "orbit/frames.h"
#include "orbit/sun.h"

namespace orbitfl::sim {

absl::StatusOr<node::TileDataset> BalancedTestSet(
    const world::TileSynthesizer& tiles, const node::TaskOptions& task,
    double min_sun_elevation_deg, int count, absl::Time start, absl::Time stop,
    uint64_t seed, uint64_t stream) {
  const int classes = node::NumClasses(task.task);
  std::vector<int> quota(classes, count / classes);
  for (int c = 0; c < count % classes; ++c) ++quota[c];
  // Stream 2 of entity "test set" (satellites use entity = their index).
  std::seed_seq seq{seed, uint64_t{0xFFFFFFFF}, stream};
  std::mt19937_64 gen(seq);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double span_s = absl::ToDoubleSeconds(stop - start);
  const double min_sun_rad = min_sun_elevation_deg * orbit::kDegToRad;

  node::TileDataset data;
  data.pixels = tiles.options().pixels;
  data.bands = world::kTileBands;
  int missing = count;
  // Lit cities cover ~0.3% of the Earth: a balanced land-cover set draws
  // ~100 / 0.003 points per urban tile it needs.
  const int64_t max_draws = 5000LL * count;
  for (int64_t draw = 0; missing > 0 && draw < max_draws; ++draw) {
    const double lat_deg = std::asin(2 * unit(gen) - 1) * 180.0 / M_PI;
    const double lon_deg = 360.0 * unit(gen) - 180.0;
    const absl::Time t = start + absl::Seconds(span_s * unit(gen));
    // The map's class at the centre is cheap and almost always the tile's
    // label: skip classes whose quota is full before the Sun's position and
    // the synthesis (the order of the two filters changes nothing drawn).
    if (task.task == node::Task::kLandCover &&
        quota[static_cast<int>(tiles.map().ClassAt(lat_deg, lon_deg))] == 0) {
      continue;
    }
    const orbit::Geodetic ground{lat_deg * orbit::kDegToRad,
                                 lon_deg * orbit::kDegToRad, 0};
    if (orbit::SunElevationRad(ground, t) < min_sun_rad) continue;
    const world::Tile tile = tiles.Synthesize(lat_deg, lon_deg, t);
    const std::optional<int64_t> label = node::LabelOf(task, tile);
    if (!label) continue;
    int& left = quota[*label];
    if (left == 0) continue;
    --left;
    --missing;
    data.Add(tile.pixels.data(), *label);
  }
  for (int c = 0; c < classes; ++c) {
    if (quota[c] > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "test set: the world has too little ", node::ClassName(task.task, c),
          " to draw ", count / classes, " test tiles of it"));
    }
  }
  return data;
}

}  // namespace orbitfl::sim
