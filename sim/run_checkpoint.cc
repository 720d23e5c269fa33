#include "sim/run_checkpoint.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

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

absl::Status RemoveCheckpoint(const std::string& run_dir) {
  ORBITFL_RETURN_IF_ERROR(Remove(ResumingPath(run_dir)));
  return Remove(CheckpointPath(run_dir));
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

absl::StatusOr<std::optional<proto::CheckpointRecord>> RunCheckpoint::TakeIf(
    const std::function<bool(const proto::CheckpointRecord&)>& fits,
    const std::string& doing, int64_t* count) {
  absl::MutexLock lock(&mu_);
  ORBITFL_ASSIGN_OR_RETURN(const bool more, Peek());
  if (!more) return std::nullopt;
  if (!fits(*next_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        CheckpointPath(run_dir_), ": the run ", doing,
        " where the checkpoint recorded ", Describe(*next_),
        ": it took another course (another build?)"));
  }
  proto::CheckpointRecord record = *next_;
  ORBITFL_RETURN_IF_ERROR(Take());
  ++*count;
  return record;
}

absl::Status RunCheckpoint::Add(const proto::CheckpointRecord& record) {
  absl::MutexLock lock(&mu_);
  return Append(record);
}

absl::StatusOr<std::optional<proto::TrainingRecord>> RunCheckpoint::Next() {
  ORBITFL_ASSIGN_OR_RETURN(
      std::optional<proto::CheckpointRecord> r,
      TakeIf([](const proto::CheckpointRecord& r) { return r.has_training(); },
             "trains", &trainings_));
  if (!r.has_value()) return std::nullopt;
  return r->training();
}

absl::Status RunCheckpoint::Record(const proto::TrainingRecord& record) {
  proto::CheckpointRecord r;
  *r.mutable_training() = record;
  return Add(r);
}

absl::StatusOr<std::optional<proto::EvaluationRecord>>
RunCheckpoint::NextEvaluation(int64_t version, uint32_t model_crc32c) {
  ORBITFL_ASSIGN_OR_RETURN(
      std::optional<proto::CheckpointRecord> r,
      TakeIf(
          [&](const proto::CheckpointRecord& r) {
            return r.has_evaluation() &&
                   r.evaluation().model_version() == version &&
                   r.evaluation().model_crc32c() == model_crc32c;
          },
          absl::StrFormat("evaluates v%d (model CRC %08x)", version,
                          model_crc32c),
          &evaluations_));
  if (!r.has_value()) return std::nullopt;
  return r->evaluation();
}

absl::Status RunCheckpoint::RecordEvaluation(
    const proto::EvaluationRecord& record) {
  proto::CheckpointRecord r;
  *r.mutable_evaluation() = record;
  return Add(r);
}

absl::StatusOr<std::optional<proto::CallRecord>> RunCheckpoint::NextCall() {
  ORBITFL_ASSIGN_OR_RETURN(
      std::optional<proto::CheckpointRecord> r,
      TakeIf([](const proto::CheckpointRecord& r) { return r.has_call(); },
             "calls a service", &calls_));
  if (!r.has_value()) return std::nullopt;
  return r->call();
}

absl::Status RunCheckpoint::RecordCall(const proto::CallRecord& record) {
  proto::CheckpointRecord r;
  *r.mutable_call() = record;
  return Add(r);
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
