#ifndef ORBITFL_SIM_RUN_CHECKPOINT_H_
#define ORBITFL_SIM_RUN_CHECKPOINT_H_

// A run's checkpoint, RUN_DIR/checkpoint.log: the scenario, then every
// local training's result and every evaluation of the global model, in the
// order the run made them, each synced to disk as it is made. An embedded
// run keeps it while it runs and removes it when it completes; a run that
// stopped (killed, crashed, the machine lost) is resumed from it with
// `orbitfl run --resume=RUN_DIR`.
//
// Resuming rebuilds the run by running it again from the epoch with the
// recorded results in place of LibTorch (node/training_memo.h): orbits,
// capture, power, links, relays and aggregation re-run as they did, which
// costs a small part of the run (training is most of it), and put every
// service and the event loop back in the state they were in, exactly.
// Once the records are spent the run goes on training for real. Every run
// file comes out byte for byte as an uninterrupted run's.
//
// A distributed run's coordinator (`orbitfl coordinator`) keeps one too:
// its services train, so it records the answer to every call it makes
// instead (and its evaluations). Resumed, it re-runs from the epoch with
// those answers and no call at all, which puts it back where it stopped;
// the services, whose journals answer a repeated call the same way, are
// there already.
//
// While resuming, the log being replayed is RUN_DIR/checkpoint.log.resuming
// and a new checkpoint.log grows beside it; a resume that stops too is
// resumed from the .resuming one, which is removed once replayed.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "node/training_memo.h"
#include "proto/checkpoint.pb.h"
#include "proto/record_log.h"
#include "proto/scenario.pb.h"

namespace orbitfl::sim {

// checkpoint.log in `run_dir`.
std::string CheckpointPath(const std::string& run_dir);

// Removes the checkpoint in `run_dir` (and one being resumed); OK when
// there is none.
absl::Status RemoveCheckpoint(const std::string& run_dir);

// The scenario a checkpoint in `run_dir` was started with. NotFound naming
// the directory when it holds none (the run completed, or never ran).
absl::StatusOr<proto::Scenario> CheckpointScenario(const std::string& run_dir);

class RunCheckpoint final : public node::TrainingMemo {
 public:
  // A new checkpoint in `run_dir` for `scenario`, replacing any there.
  static absl::StatusOr<std::unique_ptr<RunCheckpoint>> Start(
      const std::string& run_dir, const proto::Scenario& scenario);
  // Resumes the checkpoint in `run_dir`; FailedPrecondition when it was
  // made for another scenario than `scenario`.
  static absl::StatusOr<std::unique_ptr<RunCheckpoint>> Resume(
      const std::string& run_dir, const proto::Scenario& scenario);

  // node::TrainingMemo. A record that is not a training where a training
  // comes is a FailedPrecondition (the run took another course).
  absl::StatusOr<std::optional<proto::TrainingRecord>> Next() override;
  absl::Status Record(const proto::TrainingRecord& record) override;

  // The recorded evaluation of the model with `version` and serialised
  // CRC32C `model_crc32c` while replaying (FailedPrecondition when the
  // next record is anything else); nullopt once the records are spent.
  absl::StatusOr<std::optional<proto::EvaluationRecord>> NextEvaluation(
      int64_t version, uint32_t model_crc32c);
  absl::Status RecordEvaluation(const proto::EvaluationRecord& record);

  // A coordinator's calls: the recorded answer to the next one while
  // replaying (FailedPrecondition when the next record is anything else);
  // nullopt once the records are spent.
  absl::StatusOr<std::optional<proto::CallRecord>> NextCall();
  absl::Status RecordCall(const proto::CallRecord& record);

  // Records still to replay.
  bool replaying() const;
  int64_t trainings_replayed() const;
  int64_t evaluations_replayed() const;
  int64_t calls_replayed() const;
  // The run completed: closes the checkpoint and, with `remove`, removes
  // it (kept, resuming replays the whole run).
  absl::Status Finish(bool remove = true);

 private:
  RunCheckpoint(std::string run_dir, std::unique_ptr<proto::RecordWriter> log,
                std::unique_ptr<proto::RecordReader> replay)
      : run_dir_(std::move(run_dir)),
        log_(std::move(log)),
        replay_(std::move(replay)) {}
  // The next record to replay into `next_`; false when none is left.
  absl::StatusOr<bool> Peek() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes `next_` (copying it into the new log).
  absl::Status Take() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The next record to replay, taken and counted in `count`, when it
  // `fits`; nullopt when none is left; FailedPrecondition saying what the
  // run is `doing` instead otherwise.
  absl::StatusOr<std::optional<proto::CheckpointRecord>> TakeIf(
      const std::function<bool(const proto::CheckpointRecord&)>& fits,
      const std::string& doing, int64_t* count) ABSL_LOCKS_EXCLUDED(mu_);
  // Appends a record made now (synced).
  absl::Status Add(const proto::CheckpointRecord& record)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Append(const proto::CheckpointRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string run_dir_;
  mutable absl::Mutex mu_;
  std::unique_ptr<proto::RecordWriter> log_ ABSL_GUARDED_BY(mu_);
  // The log being replayed, until it is spent.
  std::unique_ptr<proto::RecordReader> replay_ ABSL_GUARDED_BY(mu_);
  std::optional<proto::CheckpointRecord> next_ ABSL_GUARDED_BY(mu_);
  int64_t trainings_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t evaluations_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_RUN_CHECKPOINT_H_
