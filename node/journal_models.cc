#include "node/journal_models.h"

#include "absl/strings/str_cat.h"

namespace orbitfl::node {

JournalModels::JournalModels(int versions_kept)
    : versions_kept_(versions_kept < 1 ? 1 : versions_kept) {}

void JournalModels::Elide(proto::ModelChunk& chunk) {
  chunk.clear_journaled_bytes();
  const int64_t size = static_cast<int64_t>(chunk.data().size());
  const auto it = bytes_.find(chunk.version());
  if (size > 0 && chunk.offset() >= 0 && it != bytes_.end() &&
      chunk.offset() + size <= static_cast<int64_t>(it->second.size()) &&
      it->second.compare(chunk.offset(), size, chunk.data()) == 0) {
    chunk.set_journaled_bytes(size);
    chunk.clear_data();
    return;
  }
  Learn(chunk);
}

absl::Status JournalModels::Restore(proto::ModelChunk& chunk) {
  const int64_t size = chunk.journaled_bytes();
  if (size <= 0) {
    Learn(chunk);
    return absl::OkStatus();
  }
  const auto it = bytes_.find(chunk.version());
  if (!chunk.data().empty() || chunk.offset() < 0 || it == bytes_.end() ||
      chunk.offset() + size > static_cast<int64_t>(it->second.size())) {
    return absl::DataLossError(absl::StrCat(
        "node journal: a model chunk (v", chunk.version(), ", offset ",
        chunk.offset(), ") refers to ", size,
        " bytes no earlier record holds"));
  }
  chunk.set_data(it->second.substr(chunk.offset(), size));
  chunk.clear_journaled_bytes();
  return absl::OkStatus();
}

int64_t JournalModels::held_bytes(int64_t version) const {
  const auto it = bytes_.find(version);
  return it == bytes_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

void JournalModels::Learn(const proto::ModelChunk& chunk) {
  const int64_t offset = chunk.offset();
  const std::string& data = chunk.data();
  const int64_t end = offset + static_cast<int64_t>(data.size());
  std::string& held = bytes_[chunk.version()];
  const int64_t have = static_cast<int64_t>(held.size());
  if (offset >= 0 && offset <= have && end > have &&
      held.compare(offset, have - offset, data, 0, have - offset) == 0) {
    held.append(data, have - offset, std::string::npos);
  }
  if (held.empty()) bytes_.erase(chunk.version());
  while (static_cast<int>(bytes_.size()) > versions_kept_) {
    bytes_.erase(bytes_.begin());
  }
}

}  // namespace orbitfl::node
