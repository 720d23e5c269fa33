// libFuzzer target: the TLE parser. Any bytes either parse or give an
// InvalidArgument; an element set that parses and validates formats to
// text that parses back to the same catalog number.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "orbit/tle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<orbitfl::orbit::Tle>> tles =
      orbitfl::orbit::ParseTles(text, "fuzz.tle");
  if (!tles.ok()) {
    if (tles.status().code() != absl::StatusCode::kInvalidArgument) abort();
    return 0;
  }
  for (const orbitfl::orbit::Tle& tle : *tles) {
    if (!orbitfl::orbit::ValidateTle(tle).ok()) continue;
    absl::StatusOr<std::vector<orbitfl::orbit::Tle>> again =
        orbitfl::orbit::ParseTles(orbitfl::orbit::FormatTle(tle), "again.tle");
    if (!again.ok() || again->size() != 1 ||
        (*again)[0].catalog_number != tle.catalog_number) {
      abort();
    }
  }
  return 0;
}
