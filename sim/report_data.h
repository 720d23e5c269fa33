#ifndef ORBITFL_SIM_REPORT_DATA_H_
#define ORBITFL_SIM_REPORT_DATA_H_

// report.html's input, parsed: a run's files (ReportRun) become a RunData,
// the contact plan and the first run's events a Timeline. Every error names
// the file and line. The sections draw from these and parse nothing.
//
// Internal to the report (sim/report.h): only sim/report*.cc include this.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sim/json_read.h"
#include "sim/report.h"

namespace orbitfl::sim::report_internal {

struct MetricsSeries {
  std::vector<double> hours;
  std::vector<double> accuracy;
  std::optional<absl::Time> start_utc;  // utc - sim_hours of the first row
  std::optional<double> model_version, updates_applied, bytes_up, bytes_down;
};

struct LinkRow {
  std::string kind;
  double bytes = 0;
  std::optional<double> windows, open_s, busy_s, utilisation;
};

struct ParticipationRow {
  std::string satellite;
  double updates_applied = 0;
  std::optional<double> trainings, updates_sent, bytes_up, bytes_down;
};

// A contact window or a transfer.
struct Interval {
  bool isl = false;
  std::string a, b;
  absl::Time start, end;
  bool model = false;  // transfers: payload "model" (else "update")
};

struct RunData {
  std::string label;
  std::string colour;
  bool has_metrics = false, has_updates = false, has_links = false,
       has_participation = false, has_summary = false, has_events = false;
  MetricsSeries metrics;
  std::vector<double> staleness;
  std::vector<double> hops;  // empty when updates.csv has no hops column
  std::vector<LinkRow> links;
  std::vector<ParticipationRow> participation;
  FlatJson summary;
  // summary.json's "target_accuracy", in [0, 1]; absent or null: none.
  std::optional<double> target_accuracy;
  std::vector<Interval> transfers;
  std::vector<absl::Time> aggregations;
  std::optional<absl::Time> run_start;
};

// Run `index` of the report (0 first): its label ("run N" when empty) and
// colour, and its files parsed. Only the first run's events.jsonl is read
// (its transfers are drawn on the timeline). InvalidArgument naming the
// file and line for malformed input, or the field for a summary.json
// "target_accuracy" that is not a number in [0, 1].
absl::StatusOr<RunData> ParseRun(const ReportRun& in, int index);

struct Timeline {
  std::vector<Interval> contacts;
  std::optional<absl::Time> t0;  // run start
  absl::Time t_end;
};

// The contact plan (none when input.contacts_csv is empty), and the span
// the first run covers: from its start (metrics' utc - sim_hours, else its
// run_start event, else the first contact) to the last contact, transfer or
// evaluation of any run. `runs` are input.runs parsed, not empty.
absl::StatusOr<Timeline> ParseTimeline(const ReportInput& input,
                                       const std::vector<RunData>& runs);

}  // namespace orbitfl::sim::report_internal

#endif  // ORBITFL_SIM_REPORT_DATA_H_
