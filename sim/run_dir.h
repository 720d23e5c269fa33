#ifndef ORBITFL_SIM_RUN_DIR_H_
#define ORBITFL_SIM_RUN_DIR_H_

// The run directory, a public contract (README.md, "The run directory"):
// contacts.csv, events.jsonl, metrics.csv, updates.csv, links.csv,
// participation.csv, summary.json, model.pt (and report.html).

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sim/env.h"
#include "sim/json.h"

namespace orbitfl::sim {

struct MetricsRow {
  absl::Time utc;
  double sim_hours = 0;
  int64_t model_version = 0;
  double accuracy = 0;
  double loss = 0;
  int64_t updates_applied = 0;
  int64_t bytes_up = 0;    // satellite -> ground, cumulative
  int64_t bytes_down = 0;  // ground -> satellite, cumulative
};

// One update as the global model took it in (updates.csv).
struct UpdateRow {
  absl::Time utc;
  std::string satellite;
  int64_t base_version = 0;
  int64_t model_version = 0;
  int64_t staleness = 0;
  double weight = 0;
  int hops = 0;  // inter-satellite hops before the downlink; 0 = direct
};

class RunDirectory {
 public:
  // Creates `dir` (and parents) and opens events.jsonl and metrics.csv.
  static absl::StatusOr<std::unique_ptr<RunDirectory>> Create(
      const std::string& dir, Env* env);

  absl::Status WriteContacts(const std::string& csv);
  // One line of events.jsonl; `event` must already hold "event" and "utc".
  absl::Status AppendEvent(const JsonObject& event);
  absl::Status AppendMetrics(const MetricsRow& row);
  absl::Status AppendUpdate(const UpdateRow& row);
  // A whole file in the directory, e.g. links.csv.
  absl::Status WriteFile(const std::string& name, const std::string& contents);
  absl::Status WriteSummary(const JsonObject& summary);
  // model.pt: the global model as a LibTorch archive.
  absl::Status WriteModel(const std::string& bytes);
  // Flushes and closes the streamed files.
  absl::Status Close();

  const std::string& path() const { return dir_; }

 private:
  RunDirectory(std::string dir, Env* env) : dir_(std::move(dir)), env_(env) {}
  std::string dir_;
  Env* env_;
  std::unique_ptr<AppendFile> events_;
  std::unique_ptr<AppendFile> metrics_;
  std::unique_ptr<AppendFile> updates_;
};

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_RUN_DIR_H_
