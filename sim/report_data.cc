#include "sim/report_data.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "sim/csv_table.h"
#include "sim/time_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace report_internal {
namespace {

// Tableau 10: distinguishable, and kind to the colour-blind in its first
// few entries. Run i always gets kRunColours[i % 10].
constexpr const char* kRunColours[] = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string SourceName(const ReportRun& run, absl::string_view file) {
  return run.dir.empty() ? absl::StrCat(run.label, ": ", file)
                         : absl::StrCat(run.dir, "/", file);
}

// The cell as a number; nullopt when the column is absent or the cell empty.
absl::StatusOr<std::optional<double>> OptionalNumber(const CsvTable& t, int row,
                                                     int column) {
  if (column < 0 || t.Cell(row, column).empty()) return std::nullopt;
  ORBITFL_ASSIGN_OR_RETURN(double v, t.Double(row, column));
  return std::optional<double>(v);
}

absl::Status ParseMetrics(const std::string& text, const std::string& name,
                          MetricsSeries* m) {
  ORBITFL_ASSIGN_OR_RETURN(CsvTable t, CsvTable::Parse(text, name));
  ORBITFL_ASSIGN_OR_RETURN(int hours_col, t.RequireColumn("sim_hours"));
  ORBITFL_ASSIGN_OR_RETURN(int accuracy_col, t.RequireColumn("accuracy"));
  const int utc_col = t.FindColumn("utc");
  for (int r = 0; r < t.num_rows(); ++r) {
    ORBITFL_ASSIGN_OR_RETURN(double hours, t.Double(r, hours_col));
    ORBITFL_ASSIGN_OR_RETURN(double accuracy, t.Double(r, accuracy_col));
    if (accuracy < 0 || accuracy > 1) {
      return t.RowError(r, accuracy_col,
                        absl::StrCat("expected an accuracy in [0, 1], got ",
                                     t.Cell(r, accuracy_col)));
    }
    if (r == 0 && utc_col >= 0) {
      ORBITFL_ASSIGN_OR_RETURN(absl::Time utc, t.Time(r, utc_col));
      m->start_utc = utc - absl::Seconds(hours * 3600);
    }
    m->hours.push_back(hours);
    m->accuracy.push_back(accuracy);
  }
  if (t.num_rows() > 0) {
    const int last = t.num_rows() - 1;
    ORBITFL_ASSIGN_OR_RETURN(
        m->model_version,
        OptionalNumber(t, last, t.FindColumn("model_version")));
    ORBITFL_ASSIGN_OR_RETURN(
        m->updates_applied,
        OptionalNumber(t, last, t.FindColumn("updates_applied")));
    ORBITFL_ASSIGN_OR_RETURN(m->bytes_up,
                             OptionalNumber(t, last, t.FindColumn("bytes_up")));
    ORBITFL_ASSIGN_OR_RETURN(
        m->bytes_down, OptionalNumber(t, last, t.FindColumn("bytes_down")));
  }
  return absl::OkStatus();
}

absl::Status ParseUpdates(const std::string& text, const std::string& name,
                          RunData* run) {
  ORBITFL_ASSIGN_OR_RETURN(CsvTable t, CsvTable::Parse(text, name));
  ORBITFL_ASSIGN_OR_RETURN(int staleness_col, t.RequireColumn("staleness"));
  const int hops_col = t.FindColumn("hops");
  for (int r = 0; r < t.num_rows(); ++r) {
    ORBITFL_ASSIGN_OR_RETURN(int64_t staleness, t.Int(r, staleness_col));
    if (staleness < 0) {
      return t.RowError(r, staleness_col, "expected a staleness >= 0");
    }
    run->staleness.push_back(static_cast<double>(staleness));
    if (hops_col >= 0) {
      ORBITFL_ASSIGN_OR_RETURN(int64_t hops, t.Int(r, hops_col));
      run->hops.push_back(static_cast<double>(hops));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseLinks(const std::string& text, const std::string& name,
                        RunData* run) {
  ORBITFL_ASSIGN_OR_RETURN(CsvTable t, CsvTable::Parse(text, name));
  ORBITFL_ASSIGN_OR_RETURN(int kind_col, t.RequireColumn("kind"));
  ORBITFL_ASSIGN_OR_RETURN(int bytes_col, t.RequireColumn("bytes"));
  for (int r = 0; r < t.num_rows(); ++r) {
    LinkRow row;
    row.kind = t.Cell(r, kind_col);
    ORBITFL_ASSIGN_OR_RETURN(row.bytes, t.Double(r, bytes_col));
    ORBITFL_ASSIGN_OR_RETURN(row.windows,
                             OptionalNumber(t, r, t.FindColumn("windows")));
    ORBITFL_ASSIGN_OR_RETURN(row.open_s,
                             OptionalNumber(t, r, t.FindColumn("open_s")));
    ORBITFL_ASSIGN_OR_RETURN(row.busy_s,
                             OptionalNumber(t, r, t.FindColumn("busy_s")));
    ORBITFL_ASSIGN_OR_RETURN(row.utilisation,
                             OptionalNumber(t, r, t.FindColumn("utilisation")));
    run->links.push_back(std::move(row));
  }
  return absl::OkStatus();
}

absl::Status ParseParticipation(const std::string& text,
                                const std::string& name, RunData* run) {
  ORBITFL_ASSIGN_OR_RETURN(CsvTable t, CsvTable::Parse(text, name));
  ORBITFL_ASSIGN_OR_RETURN(int sat_col, t.RequireColumn("satellite"));
  ORBITFL_ASSIGN_OR_RETURN(int applied_col, t.RequireColumn("updates_applied"));
  for (int r = 0; r < t.num_rows(); ++r) {
    ParticipationRow row;
    row.satellite = t.Cell(r, sat_col);
    ORBITFL_ASSIGN_OR_RETURN(row.updates_applied, t.Double(r, applied_col));
    ORBITFL_ASSIGN_OR_RETURN(row.trainings,
                             OptionalNumber(t, r, t.FindColumn("trainings")));
    ORBITFL_ASSIGN_OR_RETURN(
        row.updates_sent, OptionalNumber(t, r, t.FindColumn("updates_sent")));
    ORBITFL_ASSIGN_OR_RETURN(row.bytes_up,
                             OptionalNumber(t, r, t.FindColumn("bytes_up")));
    ORBITFL_ASSIGN_OR_RETURN(row.bytes_down,
                             OptionalNumber(t, r, t.FindColumn("bytes_down")));
    run->participation.push_back(std::move(row));
  }
  return absl::OkStatus();
}

absl::Status ParseContacts(const std::string& text, const std::string& name,
                           std::vector<Interval>* contacts) {
  ORBITFL_ASSIGN_OR_RETURN(CsvTable t, CsvTable::Parse(text, name));
  ORBITFL_ASSIGN_OR_RETURN(int kind_col, t.RequireColumn("kind"));
  ORBITFL_ASSIGN_OR_RETURN(int a_col, t.RequireColumn("a"));
  ORBITFL_ASSIGN_OR_RETURN(int b_col, t.RequireColumn("b"));
  ORBITFL_ASSIGN_OR_RETURN(int start_col, t.RequireColumn("start_utc"));
  ORBITFL_ASSIGN_OR_RETURN(int end_col, t.RequireColumn("end_utc"));
  contacts->reserve(t.num_rows());
  for (int r = 0; r < t.num_rows(); ++r) {
    const std::string& kind = t.Cell(r, kind_col);
    // Kinds a later version may add are not drawn.
    if (kind != "ground" && kind != "isl") continue;
    Interval c;
    c.isl = kind == "isl";
    c.a = t.Cell(r, a_col);
    c.b = t.Cell(r, b_col);
    ORBITFL_ASSIGN_OR_RETURN(c.start, t.Time(r, start_col));
    ORBITFL_ASSIGN_OR_RETURN(c.end, t.Time(r, end_col));
    if (c.end < c.start) {
      return t.RowError(r, end_col, "expected end_utc >= start_utc");
    }
    contacts->push_back(std::move(c));
  }
  return absl::OkStatus();
}

// Fields of one events.jsonl line.
class EventLine {
 public:
  EventLine(const FlatJson& json, const std::string& file, int line)
      : json_(json), file_(file), line_(line) {}

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(file_, ": line ", line_, ": ", what));
  }
  absl::StatusOr<std::string> String(absl::string_view key) const {
    const JsonValue* v = json_.Find(key);
    if (v == nullptr || v->type != JsonValue::Type::kString) {
      return Error(absl::StrCat("expected a string field \"", key, "\""));
    }
    return v->text;
  }
  absl::StatusOr<absl::Time> Time(absl::string_view key) const {
    ORBITFL_ASSIGN_OR_RETURN(std::string text, String(key));
    absl::StatusOr<absl::Time> t = ParseUtc(text);
    if (!t.ok()) {
      return Error(absl::StrCat("field \"", key,
                                "\": expected an ISO 8601 UTC time, got \"",
                                text, "\""));
    }
    return t;
  }

 private:
  const FlatJson& json_;
  const std::string& file_;
  int line_;
};

absl::Status ParseEvents(const std::string& text, const std::string& name,
                         RunData* run) {
  size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    absl::string_view content(text.data() + pos, end - pos);
    pos = end + 1;
    ++line;
    if (absl::StripAsciiWhitespace(content).empty()) continue;
    absl::StatusOr<FlatJson> json = FlatJson::Parse(content);
    if (!json.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": line ", line, ": ", json.status().message()));
    }
    const EventLine e(*json, name, line);
    ORBITFL_ASSIGN_OR_RETURN(std::string event, e.String("event"));
    if (event == "transfer") {
      Interval x;
      ORBITFL_ASSIGN_OR_RETURN(std::string kind, e.String("kind"));
      if (kind != "ground" && kind != "isl") continue;
      x.isl = kind == "isl";
      ORBITFL_ASSIGN_OR_RETURN(x.a, e.String("a"));
      ORBITFL_ASSIGN_OR_RETURN(x.b, e.String("b"));
      ORBITFL_ASSIGN_OR_RETURN(x.start, e.Time("start_utc"));
      ORBITFL_ASSIGN_OR_RETURN(x.end, e.Time("end_utc"));
      ORBITFL_ASSIGN_OR_RETURN(std::string payload, e.String("payload"));
      if (payload != "update" && payload != "model") {
        return e.Error(
            absl::StrCat("field \"payload\": expected update or model, got \"",
                         payload, "\""));
      }
      x.model = payload == "model";
      run->transfers.push_back(std::move(x));
    } else if (event == "aggregate") {
      ORBITFL_ASSIGN_OR_RETURN(absl::Time utc, e.Time("utc"));
      run->aggregations.push_back(utc);
    } else if (event == "run_start") {
      ORBITFL_ASSIGN_OR_RETURN(absl::Time utc, e.Time("utc"));
      run->run_start = utc;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunData> ParseRun(const ReportRun& in, int index) {
  RunData run;
  run.label = in.label.empty() ? absl::StrCat("run ", index + 1) : in.label;
  run.colour = kRunColours[index % 10];
  if (!in.metrics_csv.empty()) {
    run.has_metrics = true;
    ORBITFL_RETURN_IF_ERROR(ParseMetrics(
        in.metrics_csv, SourceName(in, "metrics.csv"), &run.metrics));
  }
  if (!in.updates_csv.empty()) {
    run.has_updates = true;
    ORBITFL_RETURN_IF_ERROR(
        ParseUpdates(in.updates_csv, SourceName(in, "updates.csv"), &run));
  }
  if (!in.links_csv.empty()) {
    run.has_links = true;
    ORBITFL_RETURN_IF_ERROR(
        ParseLinks(in.links_csv, SourceName(in, "links.csv"), &run));
  }
  if (!in.participation_csv.empty()) {
    run.has_participation = true;
    ORBITFL_RETURN_IF_ERROR(ParseParticipation(
        in.participation_csv, SourceName(in, "participation.csv"), &run));
  }
  if (!in.summary_json.empty()) {
    run.has_summary = true;
    absl::StatusOr<FlatJson> summary = FlatJson::Parse(in.summary_json);
    if (!summary.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(SourceName(in, "summary.json"),
                       ": line 1: ", summary.status().message()));
    }
    run.summary = std::move(*summary);
    const JsonValue* target = run.summary.Find("target_accuracy");
    if (target != nullptr && target->type != JsonValue::Type::kNull) {
      if (target->type != JsonValue::Type::kNumber || target->number < 0 ||
          target->number > 1) {
        std::string got = target->text;  // a number as written
        if (target->type == JsonValue::Type::kString) {
          got = absl::StrCat("\"", target->text, "\"");
        } else if (target->type == JsonValue::Type::kBool) {
          got = target->boolean ? "true" : "false";
        }
        return absl::InvalidArgumentError(absl::StrCat(
            SourceName(in, "summary.json"),
            ": field \"target_accuracy\": expected a number in [0, 1], got ",
            got));
      }
      run.target_accuracy = target->number;
    }
  }
  if (index == 0 && !in.events_jsonl.empty()) {
    // Only the first run's events are drawn (transfers on the timeline).
    run.has_events = true;
    ORBITFL_RETURN_IF_ERROR(
        ParseEvents(in.events_jsonl, SourceName(in, "events.jsonl"), &run));
  }
  return run;
}

absl::StatusOr<Timeline> ParseTimeline(const ReportInput& input,
                                       const std::vector<RunData>& runs) {
  Timeline tl;
  if (!input.contacts_csv.empty()) {
    ORBITFL_RETURN_IF_ERROR(ParseContacts(
        input.contacts_csv,
        input.contacts_source.empty() ? "contacts.csv" : input.contacts_source,
        &tl.contacts));
  }
  // The run's start: from metrics (utc - sim_hours), else run_start, else
  // the first contact.
  const RunData& first = runs.front();
  if (first.metrics.start_utc) {
    tl.t0 = first.metrics.start_utc;
  } else if (first.run_start) {
    tl.t0 = first.run_start;
  } else {
    for (const Interval& c : tl.contacts) {
      if (!tl.t0 || c.start < *tl.t0) tl.t0 = c.start;
    }
  }
  if (tl.t0) {
    tl.t_end = *tl.t0;
    for (const Interval& c : tl.contacts) tl.t_end = std::max(tl.t_end, c.end);
    for (const Interval& x : first.transfers)
      tl.t_end = std::max(tl.t_end, x.end);
    for (const RunData& run : runs) {
      if (!run.metrics.hours.empty()) {
        tl.t_end = std::max(
            tl.t_end, *tl.t0 + absl::Seconds(run.metrics.hours.back() * 3600));
      }
    }
  }
  return tl;
}

}  // namespace report_internal

absl::StatusOr<ReportRun> LoadReportRun(const std::string& dir,
                                        const std::string& label, Env* env) {
  ReportRun run;
  run.dir = dir;
  auto read = [&](const char* file, bool required,
                  std::string* out) -> absl::Status {
    const std::string path = absl::StrCat(dir, "/", file);
    absl::StatusOr<std::string> text = env->ReadFile(path);
    if (text.ok()) {
      *out = std::move(*text);
      return absl::OkStatus();
    }
    if (absl::IsNotFound(text.status())) {
      if (!required) return absl::OkStatus();
      return absl::NotFoundError(absl::StrCat(path, " does not exist: ", dir,
                                              " is not a run directory"));
    }
    return text.status();
  };
  ORBITFL_RETURN_IF_ERROR(read("metrics.csv", true, &run.metrics_csv));
  ORBITFL_RETURN_IF_ERROR(read("updates.csv", false, &run.updates_csv));
  ORBITFL_RETURN_IF_ERROR(read("links.csv", false, &run.links_csv));
  ORBITFL_RETURN_IF_ERROR(
      read("participation.csv", false, &run.participation_csv));
  ORBITFL_RETURN_IF_ERROR(read("summary.json", false, &run.summary_json));
  ORBITFL_RETURN_IF_ERROR(read("events.jsonl", false, &run.events_jsonl));
  run.label = label;
  if (run.label.empty() && !run.summary_json.empty()) {
    absl::StatusOr<FlatJson> summary = FlatJson::Parse(run.summary_json);
    if (summary.ok()) run.label = summary->String("strategy");
  }
  if (run.label.empty()) {
    absl::string_view name = dir;
    while (absl::ConsumeSuffix(&name, "/")) {
    }
    const size_t slash = name.rfind('/');
    run.label = std::string(
        slash == absl::string_view::npos ? name : name.substr(slash + 1));
  }
  return run;
}

}  // namespace orbitfl::sim
