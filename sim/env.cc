#include "sim/env.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "proto/record_log.h"

namespace orbitfl::sim {
namespace {

absl::Status ErrnoStatus(const std::string& what, const std::string& path) {
  const int e = errno;
  std::string msg = absl::StrCat(what, " ", path, ": ", std::strerror(e));
  if (e == ENOENT) return absl::NotFoundError(msg);
  if (e == EACCES || e == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

class PosixAppendFile final : public AppendFile {
 public:
  PosixAppendFile(std::string path, FILE* f) : path_(std::move(path)), f_(f) {}
  ~PosixAppendFile() override {
    if (f_ != nullptr) std::fclose(f_);
  }
  absl::Status Append(absl::string_view data) override {
    if (std::fwrite(data.data(), 1, data.size(), f_) != data.size()) {
      return ErrnoStatus("cannot write", path_);
    }
    return absl::OkStatus();
  }
  absl::Status Flush() override {
    if (std::fflush(f_) != 0) return ErrnoStatus("cannot flush", path_);
    return absl::OkStatus();
  }
  absl::Status Close() override {
    FILE* f = f_;
    f_ = nullptr;
    if (f != nullptr && std::fclose(f) != 0) {
      return ErrnoStatus("cannot close", path_);
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  FILE* f_;
};

class PosixEnv final : public Env {
 public:
  absl::Time WallNow() override { return absl::Now(); }

  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return ErrnoStatus("cannot open", path);
    std::ostringstream out;
    out << in.rdbuf();
    if (in.bad()) return ErrnoStatus("cannot read", path);
    return out.str();
  }

  absl::Status WriteFile(const std::string& path,
                         absl::string_view contents) override {
    return proto::WriteFileAtomically(path, contents);
  }

  absl::StatusOr<std::unique_ptr<AppendFile>> NewAppendFile(
      const std::string& path) override {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return ErrnoStatus("cannot create", path);
    return std::unique_ptr<AppendFile>(new PosixAppendFile(path, f));
  }

  absl::Status CreateDirs(const std::string& path) override {
    if (path.empty()) return absl::OkStatus();
    for (size_t pos = 1;; ++pos) {
      pos = path.find('/', pos);
      const std::string prefix = path.substr(0, pos);
      if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus("cannot create directory", prefix);
      }
      if (pos == std::string::npos) break;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " exists and is not a directory"));
    }
    return absl::OkStatus();
  }
};

}  // namespace

Env* Env::Default() {
  static Env* env = new PosixEnv();
  return env;
}

}  // namespace orbitfl::sim
