// orbitfl: the command-line entry point. Flags are read here and nowhere
// else; everything below receives validated options.

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "sim/embedded_run.h"
#include "sim/env.h"
#include "sim/flags.h"
#include "sim/orbit_commands.h"
#include "sim/scenario.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

constexpr char kUsage[] = R"(orbitfl: federated learning across satellite constellations

usage: orbitfl COMMAND [--flag=value ...]

commands:
  run       --scenario=FILE --out=DIR [--seed=N] [--hours=H] [--quiet]
            Simulates the scenario and writes the run directory to DIR:
            contacts.csv, events.jsonl, metrics.csv, summary.json.
            --seed and --hours override the scenario's seed and duration.
            Progress lines go to stderr unless --quiet.
  validate  --scenario=FILE
            Parses and validates a scenario and prints it with every
            default filled in.
  propagate --tle=FILE --start=ISO --stop=ISO [--step=SECONDS] [--checksum]
            SGP4/SDP4 states as CSV satellite,utc,x_km,y_km,z_km,vx_km_s,
            vy_km_s,vz_km_s (TEME), each satellite at start, start+step, ...
            <= stop (step 60 s by default). --checksum prints only
            states=N checksum=S (S = sum of x+y+z over all states).
  contacts  --tle=FILE [--stations=CSV] [--isl-max-range-km=R] --start=ISO
            --stop=ISO [--downlink-rate-bps=B] [--isl-rate-bps=B]
            Ground and inter-satellite windows in the contacts.csv format.
            Stations CSV: name,lat_deg,lon_deg,alt_m,min_elevation_deg.
  constellation --walker=T/P/F --altitude-km=A --inclination-deg=I|sso
            [--pattern=delta|star] [--epoch=ISO] [--name-prefix=S]
            A designed shell as 3-line TLEs on stdout.
  help      This text.
)";

std::string Describe(const proto::Constellation& c) {
  if (c.has_tle_file()) return "TLEs from " + c.tle_file();
  const bool star = c.has_walker_star();
  const proto::Walker& w = star ? c.walker_star() : c.walker_delta();
  return absl::StrFormat("Walker %s %d/%d/%d at %.1f km, %.1f deg",
                         star ? "star" : "delta", w.total(), w.planes(),
                         w.phasing(), w.altitude_km(), w.inclination_deg());
}

absl::StatusOr<proto::Scenario> LoadWithOverrides(const Flags& flags) {
  ORBITFL_ASSIGN_OR_RETURN(std::string path, flags.Required("scenario"));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario,
                           LoadScenario(path, Env::Default()));
  ORBITFL_ASSIGN_OR_RETURN(uint64_t seed,
                           flags.GetUint64("seed", scenario.seed()));
  ORBITFL_ASSIGN_OR_RETURN(double hours,
                           flags.GetDouble("hours", scenario.duration_hours()));
  scenario.set_seed(seed);
  scenario.set_duration_hours(hours);
  ORBITFL_RETURN_IF_ERROR(FinalizeScenario(scenario, "--hours/--seed"));
  return scenario;
}

absl::Status Run(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse("run", args, {"scenario", "out", "seed", "hours", "quiet"}));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario, LoadWithOverrides(flags));
  RunOptions options;
  ORBITFL_ASSIGN_OR_RETURN(options.out_dir, flags.Required("out"));
  if (!flags.Has("quiet")) options.progress = &std::cerr;
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
      "run directory: %s\n",
      scenario.name(), 100 * s.initial_accuracy, 100 * s.final_accuracy,
      100 * s.best_accuracy, s.model_version, s.updates_applied, s.contacts,
      s.transfers, s.bytes_up / 1e6, s.bytes_down / 1e6, s.sim_hours, s.wall_s,
      s.train_wall_s, options.out_dir);
  return absl::OkStatus();
}

absl::Status Validate(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(Flags flags,
                           Flags::Parse("validate", args, {"scenario"}));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario, LoadWithOverrides(flags));
  std::string text;
  google::protobuf::TextFormat::PrintToString(scenario, &text);
  std::cout << text;
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  absl::Status status;
  if (command == "run") {
    status = Run(args);
  } else if (command == "validate") {
    status = Validate(args);
  } else if (command == "propagate") {
    status = PropagateCommand(args, std::cout, std::cerr);
  } else if (command == "contacts") {
    status = ContactsCommand(args, std::cout, std::cerr);
  } else if (command == "constellation") {
    status = ConstellationCommand(args, std::cout, std::cerr);
  } else if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  } else {
    std::cerr << "orbitfl: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
  }
  if (!status.ok()) {
    std::cerr << "orbitfl: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace orbitfl::sim

int main(int argc, char** argv) { return orbitfl::sim::Main(argc, argv); }
