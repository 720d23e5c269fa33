#ifndef ORBITFL_SIM_EMBEDDED_RUN_H_
#define ORBITFL_SIM_EMBEDDED_RUN_H_

// A whole simulation in one process: every satellite node and the
// aggregator are real gRPC services on in-process channels, driven by one
// discrete-event loop on the virtual clock.

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/scenario.pb.h"
#include "sim/env.h"

namespace orbitfl::sim {

struct RunOptions {
  std::string out_dir;
  Env* env = nullptr;               // nullptr: Env::Default()
  std::ostream* progress = nullptr; // progress lines, e.g. &std::cerr
  // The progress stream is a terminal: one bar redrawn in place.
  bool progress_tty = false;
  // Threads for on-board training (each step's gradient shards run
  // concurrently). Any count gives byte-identical run files. Default 1.
  int threads = 1;
  // Write report.html into the run directory at the end. Default true.
  bool report = true;
  // Wall time between progress lines (evaluations always print one).
  absl::Duration progress_interval = absl::Seconds(2);
  // Keep RUN_DIR/checkpoint.log while the run runs (sim/run_checkpoint.h)
  // so that a run that stops can be resumed. Default true. Distributed, it
  // records the answers to the coordinator's calls.
  bool checkpoint = true;
  // Resume the stopped run in out_dir from its checkpoint, whose scenario
  // (CheckpointScenario) must be the one given.
  bool resume = false;
  // Keep the checkpoint when the run completes (`orbitfl compare` keeps
  // its runs' until all are done, so that it can be resumed as a whole).
  bool keep_checkpoint = false;
  // Distributed: the aggregator and the satellites' nodes run as separate
  // processes (`orbitfl aggregator`, `orbitfl node`) at these host:port
  // addresses, and this run drives them over TCP in lockstep with its
  // virtual clock. Empty: in-process services.
  std::string aggregator_address;
  // Which node hosts each satellite: "SATELLITE=HOST:PORT" items (see
  // ParseNodeAddresses in sim/run_world.h), read from node_addresses_source.
  std::string node_addresses;
  std::string node_addresses_source;
  // How long to wait for every service to answer at the start.
  absl::Duration connect_timeout = absl::Seconds(120);
  // Mutual TLS (sim/net.h): TLS_DIR/ca.pem, TLS_DIR/TLS_NAME.pem and .key;
  // empty: plaintext.
  std::string tls_dir;
  std::string tls_name = "coordinator";
};

struct RunSummary {
  double initial_accuracy = 0;
  double final_accuracy = 0;
  double best_accuracy = 0;
  int64_t model_version = 0;
  int64_t updates_applied = 0;
  int64_t bytes_up = 0;
  int64_t bytes_down = 0;
  int64_t transfers = 0;
  int64_t contacts = 0;
  double sim_hours = 0;
  double wall_s = 0;
  double train_wall_s = 0;  // host seconds inside local training
  // Host seconds building the world, the contact plan and the test set,
  // and evaluating global models: with training, most of wall_s.
  double setup_wall_s = 0;
  double eval_wall_s = 0;
  int64_t training_steps = 0;
  // Training attempts refused for lack of charge (retried 10 min later),
  // and the lowest battery state of charge any satellite reported.
  int64_t power_deferrals = 0;
  double min_battery_soc = 1;
  // Bits flipped in on-board models, and tensors repaired by scrubbing.
  int64_t upsets = 0;
  int64_t tensors_repaired = 0;
  // Versions published between an applied update's base and its
  // application, averaged over applied updates.
  double mean_staleness = 0;
  // Simulated hours until the global model first reached
  // evaluation.target_accuracy; -1 when it never did.
  double time_to_target_h = -1;
  // Share of satellite-time spent waiting for a new model with nothing to
  // train or send (from an update's delivery, or the epoch, to the next
  // local training).
  double idle_fraction = 0;
  // Differential privacy budget spent (epsilon), 0 without DP.
  double dp_epsilon = 0;
  // Resumed: trainings and evaluations replayed from the checkpoint.
  int64_t trainings_replayed = 0;
  int64_t evaluations_replayed = 0;
  int64_t calls_replayed = 0;  // distributed: answers to the coordinator's calls
  // Distributed: calls repeated while a service was unreachable.
  int64_t rpc_retries = 0;
};

// Runs a validated scenario (see sim/scenario.h) and writes the run
// directory to options.out_dir.
absl::StatusOr<RunSummary> RunEmbedded(const proto::Scenario& scenario,
                                       const RunOptions& options);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_EMBEDDED_RUN_H_
