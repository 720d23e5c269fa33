// libFuzzer target: the scenario loader (textproto, defaults, validation).
// Any text either loads or is refused with an error naming the file; the
// file system is not reachable (a stations_file is NotFound).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "sim/env.h"
#include "sim/scenario.h"

namespace {

// An Env with no files: nothing the input names is ever opened.
class NoFiles : public orbitfl::sim::Env {
 public:
  absl::Time WallNow() override { return absl::UnixEpoch(); }
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    return absl::NotFoundError(path);
  }
  absl::Status WriteFile(const std::string& path, absl::string_view) override {
    return absl::PermissionDeniedError(path);
  }
  absl::StatusOr<std::unique_ptr<orbitfl::sim::AppendFile>> NewAppendFile(
      const std::string& path) override {
    return absl::PermissionDeniedError(path);
  }
  absl::Status CreateDirs(const std::string& path) override {
    return absl::PermissionDeniedError(path);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static NoFiles* env = new NoFiles;
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<orbitfl::proto::Scenario> s =
      orbitfl::sim::ParseScenario(text, "fuzz.textproto", env);
  if (!s.ok() && !absl::StrContains(s.status().message(), "fuzz.textproto") &&
      s.status().code() != absl::StatusCode::kNotFound) {
    abort();
  }
  return 0;
}
