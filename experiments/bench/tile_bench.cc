// Tiles synthesised per second on one core (32x32x4, 30 m, clouds and
// their shadows, sensor noise) next to the tiles per second that local
// training of the default CNN consumes (batch 32, one LibTorch thread, as
// on board). Run:
//   bazel run -c opt //experiments/bench:tile_bench
// and compare the two tiles_per_s counters.

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>

#include "absl/time/time.h"
#include "node/dataset.h"
#include "node/model.h"
#include "node/trainer.h"
#include "sim/world/clouds.h"
#include "sim/world/land_cover.h"
#include "sim/world/tile.h"

namespace orbitfl {
namespace {

const world::LandCoverMap& Earth() {
  static const world::LandCoverMap* map = [] {
    auto m = world::LandCoverMap::Create(world::kDefaultEarthImage);
    if (!m.ok()) std::abort();
    return m->release();
  }();
  return *map;
}

// Tiles along a sweep of places and times, as a constellation sees them.
void BM_TileSynthesis(benchmark::State& state) {
  world::CloudField clouds(&Earth(), world::CloudOptions{}, 1);
  world::TileSynthesizer synth(&Earth(), &clouds, world::TileOptions{}, 1);
  const absl::Time t0 = absl::FromUnixSeconds(1774008000);
  int64_t k = 0;
  for (auto _ : state) {
    const double lat = 80 * std::sin(0.0011 * k);
    const double lon = std::fmod(0.37 * k, 360.0) - 180;
    world::Tile tile = synth.Synthesize(lat, lon, t0 + absl::Seconds(60 * k));
    benchmark::DoNotOptimize(tile.pixels.data());
    ++k;
  }
  state.counters["tiles_per_s"] =
      benchmark::Counter(static_cast<double>(k), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TileSynthesis)->Unit(benchmark::kMicrosecond);

void BM_TrainingConsumption(benchmark::State& state) {
  node::TrainerOptions o;
  o.spec.num_classes = world::kNumLandCoverClasses;
  o.local_steps = 20;
  o.batch_size = 32;
  auto trainer = node::LocalTrainer::Create(o);
  auto model = node::InitialModel(o.spec, 1);
  if (!trainer.ok() || !model.ok()) std::abort();
  node::TileDataset data;
  data.pixels = 32;
  data.bands = world::kTileBands;
  std::mt19937_64 gen(1);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> tile(data.tile_values());
  for (int i = 0; i < 256; ++i) {
    for (float& v : tile) v = u(gen);
    data.Add(tile.data(), i % world::kNumLandCoverClasses);
  }
  int64_t tiles = 0;
  for (auto _ : state) {
    auto r = (*trainer)->Train(*model, data, gen);
    if (!r.ok()) std::abort();
    tiles += o.local_steps * o.batch_size;
  }
  state.counters["tiles_per_s"] =
      benchmark::Counter(static_cast<double>(tiles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TrainingConsumption)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orbitfl

BENCHMARK_MAIN();
