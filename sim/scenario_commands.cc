#include "sim/scenario_commands.h"

#include <iostream>

#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "sim/env.h"
#include "sim/scenario.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {

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

absl::Status ValidateCommand(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(Flags flags,
                           Flags::Parse("validate", args, {"scenario"}));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario, LoadWithOverrides(flags));
  std::string text;
  google::protobuf::TextFormat::PrintToString(scenario, &text);
  std::cout << text;
  return absl::OkStatus();
}

}  // namespace orbitfl::sim
