#ifndef ORBITFL_SIM_REPORT_SECTIONS_H_
#define ORBITFL_SIM_REPORT_SECTIONS_H_

// report.html's sections, in page order, each one card (<section
// class="card">) with its id, and what they are built from. A section whose
// files are absent for every run shows a note instead of its plot.
//
// Internal to the report (sim/report.h): only sim/report*.cc include this.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "sim/report.h"
#include "sim/report_data.h"

namespace orbitfl::sim::report_internal {

// ---------------------------------------------------------------- sections

// report_summary.cc. "summary": one row per known summary.json field (or a
// value derived from the run's other files), one column per run, the best
// value bold; every field under a fold.
std::string SummarySection(const std::vector<RunData>& runs);

// report_charts.cc. "accuracy": accuracy against simulated time, a line per
// run, and the first run's target_accuracy (summary.json) as a dashed line.
std::string AccuracySection(const std::vector<RunData>& runs);

// report_timeline.cc. "timeline": contact windows per satellite (at most
// 40 rows), with the first run's transfers and aggregations.
std::string TimelineSection(const ReportInput& input,
                            const std::vector<RunData>& runs,
                            const Timeline& tl);

// report_map.cc. "map": ground tracks and stations over the Earth.
std::string MapSection(const ReportInput& input);

// report_charts.cc. "staleness": a histogram of applied updates' staleness;
// "links": bytes per link kind; "participation": updates applied per
// satellite (consecutive satellites share a bar beyond 80).
std::string StalenessSection(const std::vector<RunData>& runs);
std::string LinksSection(const std::vector<RunData>& runs);
std::string ParticipationSection(const std::vector<RunData>& runs);

// ---------------------------------------------------------------- parts

// A card: `caption` and `body` are HTML, `title` text.
std::string Card(absl::string_view id, absl::string_view title,
                 absl::string_view caption, absl::string_view body,
                 bool wide = false);

// A highlighted note; `text` is HTML.
std::string Note(absl::string_view text);

// A legend entry: a colour swatch (a short line when `line`) and HTML.
std::string LegendItem(absl::string_view colour, absl::string_view label,
                       bool line = false);
std::string Legend(const std::vector<std::string>& items);

// Whether any run has the file (`has` is one of RunData's has_ flags).
bool AnyHas(const std::vector<RunData>& runs, bool RunData::*has);

// Runs lacking a file, as a note ("" when none lacks it).
std::string MissingNote(const std::vector<RunData>& runs, bool RunData::*has,
                        absl::string_view file, absl::string_view what);

}  // namespace orbitfl::sim::report_internal

#endif  // ORBITFL_SIM_REPORT_SECTIONS_H_
