// `orbitfl run` and `orbitfl compare` (in orbitfl_sim: they train).

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "sim/embedded_run.h"
#include "sim/env.h"
#include "sim/run_checkpoint.h"
#include "sim/run_report.h"
#include "sim/scenario_commands.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// Flags both commands take.
const std::set<std::string>& RunFlags() {
  static const auto* flags = new std::set<std::string>{
      "scenario", "out",      "seed",     "hours", "quiet", "task",
      "model",    "delta-codec", "set",   "tle",   "stations", "threads",
      "checkpoint"};
  return *flags;
}

// --resume=DIR: the run stopped in DIR. A bare --resume (run) picks up
// the run --out names instead, see PickUp.
bool ResumeDir(const Flags& flags) {
  return flags.Has("resume") && !flags.Get("resume").empty();
}

absl::StatusOr<RunOptions> Options(const Flags& flags) {
  RunOptions options;
  if (ResumeDir(flags)) {
    options.out_dir = flags.Get("resume");
    options.resume = true;
  } else {
    ORBITFL_ASSIGN_OR_RETURN(options.out_dir, flags.Required("out"));
  }
  ORBITFL_ASSIGN_OR_RETURN(options.checkpoint, CheckpointFlag(flags));
  if (!flags.Has("quiet")) options.progress = &std::cerr;
  options.progress_tty = isatty(STDERR_FILENO) != 0;
  ORBITFL_ASSIGN_OR_RETURN(
      const uint64_t threads,
      flags.GetUint64("threads",
                      std::max(1u, std::thread::hardware_concurrency())));
  if (threads < 1 || threads > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads: expected 1 to 256, got ", threads));
  }
  options.threads = static_cast<int>(threads);
  return options;
}

void Announce(const proto::Scenario& scenario) {
  std::cerr << absl::StrFormat(
      "[orbitfl] scenario %s: %s, %d stations, %.1f h, seed %d, %s\n",
      scenario.name(), Describe(scenario.constellation()),
      scenario.stations_size(), scenario.duration_hours(), scenario.seed(),
      scenario.federation().strategy());
}

// Resumes the run in options.out_dir when it holds a checkpoint of this
// very scenario, else starts afresh (saying so when it holds another's).
void PickUp(const proto::Scenario& scenario, RunOptions& options) {
  if (!options.checkpoint) return;
  const absl::StatusOr<proto::Scenario> previous =
      CheckpointScenario(options.out_dir);
  if (!previous.ok()) return;
  if (previous->SerializeAsString() == scenario.SerializeAsString()) {
    options.resume = true;
    std::cerr << "[orbitfl] " << options.out_dir
              << " holds a checkpoint of this run: resuming it\n";
  } else {
    std::cerr << "[orbitfl] " << options.out_dir
              << " holds a checkpoint of other settings: starting afresh\n";
  }
}

std::string TimeToTarget(const proto::Scenario& scenario, const RunSummary& s) {
  const double target = 100 * scenario.evaluation().target_accuracy();
  return s.time_to_target_h >= 0
             ? absl::StrFormat("%.0f%% reached after %.1f h", target,
                               s.time_to_target_h)
             : absl::StrFormat("%.0f%% not reached", target);
}

}  // namespace

absl::StatusOr<bool> CheckpointFlag(const Flags& flags) {
  const std::string checkpoint = flags.Get("checkpoint", "on");
  if (checkpoint != "on" && checkpoint != "off") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--checkpoint: expected on or off, got \"", checkpoint, "\""));
  }
  return checkpoint == "on";
}

absl::StatusOr<proto::Scenario> ResumedScenario(const Flags& flags) {
  for (const char* name : {"scenario", "out", "seed", "hours", "task", "model",
                           "delta-codec", "set", "tle", "stations",
                           "strategy", "checkpoint"}) {
    if (flags.Has(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--resume takes the scenario and the run directory from the "
          "checkpoint; drop --", name));
    }
  }
  const std::string dir = flags.Get("resume");
  if (dir.empty()) {
    return absl::InvalidArgumentError(
        "--resume: expected the run directory of a stopped run");
  }
  return CheckpointScenario(dir);
}

absl::Status RunCommand(const std::vector<std::string>& args) {
  std::set<std::string> names = RunFlags();
  names.insert("strategy");
  names.insert("resume");
  ORBITFL_ASSIGN_OR_RETURN(Flags flags, Flags::Parse("run", args, names));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario,
                           ResumeDir(flags) ? ResumedScenario(flags)
                                            : LoadWithOverrides(flags));
  ORBITFL_ASSIGN_OR_RETURN(RunOptions options, Options(flags));
  if (flags.Has("resume") && !ResumeDir(flags)) PickUp(scenario, options);
  Announce(scenario);
  ORBITFL_ASSIGN_OR_RETURN(RunSummary s, RunEmbedded(scenario, options));
  std::cout << absl::StrFormat(
      "scenario %s: accuracy %.1f%% -> %.1f%% (best %.1f%%), model v%d from "
      "%d updates\n"
      "contacts %d, transfers %d, up %.3f MB, down %.3f MB\n"
      "simulated %.1f h in %.1f s wall (%.1f s training)\n"
      "%s, mean staleness %.2f, idle %.0f%%%s\n"
      "run directory: %s (report.html)\n",
      scenario.name(), 100 * s.initial_accuracy, 100 * s.final_accuracy,
      100 * s.best_accuracy, s.model_version, s.updates_applied, s.contacts,
      s.transfers, s.bytes_up / 1e6, s.bytes_down / 1e6, s.sim_hours, s.wall_s,
      s.train_wall_s, TimeToTarget(scenario, s), s.mean_staleness,
      100 * s.idle_fraction,
      s.dp_epsilon > 0 ? absl::StrFormat(", DP epsilon %.2f (delta %g)",
                                         s.dp_epsilon,
                                         scenario.federation().dp().delta())
                       : std::string(),
      options.out_dir);
  return absl::OkStatus();
}

absl::Status CompareCommand(const std::vector<std::string>& args) {
  std::set<std::string> names = RunFlags();
  names.insert("strategies");
  ORBITFL_ASSIGN_OR_RETURN(Flags flags, Flags::Parse("compare", args, names));
  ORBITFL_ASSIGN_OR_RETURN(std::string list, flags.Required("strategies"));
  const std::vector<std::string> strategies =
      absl::StrSplit(list, ',', absl::SkipWhitespace());
  const std::set<std::string> unique(strategies.begin(), strategies.end());
  if (strategies.size() < 2 || unique.size() != strategies.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--strategies: expected two or more different strategies, e.g. "
        "fedavg,fedasync,fedbuff, got \"", list, "\""));
  }
  ORBITFL_ASSIGN_OR_RETURN(RunOptions base, Options(flags));
  // Every scenario first: a bad strategy fails before anything runs.
  std::vector<proto::Scenario> scenarios;
  for (const std::string& strategy : strategies) {
    ORBITFL_ASSIGN_OR_RETURN(proto::Scenario s,
                             LoadWithOverrides(flags, strategy));
    scenarios.push_back(std::move(s));
  }
  std::string csv =
      "strategy,final_accuracy,best_accuracy,time_to_target_h,model_version,"
      "updates_applied,bytes_up,bytes_down,mean_staleness,idle_fraction,"
      "dp_epsilon,wall_s,train_wall_s\n";
  std::vector<std::pair<std::string, std::string>> runs;
  for (size_t i = 0; i < strategies.size(); ++i) {
    const proto::Scenario& scenario = scenarios[i];
    RunOptions options = base;
    options.out_dir = base.out_dir + "/" + strategies[i];
    std::cerr << absl::StrFormat("[orbitfl] compare: %d of %d\n", i + 1,
                                 strategies.size());
    Announce(scenario);
    // Each run keeps its checkpoint until every run is done: a comparison
    // that stopped, started again with the same flags, replays the runs
    // it finished and resumes the one it was in.
    options.keep_checkpoint = options.checkpoint;
    PickUp(scenario, options);
    ORBITFL_ASSIGN_OR_RETURN(RunSummary s, RunEmbedded(scenario, options));
    absl::StrAppendFormat(
        &csv, "%s,%.4f,%.4f,%s,%d,%d,%d,%d,%.3f,%.4f,%.4g,%.1f,%.1f\n",
        strategies[i], s.final_accuracy, s.best_accuracy,
        s.time_to_target_h >= 0 ? absl::StrFormat("%.3f", s.time_to_target_h)
                                : std::string(),
        s.model_version, s.updates_applied, s.bytes_up, s.bytes_down,
        s.mean_staleness, s.idle_fraction, s.dp_epsilon, s.wall_s,
        s.train_wall_s);
    std::cout << absl::StrFormat(
        "%-10s accuracy %5.1f%% (best %5.1f%%), %s, %d versions, up %.2f MB, "
        "down %.2f MB, staleness %.2f\n",
        strategies[i], 100 * s.final_accuracy, 100 * s.best_accuracy,
        TimeToTarget(scenario, s), s.model_version, s.bytes_up / 1e6,
        s.bytes_down / 1e6, s.mean_staleness);
    runs.push_back({strategies[i], options.out_dir});
  }
  Env* env = Env::Default();
  ORBITFL_RETURN_IF_ERROR(env->WriteFile(base.out_dir + "/compare.csv", csv));
  ORBITFL_RETURN_IF_ERROR(
      WriteRunReport(scenarios.front(), runs, base.out_dir, env));
  for (const auto& [strategy, dir] : runs) {
    ORBITFL_RETURN_IF_ERROR(RemoveCheckpoint(dir));
  }
  std::cout << "comparison: " << base.out_dir << "/report.html, "
            << base.out_dir << "/compare.csv\n";
  return absl::OkStatus();
}

}  // namespace orbitfl::sim
