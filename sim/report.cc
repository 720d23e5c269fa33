// The page: its head, style and script, and the sections in order. The
// sections are drawn in report_*.cc (sim/report_sections.h) from the
// parsed input (sim/report_data.h).

#include "sim/report.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/report_data.h"
#include "sim/report_sections.h"
#include "sim/report_svg.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

using report_internal::AccuracySection;
using report_internal::Esc;
using report_internal::FormatMinute;
using report_internal::GroupThousands;
using report_internal::LinksSection;
using report_internal::MapSection;
using report_internal::ParseRun;
using report_internal::ParseTimeline;
using report_internal::ParticipationSection;
using report_internal::RunData;
using report_internal::StalenessSection;
using report_internal::SummarySection;
using report_internal::Timeline;
using report_internal::TimelineSection;

constexpr char kCss[] = R"css(
:root{--fg:#1f2328;--muted:#59636e;--line:#d8dee4;--bg:#f3f5f7}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
main{max-width:1360px;margin:0 auto;padding:22px 24px 32px}
header h1{font-size:23px;margin:0 0 2px;font-weight:650}
.sub{color:var(--muted);margin:0}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px;margin-top:16px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 18px 12px;min-width:0}
.wide{grid-column:1/-1}
h2{font-size:15.5px;margin:0 0 2px;font-weight:650}
.caption{color:var(--muted);font-size:12.5px;margin:0 0 6px}
.legend{display:flex;flex-wrap:wrap;gap:3px 16px;font-size:12.5px;margin:2px 0 4px}
.legend small{color:var(--muted);font-size:11.5px}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.sw.line{height:3px;width:16px;vertical-align:3px}
.note{color:#7a5c00;background:#fff8e1;border:1px solid #f1e2a6;border-radius:6px;padding:5px 10px;font-size:12.5px;margin:8px 0 2px}
svg.plot{width:100%;height:auto;display:block;overflow:visible}
svg text{font-size:11px;fill:#4a525a}
svg text.title{font-size:12px;fill:#2d333a}
.gl{stroke:#eceff2}
.ax{stroke:#8c959f;fill:none}
.stripe{fill:#f6f8fa}
.graticule{stroke:#fff;stroke-opacity:.45;fill:none;stroke-width:.7}
.frame{fill:none;stroke:#8c959f}
.track polyline{fill:none;stroke-width:1.6;stroke-linejoin:round}
.station path{fill:#d62728;stroke:#fff;stroke-width:1}
.station text{fill:#1f2328;font-size:10.5px;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
table.summary{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:13px}
table.summary th,table.summary td{padding:4px 8px;border-bottom:1px solid #eef0f2;text-align:right;white-space:nowrap}
table.summary th{font-weight:600;border-bottom:1px solid var(--line)}
table.summary td:first-child,table.summary th:first-child{text-align:left;color:var(--muted);white-space:normal}
table.summary td.best{font-weight:700}
details{margin-top:8px;font-size:12.5px}
details summary{cursor:pointer;color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin-top:14px}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
)css";

// Counts plots that drew something; the headless-browser test reads it.
constexpr char kScript[] = R"js(
window.addEventListener("load", function () {
  var drawn = 0, empty = [];
  document.querySelectorAll("svg.plot").forEach(function (svg) {
    var marks = svg.querySelectorAll(".mark"), ok = false;
    for (var i = 0; i < marks.length && !ok; i++) {
      var box = marks[i].getBBox();
      ok = box.width > 0 || box.height > 0;
    }
    if (ok) { drawn++; } else { empty.push(svg.getAttribute("data-plot")); }
  });
  document.body.setAttribute("data-plots", String(drawn));
  document.body.setAttribute("data-empty-plots", empty.join(" "));
});
)js";

}  // namespace

absl::StatusOr<std::string> RenderReport(const ReportInput& input) {
  if (input.runs.empty()) {
    return absl::InvalidArgumentError("a report needs at least one run");
  }
  std::vector<RunData> runs;
  for (size_t i = 0; i < input.runs.size(); ++i) {
    ORBITFL_ASSIGN_OR_RETURN(RunData run,
                             ParseRun(input.runs[i], static_cast<int>(i)));
    runs.push_back(std::move(run));
  }
  ORBITFL_ASSIGN_OR_RETURN(const Timeline tl, ParseTimeline(input, runs));
  const RunData& first = runs.front();

  const std::string title =
      input.title.empty() ? "orbitfl run report" : input.title;
  std::vector<std::string> facts;
  facts.push_back(runs.size() == 1
                      ? absl::StrCat("Run <b>", Esc(first.label), "</b>")
                      : absl::StrCat("Comparison of ", runs.size(), " runs"));
  const std::string scenario = first.summary.String("scenario");
  if (!scenario.empty())
    facts.push_back(absl::StrCat("scenario ", Esc(scenario)));
  if (!input.ground_tracks.empty()) {
    facts.push_back(absl::StrCat(input.ground_tracks.size(), " satellites"));
  }
  if (!input.stations.empty()) {
    facts.push_back(absl::StrCat(input.stations.size(), " ground stations"));
  }
  if (!input.contacts_csv.empty()) {
    facts.push_back(absl::StrCat(
        GroupThousands(static_cast<double>(tl.contacts.size())), " contacts"));
  }
  if (tl.t0) {
    facts.push_back(
        absl::StrCat(FormatMinute(*tl.t0), " to ", FormatMinute(tl.t_end)));
  }

  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>",
      Esc(title), "</title><style>", kCss, "</style></head>\n<body><main>",
      "<header><h1>", Esc(title), "</h1><p class=\"sub\">",
      absl::StrJoin(facts, " · "), "</p></header>\n<div class=\"grid\">\n");
  html += SummarySection(runs);
  html += AccuracySection(runs);
  html += TimelineSection(input, runs, tl);
  html += MapSection(input);
  html += StalenessSection(runs);
  html += LinksSection(runs);
  html += ParticipationSection(runs);
  absl::StrAppend(&html,
                  "</div><footer>Written by orbitfl from the run directory "
                  "(metrics.csv, updates.csv, links.csv, participation.csv, "
                  "summary.json, events.jsonl, contacts.csv).</footer></main>"
                  "<script>",
                  kScript, "</script></body></html>\n");
  return html;
}

}  // namespace orbitfl::sim
