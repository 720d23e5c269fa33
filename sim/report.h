#ifndef ORBITFL_SIM_REPORT_H_
#define ORBITFL_SIM_REPORT_H_

// report.html: one self-contained page (inline SVG and CSS, the map as a
// data: URI, no network) that shows a run, or compares several runs of one
// world and contact plan: a summary table, accuracy against simulated time,
// the contact timeline with transfers, ground tracks over the Earth,
// staleness, bytes per link kind and per-satellite participation.
//
// Inputs are run-directory files (README.md, "The run directory"), read by
// column name. updates.csv, links.csv, participation.csv, events.jsonl and
// summary.json may be absent (older runs): their plot is then left out with
// a note. Output size stays bounded for large runs (1,000 satellites, 10^5
// contacts, 10^5 transfers): timeline rows, tracks and participation bars
// are capped or binned, and rendering is linear in the input.
// The same input gives the same bytes.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/env.h"

namespace orbitfl::sim {

// One run's files, as text; "" for a file that is absent.
struct ReportRun {
  // Legend and column name: the strategy, or the directory's name.
  std::string label;
  std::string metrics_csv;
  std::string updates_csv;
  std::string links_csv;
  std::string participation_csv;
  std::string summary_json;
  std::string events_jsonl;
  // Where the files came from, for error messages ("" names them by label).
  std::string dir;
};

// Reads `dir`'s files through `env`. metrics.csv is required (NotFound
// naming it otherwise); the others are "" when absent. An empty `label`
// becomes summary.json's "strategy", or else the directory's last component.
absl::StatusOr<ReportRun> LoadReportRun(const std::string& dir,
                                        const std::string& label, Env* env);

struct GroundTrackPoint {
  double lat_deg = 0;
  double lon_deg = 0;  // any range; wrapped to [-180, 180)
};

struct ReportInput {
  std::string title;
  // One for a run's report, several for a comparison (same world and
  // contact plan); colours follow this order.
  std::vector<ReportRun> runs;
  // The shared contact plan (contacts.csv); "" leaves out the timeline.
  std::string contacts_csv;
  // For error messages; "contacts.csv" when empty.
  std::string contacts_source;
  // Per satellite, points in time order (e.g. one orbit). Drawn as
  // polylines split at the antimeridian.
  std::vector<std::pair<std::string, std::vector<GroundTrackPoint>>>
      ground_tracks;
  struct Station {
    std::string name;
    double lat_deg = 0;
    double lon_deg = 0;
  };
  std::vector<Station> stations;
  // Background map: PNG bytes of an equirectangular Earth (see
  // EarthThumbnailPng); "" draws a plain ocean.
  std::string earth_png;
};

// The HTML page. InvalidArgument naming the file and line for malformed
// input (a CSV row with the wrong field count or a bad number, a line of
// events.jsonl that is not a flat JSON object), or when `runs` is empty.
absl::StatusOr<std::string> RenderReport(const ReportInput& input);

// A small equirectangular PNG of an Earth image (JPEG or PNG, e.g.
// /usr/share/xplanet/images/earth.jpg), `width` pixels wide (box-filtered,
// aspect kept, slightly faded so tracks stand out), for the map background.
absl::StatusOr<std::string> EarthThumbnailPng(const std::string& image_path,
                                              int width, Env* env);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_REPORT_H_
