#ifndef ORBITFL_NODE_PARALLEL_H_
#define ORBITFL_NODE_PARALLEL_H_

// A process-wide pool of worker threads for work whose result does not
// depend on how it is scheduled (e.g. the gradient shards of one training
// step, each writing its own buffers): RunAll runs a batch of tasks, the
// first on the calling thread and the rest on the workers, and returns when
// all are done. With one thread (the default) everything runs inline, in
// order.

#include <functional>
#include <vector>

namespace orbitfl::node {

// Threads that RunAll may use, the caller's included (>= 1). Not to be
// called while a RunAll is in progress.
void SetComputeThreads(int threads);
int ComputeThreads();

// Runs every task once and waits for all of them.
void RunAll(const std::vector<std::function<void()>>& tasks);

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_PARALLEL_H_
