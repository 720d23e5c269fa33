// One day of inter-satellite windows of a 1,584-satellite Walker delta
// shell (72 planes of 22, 53 deg, 550 km; any pair within 2,500 km), with
// the wall time and window count for 1 and 2 threads, which must agree.
//
//   bazel run -c opt //experiments/bench:isl_shell_day

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "orbit/isl.h"
#include "orbit/propagator.h"
#include "experiments/bench/shell.h"
#include "orbit/walker.h"

namespace orbitfl::orbit {
namespace {

int Main() {
  WalkerDeltaOptions o;
  o.total = 1584;
  o.planes = 72;
  o.phasing = 1;
  o.altitude_km = 550;
  o.inclination_deg = 53;
  o.epoch = absl::FromUnixSeconds(1774000000);  // 2026-03-20
  const Shell shell = MakeShell(o);
  const std::vector<const Propagator*>& sats = shell.satellites;
  IslOptions search;
  search.start = o.epoch;
  search.stop = o.epoch + absl::Hours(24);
  search.max_range_km = 2500;
  std::vector<IslWindow> reference;
  for (int threads : {1, 2}) {
    search.num_threads = threads;
    const auto t0 = std::chrono::steady_clock::now();
    auto found = FindIslWindows(sats, {}, search);
    const double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    if (!found.ok()) {
      std::fprintf(stderr, "%s\n", found.status().ToString().c_str());
      return 1;
    }
    double total_s = 0;
    for (const IslWindow& w : *found) {
      total_s += absl::ToDoubleSeconds(w.end - w.start);
    }
    std::printf(
        "%zu satellites, 24 h, step %s, range %.0f km, %d thread(s): "
        "%.2f s wall, %zu windows, mean %.1f s long\n",
        sats.size(), absl::FormatDuration(search.scan_step).c_str(),
        search.max_range_km, threads, wall_s, found->size(),
        found->empty() ? 0.0 : total_s / found->size());
    if (threads == 1) {
      reference = *std::move(found);
      continue;
    }
    bool same = reference.size() == found->size();
    for (size_t i = 0; same && i < reference.size(); ++i) {
      const IslWindow &x = reference[i], &y = (*found)[i];
      same = x.a == y.a && x.b == y.b && x.start == y.start && x.end == y.end &&
             x.min_range_km == y.min_range_km;
    }
    std::printf("identical to 1 thread: %s\n", same ? "yes" : "NO");
    if (!same) return 1;
  }
  return 0;
}

}  // namespace
}  // namespace orbitfl::orbit

int main() { return orbitfl::orbit::Main(); }
