#include "sim/scenario_commands.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "sim/env.h"
#include "sim/scenario.h"
#include "sim/stations.h"
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

absl::Status ApplySettings(const std::string& settings,
                           proto::Scenario& scenario) {
  for (absl::string_view item : absl::StrSplit(settings, ';', absl::SkipEmpty())) {
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--set: expected FIELD.PATH=VALUE (e.g. radiation.protection=",
          "\"checksum\"), got \"", item, "\""));
    }
    // a.b.c=v becomes the textproto "a { b { c: v } }", merged in.
    const std::vector<std::string> path =
        absl::StrSplit(item.substr(0, eq), '.');
    std::string text;
    for (size_t i = 0; i + 1 < path.size(); ++i) absl::StrAppend(&text, path[i], " { ");
    absl::StrAppend(&text, path.back(), ": ", item.substr(eq + 1));
    for (size_t i = 0; i + 1 < path.size(); ++i) absl::StrAppend(&text, " }");
    proto::Scenario merged = scenario;
    if (!google::protobuf::TextFormat::MergeFromString(text, &merged)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--set: \"", item, "\" is not a scenario field and value (as ",
          "textproto: ", text, "; strings need quotes)"));
    }
    scenario = std::move(merged);
  }
  return absl::OkStatus();
}

absl::StatusOr<proto::Scenario> LoadWithOverrides(
    const Flags& flags, const std::string& strategy) {
  ORBITFL_ASSIGN_OR_RETURN(std::string path, flags.Required("scenario"));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario,
                           LoadScenarioUnfinalized(path, Env::Default()));
  ORBITFL_ASSIGN_OR_RETURN(uint64_t seed,
                           flags.GetUint64("seed", scenario.seed()));
  ORBITFL_ASSIGN_OR_RETURN(double hours,
                           flags.GetDouble("hours", scenario.duration_hours()));
  scenario.set_seed(seed);
  scenario.set_duration_hours(hours);
  if (flags.Has("set")) {
    ORBITFL_RETURN_IF_ERROR(ApplySettings(flags.Get("set"), scenario));
  }
  if (flags.Has("tle")) {
    // The TLE file's satellites replace the scenario's constellation.
    scenario.mutable_constellation()->set_tle_file(flags.Get("tle"));
  }
  if (flags.Has("stations")) {
    ORBITFL_ASSIGN_OR_RETURN(
        std::vector<proto::GroundStation> stations,
        LoadStationsCsv(flags.Get("stations"), Env::Default()));
    scenario.clear_stations();
    scenario.clear_stations_file();
    for (proto::GroundStation& g : stations) {
      *scenario.add_stations() = std::move(g);
    }
  }
  if (flags.Has("task")) scenario.mutable_training()->set_task(flags.Get("task"));
  if (flags.Has("strategy")) {
    scenario.mutable_federation()->set_strategy(flags.Get("strategy"));
  }
  if (!strategy.empty()) scenario.mutable_federation()->set_strategy(strategy);
  if (flags.Has("model")) {
    scenario.mutable_training()->set_model(flags.Get("model"));
  }
  if (flags.Has("delta-codec")) {
    scenario.mutable_federation()->set_delta_codec(flags.Get("delta-codec"));
  }
  ORBITFL_RETURN_IF_ERROR(FinalizeScenario(
      scenario, absl::StrCat(path, " with the command line's overrides")));
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
