#include "aggregator/journal.h"

#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"

namespace orbitfl::aggregator {

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(
    const std::string& path, std::vector<proto::JournalRecord>* records) {
  std::vector<proto::JournalRecord> all;
  ORBITFL_ASSIGN_OR_RETURN(
      std::unique_ptr<proto::RecordWriter> log,
      (proto::ReopenLog<proto::JournalRecord>(path, &all)));
  int64_t generation = 0;
  size_t first = 0;
  if (!all.empty() && all.front().generation() > 0) {
    generation = all.front().generation();
    first = 1;
  }
  for (size_t i = first; i < all.size(); ++i) {
    if (all[i].generation() != 0) {
      return absl::DataLossError(absl::StrCat(
          path, ": record ", i + 1, " names a journal generation; only the "
          "first record may"));
    }
    records->push_back(std::move(all[i]));
  }
  return std::unique_ptr<Journal>(new Journal(std::move(log), generation));
}

absl::Status Journal::Append(const proto::JournalRecord& record) {
  return log_->Append(record);
}

absl::Status Journal::StartAfresh(int64_t generation) {
  proto::JournalRecord header;
  header.set_generation(generation);
  ORBITFL_ASSIGN_OR_RETURN(const std::string frame,
                           proto::FrameRecord(header));
  const std::string path = log_->path();
  ORBITFL_RETURN_IF_ERROR(proto::WriteFileAtomically(path, frame));
  ORBITFL_ASSIGN_OR_RETURN(
      log_, proto::RecordWriter::Open(path, static_cast<int64_t>(frame.size())));
  generation_ = generation;
  return absl::OkStatus();
}

}  // namespace orbitfl::aggregator
