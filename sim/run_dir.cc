#include "sim/run_dir.h"

#include "absl/strings/str_format.h"
#include "sim/time_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {

absl::StatusOr<std::unique_ptr<RunDirectory>> RunDirectory::Create(
    const std::string& dir, Env* env) {
  ORBITFL_RETURN_IF_ERROR(env->CreateDirs(dir));
  std::unique_ptr<RunDirectory> run(new RunDirectory(dir, env));
  ORBITFL_ASSIGN_OR_RETURN(run->events_,
                           env->NewAppendFile(dir + "/events.jsonl"));
  ORBITFL_ASSIGN_OR_RETURN(run->metrics_,
                           env->NewAppendFile(dir + "/metrics.csv"));
  ORBITFL_RETURN_IF_ERROR(run->metrics_->Append(
      "utc,sim_hours,model_version,accuracy,loss,updates_applied,bytes_up,"
      "bytes_down\n"));
  ORBITFL_ASSIGN_OR_RETURN(run->updates_,
                           env->NewAppendFile(dir + "/updates.csv"));
  ORBITFL_RETURN_IF_ERROR(run->updates_->Append(
      "utc,satellite,base_version,model_version,staleness,weight,hops\n"));
  return run;
}

absl::Status RunDirectory::WriteContacts(const std::string& csv) {
  return env_->WriteFile(dir_ + "/contacts.csv", csv);
}

absl::Status RunDirectory::AppendEvent(const JsonObject& event) {
  return events_->Append(event.str() + "\n");
}

absl::Status RunDirectory::AppendMetrics(const MetricsRow& r) {
  ORBITFL_RETURN_IF_ERROR(metrics_->Append(absl::StrFormat(
      "%s,%.4f,%d,%.4f,%.4f,%d,%d,%d\n", FormatUtc(r.utc), r.sim_hours,
      r.model_version, r.accuracy, r.loss, r.updates_applied, r.bytes_up,
      r.bytes_down)));
  // Flushed per row: a run stopped midway keeps every evaluation so far.
  return metrics_->Flush();
}

absl::Status RunDirectory::AppendUpdate(const UpdateRow& r) {
  return updates_->Append(absl::StrFormat(
      "%s,%s,%d,%d,%d,%.6g,%d\n", FormatUtc(r.utc), r.satellite,
      r.base_version, r.model_version, r.staleness, r.weight, r.hops));
}

absl::Status RunDirectory::WriteFile(const std::string& name,
                                     const std::string& contents) {
  return env_->WriteFile(dir_ + "/" + name, contents);
}

absl::Status RunDirectory::WriteModel(const std::string& bytes) {
  return env_->WriteFile(dir_ + "/model.pt", bytes);
}

absl::Status RunDirectory::WriteSummary(const JsonObject& summary) {
  return env_->WriteFile(dir_ + "/summary.json", summary.str() + "\n");
}

absl::Status RunDirectory::Close() {
  ORBITFL_RETURN_IF_ERROR(events_->Close());
  ORBITFL_RETURN_IF_ERROR(updates_->Close());
  return metrics_->Close();
}

}  // namespace orbitfl::sim
