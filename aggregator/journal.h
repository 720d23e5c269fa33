#ifndef ORBITFL_AGGREGATOR_JOURNAL_H_
#define ORBITFL_AGGREGATOR_JOURNAL_H_

// An append-only, synced log of the aggregator's inputs (upload bytes it
// acknowledges, ticks): the aggregator writes a record before it answers,
// so whatever it acknowledged survives a crash, and a restart replays the
// records into the same state (strategies are deterministic). Each record
// is a frame of proto/record_log.h; a torn or corrupt tail (a crash
// mid-write, never acknowledged) is cut off on open.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/record_log.h"
#include "proto/services.pb.h"

namespace orbitfl::aggregator {

class Journal {
 public:
  // Opens (or creates) the journal at `path`; `records` gets the valid
  // records already there, in order (not the generation's record).
  static absl::StatusOr<std::unique_ptr<Journal>> Open(
      const std::string& path, std::vector<proto::JournalRecord>* records);

  // Appends `record` and syncs it to disk before returning.
  absl::Status Append(const proto::JournalRecord& record);

  // Replaces the journal, atomically, by an empty one of `generation`
  // (what a snapshot of that generation holds everything before).
  absl::Status StartAfresh(int64_t generation);

  // 0 until the journal is first started afresh.
  int64_t generation() const { return generation_; }
  // Bytes on disk.
  int64_t bytes() const { return log_->bytes(); }

 private:
  Journal(std::unique_ptr<proto::RecordWriter> log, int64_t generation)
      : log_(std::move(log)), generation_(generation) {}
  std::unique_ptr<proto::RecordWriter> log_;
  int64_t generation_;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_JOURNAL_H_
