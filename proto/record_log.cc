#include "proto/record_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "proto/crc32c.h"

namespace orbitfl::proto {
namespace {

constexpr size_t kHeader = 8;
// A frame longer than this is corruption, not a record.
constexpr uint32_t kMaxRecord = 1u << 30;

uint32_t ReadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

absl::Status Errno(const std::string& what, const std::string& path) {
  const int e = errno;
  const std::string message =
      absl::StrCat(path, ": ", what, ": ", std::strerror(e));
  if (e == ENOENT) return absl::NotFoundError(message);
  if (e == EACCES || e == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordReader>> RecordReader::Open(
    const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  return std::unique_ptr<RecordReader>(new RecordReader(path, fd));
}

RecordReader::~RecordReader() { ::close(fd_); }

absl::StatusOr<bool> RecordReader::Fill(size_t n) {
  if (at_ > 0 && buffer_.size() - at_ < n) {
    buffer_.erase(0, at_);
    at_ = 0;
  }
  char chunk[1 << 16];
  while (buffer_.size() - at_ < n) {
    const ssize_t got = ::read(fd_, chunk, sizeof(chunk));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", path_);
    }
    if (got == 0) return false;
    buffer_.append(chunk, static_cast<size_t>(got));
  }
  return true;
}

absl::StatusOr<bool> RecordReader::Next(google::protobuf::MessageLite* record) {
  absl::StatusOr<bool> have = Fill(kHeader);
  if (!have.ok() || !*have) return have;
  const uint32_t length = ReadU32(buffer_.data() + at_);
  const uint32_t crc = ReadU32(buffer_.data() + at_ + 4);
  if (length > kMaxRecord) return false;
  have = Fill(kHeader + length);
  if (!have.ok() || !*have) return have;  // torn
  const char* payload = buffer_.data() + at_ + kHeader;
  if (Crc32c(absl::string_view(payload, length)) != crc ||
      !record->ParseFromArray(payload, static_cast<int>(length))) {
    return false;  // corrupt: nothing after it counts either
  }
  at_ += kHeader + length;
  valid_ += static_cast<int64_t>(kHeader + length);
  return true;
}

absl::StatusOr<std::unique_ptr<RecordWriter>> RecordWriter::Open(
    const std::string& path, int64_t keep_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", path);
  std::unique_ptr<RecordWriter> writer(new RecordWriter(path, fd, keep_bytes));
  if (::ftruncate(fd, static_cast<off_t>(keep_bytes)) != 0) {
    return Errno("cannot cut the torn tail", path);
  }
  if (::lseek(fd, static_cast<off_t>(keep_bytes), SEEK_SET) < 0) {
    return Errno("cannot seek", path);
  }
  return writer;
}

RecordWriter::~RecordWriter() { ::close(fd_); }

absl::StatusOr<std::string> FrameRecord(
    const google::protobuf::MessageLite& record) {
  std::string frame;
  PutU32(0, &frame);
  PutU32(0, &frame);
  if (!record.AppendToString(&frame)) {
    return absl::InternalError("a record does not serialise");
  }
  const absl::string_view payload(frame.data() + kHeader,
                                  frame.size() - kHeader);
  std::string header;
  PutU32(static_cast<uint32_t>(payload.size()), &header);
  PutU32(Crc32c(payload), &header);
  frame.replace(0, kHeader, header);
  return frame;
}

absl::Status RecordWriter::Append(const google::protobuf::MessageLite& record,
                                  bool sync) {
  absl::StatusOr<std::string> framed = FrameRecord(record);
  if (!framed.ok()) {
    return absl::InternalError(absl::StrCat(path_, ": ", framed.status().message()));
  }
  const std::string& frame = *framed;
  size_t done = 0;
  while (done < frame.size()) {
    const ssize_t n = ::write(fd_, frame.data() + done, frame.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path_);
    }
    done += static_cast<size_t>(n);
  }
  bytes_ += static_cast<int64_t>(frame.size());
  return sync ? Sync() : absl::OkStatus();
}

absl::Status RecordWriter::Sync() {
  if (::fdatasync(fd_) != 0) return Errno("cannot sync", path_);
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents) {
  const std::string tmp = path + ".tmp";
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const absl::Status error = Errno("cannot write", tmp);
      ::close(fd);
      return error;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const absl::Status error = Errno("cannot sync", tmp);
    ::close(fd);
    return error;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Errno("cannot rename over", path);
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const int dfd = ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("cannot open the directory of", path);
  const int synced = ::fsync(dfd);
  ::close(dfd);
  if (synced != 0) return Errno("cannot sync the directory of", path);
  return absl::OkStatus();
}

}  // namespace orbitfl::proto
