// SGP4 throughput: states per second for a few hundred LEO TLEs over one
// day at 60 s steps, through the scalar propagator and the batch.
//
//   bazel run -c opt //experiments/bench:sgp4_bench

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "orbit/frames.h"
#include "orbit/sgp4.h"
#include "orbit/sgp4_batch.h"
#include "orbit/tle.h"

namespace orbitfl::orbit {
namespace {

constexpr int kStepsPerDay = 1440;  // 60 s steps

// A deterministic LEO population: 400-1200 km, near-circular, in the
// inclinations real constellations use, with drag. Each set goes through
// FormatTle and ParseTles, as a file of real TLEs would.
std::vector<Tle> LeoTles(int count) {
  const double inclinations_deg[] = {53.0, 97.6, 70.0, 87.9, 43.0, 51.6};
  const absl::Time epoch =
      absl::FromCivil(absl::CivilSecond(2026, 3, 20, 6), absl::UTCTimeZone());
  std::string text;
  for (int i = 0; i < count; ++i) {
    Tle tle;
    tle.name = absl::StrCat("LEO-", i);
    tle.catalog_number = 70000 + i;
    tle.international_designator = "26001A";
    SetTleEpoch(epoch - absl::Minutes(37 * (i % 23)), &tle);
    const double altitude_km = 400.0 + (i * 137) % 800;
    const double a_km = 6378.135 + altitude_km;
    tle.mean_motion_rev_per_day =
        std::sqrt(398600.8 / (a_km * a_km * a_km)) * 86400.0 / (2.0 * kPi);
    tle.eccentricity = 0.0001 + 0.0001 * (i % 50);
    tle.inclination_deg = inclinations_deg[i % 6];
    tle.raan_deg = std::fmod(i * 7.3, 360.0);
    tle.arg_perigee_deg = std::fmod(i * 31.7, 360.0);
    tle.mean_anomaly_deg = std::fmod(i * 53.1, 360.0);
    tle.bstar_per_earth_radius = 1e-5 * (1 + i % 40);
    text += FormatTle(tle);
  }
  return *ParseTles(text, "generated");
}

void BM_Sgp4Scalar(benchmark::State& state) {
  const std::vector<Tle> tles = LeoTles(static_cast<int>(state.range(0)));
  std::vector<std::unique_ptr<Sgp4Propagator>> sats;
  for (const Tle& tle : tles) sats.push_back(*Sgp4Propagator::Create(tle));
  const absl::Time start = tles[0].epoch;
  for (auto _ : state) {
    for (int k = 0; k < kStepsPerDay; ++k) {
      const absl::Time t = start + absl::Seconds(60 * k);
      for (const auto& sat : sats) {
        StateVector s = sat->Propagate(t);
        benchmark::DoNotOptimize(s);
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kStepsPerDay * sats.size());
  state.SetLabel("states/s");
}
BENCHMARK(BM_Sgp4Scalar)->Arg(300)->Unit(benchmark::kMillisecond);

void BM_Sgp4Batch(benchmark::State& state) {
  const std::vector<Tle> tles = LeoTles(static_cast<int>(state.range(0)));
  const std::unique_ptr<Sgp4Batch> batch = *Sgp4Batch::Create(tles);
  const absl::Time start = tles[0].epoch;
  StateArrays out;
  for (auto _ : state) {
    for (int k = 0; k < kStepsPerDay; ++k) {
      batch->Propagate(start + absl::Seconds(60 * k), &out);
      benchmark::DoNotOptimize(out.x_km.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(state.iterations() * kStepsPerDay * batch->size());
  state.SetLabel("states/s");
}
BENCHMARK(BM_Sgp4Batch)->Arg(300)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orbitfl::orbit

BENCHMARK_MAIN();
