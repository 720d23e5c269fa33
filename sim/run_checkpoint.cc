#include "sim/run_checkpoint.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

std::string ResumingPath(const std::string& run_dir) {
  return CheckpointPath(run_dir) + ".resuming";
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

absl::Status Remove(const std::string& path) {
  if (std::remove(path.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot remove: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// The log to replay in `run_dir` (a resume interrupted earlier left its
// source as .resuming), positioned after its scenario record.
absl::StatusOr<std::unique_ptr<proto::RecordReader>> OpenReplay(
    const std::string& run_dir, proto::Scenario* scenario) {
  std::string path = ResumingPath(run_dir);
  if (!Exists(path)) path = CheckpointPath(run_dir);
  absl::StatusOr<std::unique_ptr<proto::RecordReader>> reader =
      proto::RecordReader::Open(path);
  if (absl::IsNotFound(reader.status())) {
    return absl::NotFoundError(absl::StrCat(
        run_dir, " holds no checkpoint (", CheckpointPath(run_dir),
        "): the run completed, or never started there"));
  }
  if (!reader.ok()) return reader.status();
  proto::CheckpointRecord first;
  ORBITFL_ASSIGN_OR_RETURN(const bool any, (*reader)->Next(&first));
  if (!any || !first.has_scenario()) {
    return absl::DataLossError(absl::StrCat(
        path, ": expected the scenario as the first record of a checkpoint"));
  }
  *scenario = first.scenario();
  return reader;
}

// What a record is, for messages.
std::string Describe(const proto::CheckpointRecord& r) {
  switch (r.record_case()) {
    case proto::CheckpointRecord::kTraining:
      return absl::StrFormat("a training of %s from v%d",
                             r.training().satellite(),
                             r.training().base_version());
    case proto::CheckpointRecord::kEvaluation:
      return absl::StrFormat("an evaluation of v%d (model CRC %08x)",
                             r.evaluation().model_version(),
                             r.evaluation().model_crc32c());
    case proto::CheckpointRecord::kCall:
      return "the answer to a call";
    case proto::CheckpointRecord::kScenario:
      return "a scenario";
    case proto::CheckpointRecord::RECORD_NOT_SET:
      break;
  }
  return "an empty record";
}

}  // namespace

std::string CheckpointPath(const std::string& run_dir) {
  return run_dir + "/checkpoint.log";
}

absl::StatusOr<proto::Scenario> CheckpointScenario(const std::string& run_dir) {
  proto::Scenario scenario;
  ORBITFL_RETURN_IF_ERROR(OpenReplay(run_dir, &scenario).status());
  return scenario;
}

absl::StatusOr<std::unique_ptr<RunCheckpoint>> RunCheckpoint::Start(
    const std::string& run_dir, const proto::Scenario& scenario) {
  ORBITFL_RETURN_IF_ERROR(Remove(ResumingPath(run_dir)));
  ORBITFL_ASSIGN_OR_RETURN(
      std::unique_ptr<proto::RecordWriter> log,
      proto::RecordWriter::Open(CheckpointPath(run_dir), 0));
  std::unique_ptr<RunCheckpoint> checkpoint(
      new RunCheckpoint(run_dir, std::move(log), nullptr));
  proto::CheckpointRecord first;
  *first.mutable_scenario() = scenario;
  absl::MutexLock lock(&checkpoint->mu_);
  ORBITFL_RETURN_IF_ERROR(checkpoint->Append(first));
  return checkpoint;
}

absl::StatusOr<std::unique_ptr<RunCheckpoint>> RunCheckpoint::Resume(
    const std::string& run_dir, const proto::Scenario& scenario) {
  const std::string path = CheckpointPath(run_dir);
  const std::string resuming = ResumingPath(run_dir);
  if (!Exists(resuming) && Exists(path) &&
      std::rename(path.c_str(), resuming.c_str()) != 0) {
    return absl::InternalError(absl::StrCat(
        path, ": cannot rename to ", resuming, ": ", std::strerror(errno)));
  }
  proto::Scenario recorded;
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<proto::RecordReader> replay,
                           OpenReplay(run_dir, &recorded));
  if (recorded.SerializeAsString() != scenario.SerializeAsString()) {
    return absl::FailedPreconditionError(absl::StrCat(
        replay->path(), " was made for scenario \"", recorded.name(),
        "\" with other settings than the one given; resume it with the "
        "scenario it records (orbitfl run --resume=", run_dir, ")"));
  }
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<proto::RecordWriter> log,
                           proto::RecordWriter::Open(path, 0));
  std::unique_ptr<RunCheckpoint> checkpoint(
      new RunCheckpoint(run_dir, std::move(log), std::move(replay)));
  proto::CheckpointRecord first;
  *first.mutable_scenario() = scenario;
  absl::MutexLock lock(&checkpoint->mu_);
  ORBITFL_RETURN_IF_ERROR(checkpoint->Append(first));
  ORBITFL_RETURN_IF_ERROR(checkpoint->Peek().status());
  return checkpoint;
}

absl::Status RunCheckpoint::Append(const proto::CheckpointRecord& record) {
  // Records copied from the log being replayed are on disk there already.
  return log_->Append(record, /*sync=*/replay_ == nullptr);
}

absl::StatusOr<bool> RunCheckpoint::Peek() {
  if (next_.has_value()) return true;
  if (replay_ == nullptr) return false;
  proto::CheckpointRecord record;
  ORBITFL_ASSIGN_OR_RETURN(const bool more, replay_->Next(&record));
  if (more) {
    next_ = std::move(record);
    return true;
  }
  // Replayed whole: the new log holds all of it now.
  ORBITFL_RETURN_IF_ERROR(log_->Sync());
  replay_.reset();
  ORBITFL_RETURN_IF_ERROR(Remove(ResumingPath(run_dir_)));
  return false;
}

absl::Status RunCheckpoint::Take() {
  const proto::CheckpointRecord record = *std::move(next_);
  next_.reset();
  ORBITFL_RETURN_IF_ERROR(Append(record));
  // Reads ahead, so that replaying() turns false with the last record.
  return Peek().status();
}

absl::StatusOr<std::optional<proto::TrainingRecord>> RunCheckpoint::Next() {
  absl::MutexLock lock(&mu_);
  ORBITFL_ASSIGN_OR_RETURN(const bool more, Peek());
  if (!more) return std::nullopt;
  if (!next_->has_training()) {
    return absl::FailedPreconditionError(absl::StrCat(
        CheckpointPath(run_dir_), ": the run trains where the checkpoint "
        "recorded ", Describe(*next_),
        ": it took another course (another build?)"));
  }
  proto::TrainingRecord training = next_->training();
  ORBITFL_RETURN_IF_ERROR(Take());
  ++trainings_;
  return training;
}

absl::Status RunCheckpoint::Record(const proto::TrainingRecord& record) {
  absl::MutexLock lock(&mu_);
  proto::CheckpointRecord r;
  *r.mutable_training() = record;
  return Append(r);
}

absl::StatusOr<std::optional<proto::EvaluationRecord>>
RunCheckpoint::NextEvaluation(int64_t version, uint32_t model_crc32c) {
  absl::MutexLock lock(&mu_);
  ORBITFL_ASSIGN_OR_RETURN(const bool more, Peek());
  if (!more) return std::nullopt;
  const proto::EvaluationRecord& e = next_->evaluation();
  if (!next_->has_evaluation() || e.model_version() != version ||
      e.model_crc32c() != model_crc32c) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: the run evaluates v%d (model CRC %08x) where the checkpoint "
        "recorded %s: it took another course (another build?)",
        CheckpointPath(run_dir_), version, model_crc32c, Describe(*next_)));
  }
  proto::EvaluationRecord evaluation = e;
  ORBITFL_RETURN_IF_ERROR(Take());
  ++evaluations_;
  return evaluation;
}

absl::Status RunCheckpoint::RecordEvaluation(
    const proto::EvaluationRecord& record) {
  absl::MutexLock lock(&mu_);
  proto::CheckpointRecord r;
  *r.mutable_evaluation() = record;
  return Append(r);
}

absl::StatusOr<std::optional<proto::CallRecord>> RunCheckpoint::NextCall() {
  absl::MutexLock lock(&mu_);
  ORBITFL_ASSIGN_OR_RETURN(const bool more, Peek());
  if (!more) return std::nullopt;
  if (!next_->has_call()) {
    return absl::FailedPreconditionError(absl::StrCat(
        CheckpointPath(run_dir_),
        ": the run calls a service where the checkpoint recorded ",
        Describe(*next_), ": it took another course (another build?)"));
  }
  proto::CallRecord call = next_->call();
  ORBITFL_RETURN_IF_ERROR(Take());
  ++calls_;
  return call;
}

absl::Status RunCheckpoint::RecordCall(const proto::CallRecord& record) {
  absl::MutexLock lock(&mu_);
  proto::CheckpointRecord r;
  *r.mutable_call() = record;
  return Append(r);
}

int64_t RunCheckpoint::calls_replayed() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

bool RunCheckpoint::replaying() const {
  absl::MutexLock lock(&mu_);
  return replay_ != nullptr || next_.has_value();
}

int64_t RunCheckpoint::trainings_replayed() const {
  absl::MutexLock lock(&mu_);
  return trainings_;
}

int64_t RunCheckpoint::evaluations_replayed() const {
  absl::MutexLock lock(&mu_);
  return evaluations_;
}

absl::Status RunCheckpoint::Finish(bool remove) {
  absl::MutexLock lock(&mu_);
  if (replay_ != nullptr || next_.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        CheckpointPath(run_dir_),
        ": the run ended with records left to replay: it took another "
        "course (another build?)"));
  }
  ORBITFL_RETURN_IF_ERROR(log_->Sync());
  log_.reset();
  return remove ? Remove(CheckpointPath(run_dir_)) : absl::OkStatus();
}

}  // namespace orbitfl::sim
