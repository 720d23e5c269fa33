#ifndef ORBITFL_SIM_JSON_READ_H_
#define ORBITFL_SIM_JSON_READ_H_

// Reads back what sim/json.h writes: one flat JSON object (RFC 8259) whose
// values are strings, numbers, booleans or null. Nested objects and arrays
// are rejected, as are duplicate keys and anything after the closing brace
// but whitespace.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace orbitfl::sim {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  // kString: the decoded string (UTF-8); kNumber: the number as written.
  std::string text;
};

class FlatJson {
 public:
  // InvalidArgument "column C: expected ..." for text that is not one flat
  // object; callers prefix the file and line.
  static absl::StatusOr<FlatJson> Parse(absl::string_view text);

  // In the order they appear.
  const std::vector<std::pair<std::string, JsonValue>>& fields() const {
    return fields_;
  }
  // Null when the key is absent.
  const JsonValue* Find(absl::string_view key) const;
  // The string value, or "" when absent or not a string.
  std::string String(absl::string_view key) const;
  // True and *value set when the key holds a number.
  bool Number(absl::string_view key, double* value) const;

 private:
  std::vector<std::pair<std::string, JsonValue>> fields_;
};

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_JSON_READ_H_
