#ifndef ORBITFL_SIM_ENV_H_
#define ORBITFL_SIM_ENV_H_

// Every effect of the simulator on the host passes through Env: the wall
// clock and the file system. Tests and fault injection override it (the
// pattern of LevelDB's Env).

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace orbitfl::sim {

class AppendFile {
 public:
  virtual ~AppendFile() = default;
  virtual absl::Status Append(absl::string_view data) = 0;
  virtual absl::Status Flush() = 0;
  virtual absl::Status Close() = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  virtual absl::Time WallNow() = 0;
  // NotFound naming the path when it does not exist.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // Writes atomically and durably (proto::WriteFileAtomically): a
  // temporary file, synced, renamed over `path`.
  virtual absl::Status WriteFile(const std::string& path,
                                 absl::string_view contents) = 0;
  virtual absl::StatusOr<std::unique_ptr<AppendFile>> NewAppendFile(
      const std::string& path) = 0;
  // Creates the directory and its parents; OK when it exists.
  virtual absl::Status CreateDirs(const std::string& path) = 0;

  // The process-wide POSIX environment.
  static Env* Default();
};

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_ENV_H_
