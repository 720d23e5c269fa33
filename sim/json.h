#ifndef ORBITFL_SIM_JSON_H_
#define ORBITFL_SIM_JSON_H_

// One flat JSON object, built field by field in insertion order (for
// events.jsonl and summary.json).

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace orbitfl::sim {

class JsonObject {
 public:
  JsonObject& Add(absl::string_view key, absl::string_view value);
  JsonObject& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonObject& Add(absl::string_view key, int64_t value);
  JsonObject& Add(absl::string_view key, int value) {
    return Add(key, static_cast<int64_t>(value));
  }
  // Finite doubles with 10 significant digits; NaN/Inf become null.
  JsonObject& Add(absl::string_view key, double value);
  JsonObject& Add(absl::string_view key, bool value);

  // "{...}" with no trailing newline.
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void Key(absl::string_view key);
  std::string body_;
};

// `text` as a quoted JSON string.
std::string JsonQuote(absl::string_view text);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_JSON_H_
