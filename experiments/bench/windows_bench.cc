// Ground-window search: satellite-station-days per second.
//
//   bazel run -c opt //experiments/bench:windows_bench

#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "orbit/frames.h"
#include "orbit/propagator.h"
#include "orbit/visibility.h"
#include "experiments/bench/shell.h"
#include "orbit/walker.h"

namespace orbitfl::orbit {
namespace {

// The 13-station network of experiments/data/ground_stations_13.csv.
std::vector<GroundStation> Stations13(double mask_deg) {
  const struct {
    const char* name;
    double lat, lon;
  } rows[] = {{"SiouxFalls", 43.55, -96.72}, {"Neustrelitz", 53.1, 13.1},
              {"Sanya", 18.25, 109.5},       {"Parepare", -2.99, 119.8},
              {"Johannesburg", -26.2, 28.03}, {"AliceSprings", -25.1, 133.9},
              {"Cordoba", -31.4, -64.18},    {"Fairbanks", 64.8, -147.7},
              {"Tromso", 69.65, 18.95},      {"PrinceAlbert", 53.2, -105.7},
              {"Kashi", 39.1, 77.2},         {"Shadnagar", 17.4, 78.5},
              {"Beijing", 39.9, 116.4}};
  std::vector<GroundStation> out;
  for (const auto& r : rows) {
    out.push_back({r.name, {r.lat * kDegToRad, r.lon * kDegToRad, 0},
                   mask_deg * kDegToRad});
  }
  return out;
}

void BM_GroundWindows(benchmark::State& state) {
  WalkerDeltaOptions o;
  o.total = static_cast<int>(state.range(0));
  o.planes = 10;
  o.phasing = 1;
  o.altitude_km = 506.4;
  o.inclination_deg = 90;
  o.epoch = absl::FromUnixSeconds(1774000000);
  const Shell shell = MakeShell(o);
  const std::vector<const Propagator*>& sats = shell.satellites;
  const std::vector<GroundStation> stations = Stations13(0);
  WindowSearchOptions search;
  search.start = o.epoch;
  search.stop = o.epoch + absl::Hours(24);
  search.scan_step = absl::Seconds(state.range(1));
  size_t windows = 0;
  for (auto _ : state) {
    auto found = FindGroundWindows(sats, stations, search);
    windows = found->size();
    benchmark::DoNotOptimize(found);
  }
  state.counters["windows"] = static_cast<double>(windows);
  state.counters["sat_station_days"] = benchmark::Counter(
      static_cast<double>(sats.size() * stations.size()),
      benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GroundWindows)->Args({100, 20})->Args({100, 60})->Args({100, 120})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orbitfl::orbit

BENCHMARK_MAIN();
