#include "sim/test_set.h"

#include <cmath>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"

namespace orbitfl::sim {

absl::StatusOr<node::TileDataset> BalancedTestSet(
    const world::TileSynthesizer& tiles, int count, absl::Time start,
    absl::Time stop, uint64_t seed) {
  constexpr int kClasses = world::kNumLandCoverClasses;
  std::vector<int> quota(kClasses, count / kClasses);
  for (int c = 0; c < count % kClasses; ++c) ++quota[c];
  // Stream 2 of entity "test set" (satellites use entity = their index).
  std::seed_seq seq{seed, uint64_t{0xFFFFFFFF}, uint64_t{2}};
  std::mt19937_64 gen(seq);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double span_s = absl::ToDoubleSeconds(stop - start);

  node::TileDataset data;
  data.pixels = tiles.options().pixels;
  data.bands = world::kTileBands;
  int missing = count;
  const int64_t max_draws = 2000LL * count;
  for (int64_t draw = 0; missing > 0 && draw < max_draws; ++draw) {
    const double lat_deg = std::asin(2 * unit(gen) - 1) * 180.0 / M_PI;
    const double lon_deg = 360.0 * unit(gen) - 180.0;
    const absl::Time t = start + absl::Seconds(span_s * unit(gen));
    const world::Tile tile = tiles.Synthesize(lat_deg, lon_deg, t);
    int& left = quota[static_cast<int>(tile.label)];
    if (left == 0) continue;
    --left;
    --missing;
    data.Add(tile.pixels.data(), static_cast<int64_t>(tile.label));
  }
  for (int c = 0; c < kClasses; ++c) {
    if (quota[c] > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "test set: the land-cover map has too little ",
          world::LandCoverName(static_cast<world::LandCover>(c)),
          " to draw ", count / kClasses, " test tiles of it"));
    }
  }
  return data;
}

}  // namespace orbitfl::sim
