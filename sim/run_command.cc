#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/embedded_run.h"
#include "sim/scenario_commands.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {

absl::Status RunCommand(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse("run", args,
                   {"scenario", "out", "seed", "hours", "quiet", "task", "model",
                    "delta-codec", "set", "strategy", "tle", "stations",
                    "threads"}));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario, LoadWithOverrides(flags));
  RunOptions options;
  ORBITFL_ASSIGN_OR_RETURN(options.out_dir, flags.Required("out"));
  if (!flags.Has("quiet")) options.progress = &std::cerr;
  options.progress_tty = isatty(STDERR_FILENO) != 0;
  ORBITFL_ASSIGN_OR_RETURN(
      const uint64_t threads,
      flags.GetUint64("threads", std::max(1u, std::thread::hardware_concurrency())));
  if (threads < 1 || threads > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads: expected 1 to 256, got ", threads));
  }
  options.threads = static_cast<int>(threads);
  std::cerr << absl::StrFormat(
      "[orbitfl] scenario %s: %s, %d stations, %.1f h, seed %d\n",
      scenario.name(), Describe(scenario.constellation()),
      scenario.stations_size(), scenario.duration_hours(), scenario.seed());
  ORBITFL_ASSIGN_OR_RETURN(RunSummary s, RunEmbedded(scenario, options));
  std::cout << absl::StrFormat(
      "scenario %s: accuracy %.1f%% -> %.1f%% (best %.1f%%), model v%d from "
      "%d updates\n"
      "contacts %d, transfers %d, up %.3f MB, down %.3f MB\n"
      "simulated %.1f h in %.1f s wall (%.1f s training)\n"
      "%s, mean staleness %.2f, idle %.0f%%%s\n"
      "run directory: %s\n",
      scenario.name(), 100 * s.initial_accuracy, 100 * s.final_accuracy,
      100 * s.best_accuracy, s.model_version, s.updates_applied, s.contacts,
      s.transfers, s.bytes_up / 1e6, s.bytes_down / 1e6, s.sim_hours, s.wall_s,
      s.train_wall_s,
      s.time_to_target_h >= 0
          ? absl::StrFormat("%.0f%% reached after %.1f h",
                            100 * scenario.evaluation().target_accuracy(),
                            s.time_to_target_h)
          : absl::StrFormat("%.0f%% not reached",
                            100 * scenario.evaluation().target_accuracy()),
      s.mean_staleness, 100 * s.idle_fraction,
      s.dp_epsilon > 0 ? absl::StrFormat(", DP epsilon %.2f (delta %g)",
                                         s.dp_epsilon,
                                         scenario.federation().dp().delta())
                       : std::string(),
      options.out_dir);
  return absl::OkStatus();
}

}  // namespace orbitfl::sim
