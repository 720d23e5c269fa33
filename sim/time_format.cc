#include "sim/time_format.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace orbitfl::sim {

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", FloorToMillis(t),
                          absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseUtc(absl::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an ISO 8601 UTC time like "
                     "2026-03-20T00:00:00Z, got \"",
                     text, "\""));
  }
  return t;
}

absl::Time FloorToMillis(absl::Time t) {
  return absl::FromUnixMillis(absl::ToUnixMillis(t));  // floors
}

absl::Time CeilToMillis(absl::Time t) {
  const absl::Time floor = FloorToMillis(t);
  return floor == t ? t : floor + absl::Milliseconds(1);
}

std::string FormatDuration(double seconds) {
  const double s = std::max(0.0, seconds);
  if (s < 9.95) return absl::StrFormat("%.1f s", s);
  const int64_t whole = static_cast<int64_t>(std::llround(s));
  if (whole < 60) return absl::StrFormat("%d s", whole);
  if (whole < 3600) {
    return absl::StrFormat("%d min %02d s", whole / 60, whole % 60);
  }
  return absl::StrFormat("%d h %02d min", whole / 3600, whole % 3600 / 60);
}

}  // namespace orbitfl::sim
