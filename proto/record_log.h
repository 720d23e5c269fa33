#ifndef ORBITFL_PROTO_RECORD_LOG_H_
#define ORBITFL_PROTO_RECORD_LOG_H_

// An append-only log of serialised protos on disk: the aggregator's and the
// nodes' journals and a run's checkpoint. Each record is framed as a
// little-endian uint32 length, a uint32 CRC32C of the payload, then the
// payload. A torn or corrupt tail (a crash mid-write) ends the log:
// readers stop before it, and a writer reopening the file cuts it off.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"

namespace orbitfl::proto {

// Reads a log front to back through a small buffer, so a log larger than
// memory can be replayed.
class RecordReader {
 public:
  // NotFound naming `path` when it does not exist.
  static absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& path);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Parses the next record into `record`. False at the end of the valid
  // records (the end of the file, or a torn or corrupt tail); an error only
  // when the file cannot be read.
  absl::StatusOr<bool> Next(google::protobuf::MessageLite* record);
  // Bytes from the start of the file to the end of the last record read.
  int64_t valid_bytes() const { return valid_; }
  const std::string& path() const { return path_; }

 private:
  RecordReader(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  // Makes `n` bytes available at buffer_[at_]; false at the end of file.
  absl::StatusOr<bool> Fill(size_t n);

  const std::string path_;
  const int fd_;
  std::string buffer_;
  size_t at_ = 0;
  int64_t valid_ = 0;
};

class RecordWriter {
 public:
  // Opens `path` (created when missing) to append after its first
  // `keep_bytes` bytes; whatever follows them is cut off.
  static absl::StatusOr<std::unique_ptr<RecordWriter>> Open(
      const std::string& path, int64_t keep_bytes);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Appends `record`; with `sync`, it is on disk before this returns
  // (without, it survives the process but not the machine).
  absl::Status Append(const google::protobuf::MessageLite& record,
                      bool sync = true);
  // Syncs what was appended without `sync`.
  absl::Status Sync();
  int64_t bytes() const { return bytes_; }
  const std::string& path() const { return path_; }

 private:
  RecordWriter(std::string path, int fd, int64_t bytes)
      : path_(std::move(path)), fd_(fd), bytes_(bytes) {}
  const std::string path_;
  const int fd_;
  int64_t bytes_;
};

// `record` framed as a log holds it (what Append writes).
absl::StatusOr<std::string> FrameRecord(
    const google::protobuf::MessageLite& record);

// Replaces `path` with `contents` atomically: written to PATH.tmp,
// synced, renamed over `path`, and the directory synced. A crash leaves
// the old file or the new one, never a mix.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

// Reads every valid record of `path` into `records` (none when it does
// not exist), then opens it for appending after them.
template <typename Record, typename Container>
absl::StatusOr<std::unique_ptr<RecordWriter>> ReopenLog(
    const std::string& path, Container* records) {
  int64_t keep = 0;
  absl::StatusOr<std::unique_ptr<RecordReader>> reader =
      RecordReader::Open(path);
  if (reader.ok()) {
    for (;;) {
      Record record;
      absl::StatusOr<bool> more = (*reader)->Next(&record);
      if (!more.ok()) return more.status();
      if (!*more) break;
      records->push_back(std::move(record));
    }
    keep = (*reader)->valid_bytes();
  } else if (!absl::IsNotFound(reader.status())) {
    return reader.status();
  }
  return RecordWriter::Open(path, keep);
}

}  // namespace orbitfl::proto

#endif  // ORBITFL_PROTO_RECORD_LOG_H_
