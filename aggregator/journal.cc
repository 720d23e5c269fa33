#include "aggregator/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/crc32c.h"

namespace orbitfl::aggregator {
namespace {

uint32_t ReadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat("journal ", path, ": ", what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(
    const std::string& path, std::vector<proto::JournalRecord>* records) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", path);
  std::unique_ptr<Journal> journal(new Journal(path, fd));
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) return Errno("cannot read", path);
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  size_t at = 0;
  while (bytes.size() - at >= 8) {
    const uint32_t length = ReadU32(bytes.data() + at);
    const uint32_t crc = ReadU32(bytes.data() + at + 4);
    if (bytes.size() - at - 8 < length) break;  // torn
    const std::string payload = bytes.substr(at + 8, length);
    proto::JournalRecord record;
    if (proto::Crc32c(payload) != crc || !record.ParseFromString(payload)) {
      break;  // corrupt: nothing after it was acknowledged either
    }
    records->push_back(std::move(record));
    at += 8 + length;
  }
  if (at < bytes.size()) {
    if (::ftruncate(fd, static_cast<off_t>(at)) != 0) {
      return Errno("cannot cut the torn tail", path);
    }
  }
  if (::lseek(fd, static_cast<off_t>(at), SEEK_SET) < 0) {
    return Errno("cannot seek", path);
  }
  return journal;
}

Journal::~Journal() { ::close(fd_); }

absl::Status Journal::Append(const proto::JournalRecord& record) {
  std::string payload;
  record.SerializeToString(&payload);
  std::string frame;
  PutU32(static_cast<uint32_t>(payload.size()), &frame);
  PutU32(proto::Crc32c(payload), &frame);
  frame += payload;
  size_t done = 0;
  while (done < frame.size()) {
    const ssize_t n = ::write(fd_, frame.data() + done, frame.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path_);
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return Errno("cannot sync", path_);
  return absl::OkStatus();
}

}  // namespace orbitfl::aggregator
