#include "aggregator/journal.h"

#include "third_party/status_macros.h"

namespace orbitfl::aggregator {

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(
    const std::string& path, std::vector<proto::JournalRecord>* records) {
  ORBITFL_ASSIGN_OR_RETURN(
      std::unique_ptr<proto::RecordWriter> log,
      (proto::ReopenLog<proto::JournalRecord>(path, records)));
  return std::unique_ptr<Journal>(new Journal(std::move(log)));
}

absl::Status Journal::Append(const proto::JournalRecord& record) {
  return log_->Append(record);
}

}  // namespace orbitfl::aggregator
