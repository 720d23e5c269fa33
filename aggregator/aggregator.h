#ifndef ORBITFL_AGGREGATOR_AGGREGATOR_H_
#define ORBITFL_AGGREGATOR_AGGREGATOR_H_

// The ground aggregator's state, independent of the wire: resumable chunked
// uploads (checked by CRC32C and offset), validation of complete updates
// against the global model, the strategy, and every published model version
// serialised for download. The gRPC service in service.h is a thin shell.

#include <cstdint>
#include <functional>
#include <vector>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aggregator/journal.h"
#include "aggregator/strategy.h"
#include "proto/record_log.h"
#include "proto/services.pb.h"
#include "proto/tensor.pb.h"

namespace orbitfl::aggregator {

// The largest chunk of an upload (link.chunk_bytes is at most 4 MiB).
inline constexpr int64_t kMaxChunkBytes = 4 << 20;

struct AggregatorOptions {
  proto::Model initial;  // version 0
  absl::Time start;
  // Largest serialised update accepted.
  int64_t max_update_bytes = 64 << 20;
  // A journal file (aggregator/journal.h): every acknowledged upload byte
  // and every tick is synced there before the answer, and an aggregator
  // created on an existing journal replays it. Empty: in memory only.
  std::string journal_path;
  // With a journal: every this many ticks the whole state (global model,
  // version, round or buffer, uploads under way, finished uploads) is
  // written to JOURNAL.snapshot atomically (proto::WriteFileAtomically),
  // and a restart restores it and replays only the journal records after
  // it. 0: never (a restart replays the whole journal). Published versions
  // go to JOURNAL.versions as they are published, once each. Default 20.
  int64_t snapshot_every_ticks = 20;
  // Fault injection for tests: called right after the Nth tick is
  // journaled, before it is applied or answered (N from 1).
  std::function<void(int64_t ticks)> after_journaled_tick;
};

class Aggregator {
 public:
  static absl::StatusOr<std::unique_ptr<Aggregator>> Create(
      const AggregatorOptions& options, std::unique_ptr<Strategy> strategy);

  // One chunk of an upload. DataLoss when its CRC32C does not match,
  // OutOfRange when it starts past the bytes received (a gap),
  // InvalidArgument when it contradicts the upload's total size or is too
  // large. Chunks wholly below the received offset are resent duplicates
  // and are ignored.
  absl::Status ReceiveChunk(const proto::UpdateChunk& chunk)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Closes one upload stream: acknowledges the contiguous bytes received
  // and, once all arrived, validates and offers the update (exactly once).
  proto::UploadAck FinishUpload(const std::string& transfer_id)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The serialised model of `version` (0 = current) and its version.
  // NotFound for a version never published.
  absl::StatusOr<std::pair<int64_t, std::shared_ptr<const std::string>>>
  ModelBytes(int64_t version) const ABSL_LOCKS_EXCLUDED(mu_);

  // Advances the virtual clock. A `sequence` (> 0) equal to the last
  // one's gets the last reply again (a retried tick is not a new tick).
  absl::StatusOr<proto::TickReply> Tick(absl::Time now, int64_t sequence = 0)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Records replayed from the journal when this aggregator started, and
  // the tick of the snapshot it restored first (0: none).
  int64_t replayed() const { return replayed_; }
  int64_t restored_tick() const { return restored_tick_; }

  int64_t current_version() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Upload {
    std::string satellite;
    int64_t base_version = 0;
    int64_t total_bytes = 0;
    std::string data;
    int64_t journaled = 0;  // bytes of data in the journal
  };
  Aggregator(const AggregatorOptions& options,
             std::unique_ptr<Strategy> strategy);
  // The strategy's global model as a published version.
  absl::Status PublishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps `bytes` as `version`, writing it to the versions log (with a
  // journal) unless it is there already.
  absl::Status LogVersionLocked(int64_t version,
                                std::shared_ptr<const std::string> bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies the journal's records (at creation), after the first `skip`.
  absl::Status Replay(const std::vector<proto::JournalRecord>& records,
                      size_t skip) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The snapshot next to the journal: written, and restored (false when
  // there is none).
  absl::Status SnapshotLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<bool> RestoreLocked(int64_t* journal_records,
                                     int64_t* journal_generation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The acknowledgement of an upload whose bytes are all in; offers it.
  proto::UploadAck CompleteLocked(const std::string& transfer_id,
                                  std::map<std::string, Upload>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<proto::TickReply> TickLocked(absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An upload's claims (satellite, base) and its tensors' names and shapes,
  // checked against the global model before the delta is decoded.
  absl::Status ValidateLocked(const proto::ModelDelta& delta,
                              const Upload& upload) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  proto::TickReply ReplyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t max_update_bytes_;
  std::function<void(int64_t)> after_journaled_tick_;
  mutable absl::Mutex mu_;
  std::unique_ptr<Journal> journal_ ABSL_GUARDED_BY(mu_);
  // JOURNAL.versions: every published version, once (with a journal).
  std::unique_ptr<proto::RecordWriter> versions_log_ ABSL_GUARDED_BY(mu_);
  const std::string snapshot_path_;
  const int64_t snapshot_every_ticks_;
  // Records in the journal (replayed or appended).
  int64_t restored_tick_ = 0;
  int64_t ticks_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  proto::TickReply last_reply_ ABSL_GUARDED_BY(mu_);
  int64_t replayed_ = 0;
  std::unique_ptr<Strategy> strategy_ ABSL_GUARDED_BY(mu_);
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Upload> uploads_ ABSL_GUARDED_BY(mu_);
  // Finished uploads and their final acknowledgement, so that a repeated
  // upload is acknowledged again but never applied twice.
  std::map<std::string, proto::UploadAck> finished_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, std::shared_ptr<const std::string>> versions_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_AGGREGATOR_H_
