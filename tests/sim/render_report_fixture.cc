// Writes report.html for the fixture runs in tests/sim/testdata/report, for
// the headless-browser test and for the README's screenshot:
//
//   render_report_fixture --fixture=tests/sim/testdata/report --out=r.html
//       [--runs=fedavg,fedasync] [--earth=/usr/share/xplanet/images/earth.jpg]
//       [--title=...]
//
// --earth= (empty) leaves the map without a background image.

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "sim/csv_table.h"
#include "sim/env.h"
#include "sim/flags.h"
#include "sim/report.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

absl::StatusOr<ReportInput> LoadFixture(const std::string& dir,
                                        const std::vector<std::string>& runs,
                                        Env* env) {
  ReportInput input;
  for (const std::string& run : runs) {
    ORBITFL_ASSIGN_OR_RETURN(ReportRun r,
                             LoadReportRun(dir + "/" + run, "", env));
    input.runs.push_back(std::move(r));
  }
  ORBITFL_ASSIGN_OR_RETURN(input.contacts_csv,
                           env->ReadFile(dir + "/contacts.csv"));
  input.contacts_source = dir + "/contacts.csv";

  ORBITFL_ASSIGN_OR_RETURN(std::string tracks_csv,
                           env->ReadFile(dir + "/ground_tracks.csv"));
  ORBITFL_ASSIGN_OR_RETURN(
      CsvTable tracks, CsvTable::Parse(tracks_csv, dir + "/ground_tracks.csv"));
  ORBITFL_ASSIGN_OR_RETURN(int sat_col, tracks.RequireColumn("satellite"));
  ORBITFL_ASSIGN_OR_RETURN(int lat_col, tracks.RequireColumn("lat_deg"));
  ORBITFL_ASSIGN_OR_RETURN(int lon_col, tracks.RequireColumn("lon_deg"));
  for (int r = 0; r < tracks.num_rows(); ++r) {
    const std::string& sat = tracks.Cell(r, sat_col);
    if (input.ground_tracks.empty() ||
        input.ground_tracks.back().first != sat) {
      input.ground_tracks.emplace_back(sat, std::vector<GroundTrackPoint>());
    }
    GroundTrackPoint p;
    ORBITFL_ASSIGN_OR_RETURN(p.lat_deg, tracks.Double(r, lat_col));
    ORBITFL_ASSIGN_OR_RETURN(p.lon_deg, tracks.Double(r, lon_col));
    input.ground_tracks.back().second.push_back(p);
  }

  ORBITFL_ASSIGN_OR_RETURN(std::string stations_csv,
                           env->ReadFile(dir + "/stations.csv"));
  ORBITFL_ASSIGN_OR_RETURN(
      CsvTable stations, CsvTable::Parse(stations_csv, dir + "/stations.csv"));
  ORBITFL_ASSIGN_OR_RETURN(int name_col, stations.RequireColumn("name"));
  ORBITFL_ASSIGN_OR_RETURN(lat_col, stations.RequireColumn("lat_deg"));
  ORBITFL_ASSIGN_OR_RETURN(lon_col, stations.RequireColumn("lon_deg"));
  for (int r = 0; r < stations.num_rows(); ++r) {
    ReportInput::Station s;
    s.name = stations.Cell(r, name_col);
    ORBITFL_ASSIGN_OR_RETURN(s.lat_deg, stations.Double(r, lat_col));
    ORBITFL_ASSIGN_OR_RETURN(s.lon_deg, stations.Double(r, lon_col));
    input.stations.push_back(std::move(s));
  }
  return input;
}

absl::Status Main(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse("render_report_fixture", args,
                                {"fixture", "out", "runs", "earth", "title"}));
  ORBITFL_ASSIGN_OR_RETURN(std::string fixture, flags.Required("fixture"));
  ORBITFL_ASSIGN_OR_RETURN(std::string out, flags.Required("out"));
  const std::vector<std::string> runs = absl::StrSplit(
      flags.Get("runs", "fedavg,fedasync"), ',', absl::SkipEmpty());
  Env* env = Env::Default();
  ORBITFL_ASSIGN_OR_RETURN(ReportInput input, LoadFixture(fixture, runs, env));
  input.title = flags.Get("title", "Walker 12/3/1 fixture: FedAvg vs FedAsync");
  const std::string earth =
      flags.Get("earth", "/usr/share/xplanet/images/earth.jpg");
  if (!earth.empty()) {
    absl::StatusOr<std::string> png = EarthThumbnailPng(earth, 720, env);
    if (png.ok()) {
      input.earth_png = std::move(*png);
    } else {
      std::cerr << "render_report_fixture: no map background: "
                << png.status().message() << "\n";
    }
  }
  ORBITFL_ASSIGN_OR_RETURN(std::string html, RenderReport(input));
  return env->WriteFile(out, html);
}

}  // namespace
}  // namespace orbitfl::sim

int main(int argc, char** argv) {
  const absl::Status status =
      orbitfl::sim::Main(std::vector<std::string>(argv + 1, argv + argc));
  if (!status.ok()) {
    std::cerr << "render_report_fixture: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
