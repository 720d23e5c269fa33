#include "sim/run_report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "orbit/frames.h"
#include "sim/contact_plan.h"
#include "sim/report.h"
#include "sim/time_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// One orbit, sampled every minute: enough for a smooth track at map scale.
constexpr int kTrackMinutes = 100;
constexpr int kMapWidthPx = 1024;

std::string Title(const proto::Scenario& scenario, size_t runs) {
  return runs > 1 ? absl::StrCat(scenario.name(), ": ", runs,
                                 " strategies compared")
                  : absl::StrCat(scenario.name(), ": ",
                                 scenario.federation().strategy());
}

}  // namespace

absl::Status WriteRunReport(
    const proto::Scenario& scenario,
    const std::vector<std::pair<std::string, std::string>>& runs,
    const std::string& out_dir, Env* env) {
  if (runs.empty()) {
    return absl::InvalidArgumentError("report: no run directories");
  }
  ReportInput input;
  input.title = Title(scenario, runs.size());
  for (const auto& [label, dir] : runs) {
    ORBITFL_ASSIGN_OR_RETURN(ReportRun run, LoadReportRun(dir, label, env));
    input.runs.push_back(std::move(run));
  }
  const std::string contacts = runs.front().second + "/contacts.csv";
  if (absl::StatusOr<std::string> text = env->ReadFile(contacts); text.ok()) {
    input.contacts_csv = *std::move(text);
    input.contacts_source = contacts;
  }
  ORBITFL_ASSIGN_OR_RETURN(absl::Time epoch, ParseUtc(scenario.epoch_utc()));
  ORBITFL_ASSIGN_OR_RETURN(ScenarioSatellites sats,
                           BuildSatellites(scenario, epoch));
  for (size_t i = 0; i < sats.orbits.size(); ++i) {
    std::vector<GroundTrackPoint> track;
    for (int m = 0; m <= kTrackMinutes; ++m) {
      const absl::Time t = epoch + absl::Minutes(m);
      const orbit::Geodetic g = orbit::EcefToGeodetic(orbit::InertialToEcef(
          sats.orbits[i]->Propagate(t).position_km, t));
      track.push_back({g.lat_rad * orbit::kRadToDeg,
                       g.lon_rad * orbit::kRadToDeg});
    }
    input.ground_tracks.push_back({sats.satellite_names[i], std::move(track)});
  }
  for (const proto::GroundStation& g : scenario.stations()) {
    input.stations.push_back({g.name(), g.lat_deg(), g.lon_deg()});
  }
  if (!scenario.world().earth_image().empty()) {
    // The map is decoration: a missing image leaves a plain ocean.
    absl::StatusOr<std::string> png =
        EarthThumbnailPng(scenario.world().earth_image(), kMapWidthPx, env);
    if (png.ok()) input.earth_png = *std::move(png);
  }
  ORBITFL_ASSIGN_OR_RETURN(std::string html, RenderReport(input));
  return env->WriteFile(out_dir + "/report.html", html);
}

}  // namespace orbitfl::sim
