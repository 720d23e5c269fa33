#ifndef ORBITFL_SIM_TIME_FORMAT_H_
#define ORBITFL_SIM_TIME_FORMAT_H_

// Run-directory times: ISO 8601 UTC with milliseconds and "Z"; spans
// for people.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace orbitfl::sim {

// "2026-03-20T06:30:00.125Z" (milliseconds truncated toward the past).
std::string FormatUtc(absl::Time t);
// Accepts RFC 3339 with a Z or numeric offset, with or without fraction.
// InvalidArgument quoting the text when it is not such a time.
absl::StatusOr<absl::Time> ParseUtc(absl::string_view text);
// A span for people (progress bar, report): "9.5 s", "42 s",
// "3 min 07 s", "2 h 05 min". Negative spans read as 0.
std::string FormatDuration(double seconds);
// Whole milliseconds, rounded up / down.
absl::Time CeilToMillis(absl::Time t);
absl::Time FloorToMillis(absl::Time t);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_TIME_FORMAT_H_
