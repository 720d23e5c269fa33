#ifndef ORBITFL_EXPERIMENTS_BENCH_SHELL_H_
#define ORBITFL_EXPERIMENTS_BENCH_SHELL_H_

// A Walker delta shell of J2 propagators, as the benchmarks search it.

#include <memory>
#include <vector>

#include "orbit/propagator.h"
#include "orbit/walker.h"

namespace orbitfl::orbit {

struct Shell {
  std::vector<std::unique_ptr<J2Propagator>> owned;
  std::vector<const Propagator*> satellites;
};

// Aborts on invalid options: benchmark inputs are fixed in the code.
inline Shell MakeShell(const WalkerDeltaOptions& options) {
  Shell shell;
  // Kept in a variable: a range-for over *WalkerDelta(o) would iterate a
  // destroyed temporary.
  const std::vector<NamedElements> elements = *WalkerDelta(options);
  for (const NamedElements& e : elements) {
    shell.owned.push_back(*J2Propagator::Create(e.elements));
    shell.satellites.push_back(shell.owned.back().get());
  }
  return shell;
}

}  // namespace orbitfl::orbit

#endif  // ORBITFL_EXPERIMENTS_BENCH_SHELL_H_
