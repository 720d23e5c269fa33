// Inter-satellite window search on Walker delta shells.
//
//   bazel run -c opt //experiments/bench:isl_bench
//
// Arguments: planes, satellites per plane, hours searched, threads. The
// 72 x 22 shell is Starlink's first shell (53 deg, 550 km); its full 24 h
// case is //experiments/bench:isl_shell_day.

#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "orbit/isl.h"
#include "orbit/propagator.h"
#include "experiments/bench/shell.h"
#include "orbit/walker.h"

namespace orbitfl::orbit {
namespace {

void BM_IslWindows(benchmark::State& state) {
  WalkerDeltaOptions o;
  o.planes = static_cast<int>(state.range(0));
  o.total = o.planes * static_cast<int>(state.range(1));
  o.phasing = 1;
  o.altitude_km = 550;
  o.inclination_deg = 53;
  o.epoch = absl::FromUnixSeconds(1774000000);
  const Shell shell = MakeShell(o);
  const std::vector<const Propagator*>& sats = shell.satellites;
  IslOptions search;
  search.start = o.epoch;
  search.stop = o.epoch + absl::Hours(state.range(2));
  search.max_range_km = 2500;
  search.num_threads = static_cast<int>(state.range(3));
  size_t windows = 0;
  for (auto _ : state) {
    auto found = FindIslWindows(sats, {}, search);
    windows = found->size();
    benchmark::DoNotOptimize(found);
  }
  state.counters["windows"] = static_cast<double>(windows);
  state.counters["sat_hours"] =
      benchmark::Counter(static_cast<double>(sats.size() * state.range(2)),
                         benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_IslWindows)
    ->Args({24, 12, 6, 1})
    ->Args({72, 22, 1, 1})
    ->Args({72, 22, 1, 2})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orbitfl::orbit

BENCHMARK_MAIN();
