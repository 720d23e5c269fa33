#include "sim/time_format.h"

#include "absl/strings/str_cat.h"

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

}  // namespace orbitfl::sim
