// The summary table: SummarySection (sim/report_sections.h).

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/json_read.h"
#include "sim/report_sections.h"
#include "sim/report_svg.h"
#include "sim/time_format.h"

namespace orbitfl::sim::report_internal {
namespace {

struct SummaryRow {
  const char* key;
  const char* label;
  enum Kind { kText, kInt, kPercent, kHours, kBytes, kSeconds, kReal } kind;
  int better;  // +1 higher is better, -1 lower is better, 0 neither
};

constexpr SummaryRow kSummaryRows[] = {
    {"scenario", "Scenario", SummaryRow::kText, 0},
    {"seed", "Seed", SummaryRow::kInt, 0},
    {"final_accuracy", "Final accuracy", SummaryRow::kPercent, +1},
    {"best_accuracy", "Best accuracy", SummaryRow::kPercent, +1},
    {"initial_accuracy", "Initial accuracy", SummaryRow::kPercent, 0},
    {"time_to_target_h", "Time to target", SummaryRow::kHours, -1},
    {"sim_hours", "Simulated time", SummaryRow::kHours, 0},
    {"model_version", "Global model versions", SummaryRow::kInt, 0},
    {"updates_applied", "Updates applied", SummaryRow::kInt, +1},
    {"mean_staleness", "Mean staleness (versions)", SummaryRow::kReal, -1},
    {"bytes_up", "Bytes up (satellite → ground)", SummaryRow::kBytes, -1},
    {"bytes_down", "Bytes down (ground → satellite)", SummaryRow::kBytes, -1},
    {"wall_s", "Wall time", SummaryRow::kSeconds, -1},
    {"train_wall_s", "Training wall time", SummaryRow::kSeconds, -1},
    {"satellites", "Satellites", SummaryRow::kInt, 0},
    {"contacts", "Contact windows", SummaryRow::kInt, 0},
    {"dp_epsilon", "DP ε", SummaryRow::kReal, -1},
};

// summary.json's value for `key`, or one derived from the run's other files
// for runs whose summary lacks it.
std::optional<JsonValue> SummaryValue(const RunData& run,
                                      absl::string_view key) {
  if (const JsonValue* v = run.summary.Find(key)) return *v;
  auto number = [](std::optional<double> x) -> std::optional<JsonValue> {
    if (!x) return std::nullopt;
    JsonValue v;
    v.type = JsonValue::Type::kNumber;
    v.number = *x;
    v.text = absl::StrFormat("%.10g", *x);
    return v;
  };
  const MetricsSeries& m = run.metrics;
  if (!m.accuracy.empty()) {
    if (key == "final_accuracy") return number(m.accuracy.back());
    if (key == "initial_accuracy") return number(m.accuracy.front());
    if (key == "best_accuracy") {
      return number(*std::max_element(m.accuracy.begin(), m.accuracy.end()));
    }
    if (key == "sim_hours") return number(m.hours.back());
  }
  if (key == "model_version") return number(m.model_version);
  if (key == "updates_applied") return number(m.updates_applied);
  if (key == "bytes_up") return number(m.bytes_up);
  if (key == "bytes_down") return number(m.bytes_down);
  if (key == "mean_staleness" && !run.staleness.empty()) {
    double sum = 0;
    for (double s : run.staleness) sum += s;
    return number(sum / run.staleness.size());
  }
  // A run with a target leaves time_to_target_h out until it reaches it.
  if (key == "time_to_target_h" && run.target_accuracy) return JsonValue();
  return std::nullopt;
}

std::string FormatValue(const JsonValue& v, SummaryRow::Kind kind,
                        std::string* title) {
  switch (v.type) {
    case JsonValue::Type::kNull:
      return kind == SummaryRow::kHours ? "not reached" : "—";
    case JsonValue::Type::kBool:
      return v.boolean ? "yes" : "no";
    case JsonValue::Type::kString:
      return Esc(v.text);
    case JsonValue::Type::kNumber:
      break;
  }
  const double x = v.number;
  switch (kind) {
    case SummaryRow::kText:
      return Esc(v.text);
    case SummaryRow::kInt:
      return GroupThousands(x);
    case SummaryRow::kPercent:
      return FormatPercent(x);
    case SummaryRow::kHours:
      return absl::StrFormat("%.2f h", x);
    case SummaryRow::kBytes:
      *title = absl::StrCat(GroupThousands(x), " bytes");
      return FormatBytes(x);
    case SummaryRow::kSeconds:
      return FormatDuration(x);
    case SummaryRow::kReal:
      return absl::StrFormat("%.3g", x);
  }
  return "";
}

std::string RunHeader(const RunData& run) {
  return absl::StrCat("<th><i class=\"sw\" style=\"background:", run.colour,
                      "\"></i>", Esc(run.label), "</th>");
}

}  // namespace

std::string SummarySection(const std::vector<RunData>& runs) {
  std::string head = "<tr><th></th>";
  for (const RunData& run : runs) head += RunHeader(run);
  head += "</tr>";
  std::string body;
  for (const SummaryRow& row : kSummaryRows) {
    std::vector<std::optional<JsonValue>> values;
    int present = 0, numbers = 0;
    int best = -1;
    for (size_t i = 0; i < runs.size(); ++i) {
      values.push_back(SummaryValue(runs[i], row.key));
      const auto& v = values.back();
      if (!v) continue;
      ++present;
      if (row.better == 0 || v->type != JsonValue::Type::kNumber) continue;
      ++numbers;
      if (best < 0 ||
          v->number * row.better > values[best]->number * row.better) {
        best = static_cast<int>(i);
      }
    }
    if (present == 0) continue;
    absl::StrAppend(&body, "<tr><td>", Esc(row.label), "</td>");
    for (size_t i = 0; i < runs.size(); ++i) {
      std::string title;
      const std::string cell =
          values[i] ? FormatValue(*values[i], row.kind, &title) : "—";
      const bool is_best = numbers > 1 && static_cast<int>(i) == best;
      absl::StrAppend(&body, "<td", is_best ? " class=\"best\"" : "",
                      title.empty() ? "" : " title=\"", title,
                      title.empty() ? "" : "\"", ">", cell, "</td>");
    }
    body += "</tr>";
  }
  // Every summary.json field, known or not, under a fold.
  std::vector<std::string> keys;
  for (const RunData& run : runs) {
    for (const auto& [key, value] : run.summary.fields()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        keys.push_back(key);
      }
    }
  }
  std::string all;
  if (!keys.empty()) {
    all =
        absl::StrCat("<details><summary>All summary.json fields (", keys.size(),
                     ")</summary><table class=\"summary raw\">", head);
    for (const std::string& key : keys) {
      absl::StrAppend(&all, "<tr><td>", Esc(key), "</td>");
      for (const RunData& run : runs) {
        const JsonValue* v = run.summary.Find(key);
        std::string text = "—";
        if (v != nullptr) {
          text = v->type == JsonValue::Type::kNull ? "null"
                 : v->type == JsonValue::Type::kBool
                     ? (v->boolean ? "true" : "false")
                     : Esc(v->text);
        }
        absl::StrAppend(&all, "<td>", text, "</td>");
      }
      all += "</tr>";
    }
    all += "</table></details>";
  }
  std::string html =
      absl::StrCat("<table class=\"summary\">", head, body, "</table>", all,
                   MissingNote(runs, &RunData::has_summary, "summary.json",
                               "values come from its metrics.csv"));
  const std::string caption =
      runs.size() > 1 ? "One column per run; the best value of a row is bold."
                      : "";
  return Card("summary", "Summary", caption, html);
}

}  // namespace orbitfl::sim::report_internal
