#include "sim/json_read.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace orbitfl::sim {
namespace {

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<std::pair<std::string, JsonValue>>> Object() {
    std::vector<std::pair<std::string, JsonValue>> fields;
    SkipSpace();
    if (!Consume('{')) return Error("expected '{'");
    SkipSpace();
    if (!Consume('}')) {
      while (true) {
        SkipSpace();
        const size_t key_pos = pos_;
        if (Peek() != '"') return Error("expected a quoted key");
        absl::StatusOr<std::string> key = String();
        if (!key.ok()) return key.status();
        if (IsDuplicate(fields, *key)) {
          pos_ = key_pos;
          return Error(absl::StrCat("duplicate key \"", *key, "\""));
        }
        SkipSpace();
        if (!Consume(':')) return Error("expected ':' after the key");
        SkipSpace();
        absl::StatusOr<JsonValue> value = Value();
        if (!value.ok()) return value.status();
        fields.emplace_back(std::move(*key), std::move(*value));
        SkipSpace();
        if (Consume(',')) continue;
        if (Consume('}')) break;
        return Error("expected ',' or '}'");
      }
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("expected the end after '}'");
    return fields;
  }

 private:
  // Linear: flat objects here hold a few dozen keys at most.
  static bool IsDuplicate(
      const std::vector<std::pair<std::string, JsonValue>>& fields,
      const std::string& key) {
    for (const auto& field : fields) {
      if (field.first == key) return true;
    }
    return false;
  }

  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Consume(char ch) {
    if (Peek() != ch || pos_ >= text_.size()) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("column ", pos_ + 1, ": ", what));
  }

  absl::StatusOr<JsonValue> Value() {
    JsonValue value;
    const char ch = Peek();
    if (ch == '"') {
      absl::StatusOr<std::string> s = String();
      if (!s.ok()) return s.status();
      value.type = JsonValue::Type::kString;
      value.text = std::move(*s);
    } else if (ch == '-' ||
               absl::ascii_isdigit(static_cast<unsigned char>(ch))) {
      return Number();
    } else if (Literal("true")) {
      value.type = JsonValue::Type::kBool;
      value.boolean = true;
    } else if (Literal("false")) {
      value.type = JsonValue::Type::kBool;
    } else if (Literal("null")) {
      value.type = JsonValue::Type::kNull;
    } else if (ch == '{' || ch == '[') {
      return Error("nested objects and arrays are not supported");
    } else {
      return Error("expected a string, number, true, false or null");
    }
    return value;
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // The JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  absl::StatusOr<JsonValue> Number() {
    const size_t start = pos_;
    auto digits = [&]() {
      const size_t from = pos_;
      while (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
      return pos_ - from;
    };
    Consume('-');
    if (Peek() == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return Error("expected a digit");
    }
    if (Consume('.') && digits() == 0) {
      return Error("expected a digit after '.'");
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (!Consume('+')) Consume('-');
      if (digits() == 0) return Error("expected an exponent");
    }
    JsonValue value;
    value.type = JsonValue::Type::kNumber;
    value.text = std::string(text_.substr(start, pos_ - start));
    if (!absl::SimpleAtod(value.text, &value.number) ||
        !std::isfinite(value.number)) {
      pos_ = start;
      return Error(absl::StrCat("number out of range: ", value.text));
    }
    return value;
  }

  static void AppendUtf8(uint32_t code, std::string* out) {
    if (code < 0x80) {
      *out += static_cast<char>(code);
    } else if (code < 0x800) {
      *out += static_cast<char>(0xC0 | (code >> 6));
      *out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      *out += static_cast<char>(0xE0 | (code >> 12));
      *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (code >> 18));
      *out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  absl::StatusOr<uint32_t> Hex4() {
    if (pos_ + 4 > text_.size()) return Error("expected 4 hex digits");
    uint32_t code = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_];
      code <<= 4;
      if (h >= '0' && h <= '9') {
        code |= h - '0';
      } else if (h >= 'a' && h <= 'f') {
        code |= h - 'a' + 10;
      } else if (h >= 'A' && h <= 'F') {
        code |= h - 'A' + 10;
      } else {
        return Error("expected 4 hex digits");
      }
      ++pos_;
    }
    return code;
  }

  absl::StatusOr<std::string> String() {
    ++pos_;  // the opening quote
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return Error("unterminated string");
      const char ch = text_[pos_];
      if (ch == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(ch) < 0x20) {
        return Error("control character in a string");
      }
      ++pos_;
      if (ch != '\\') {
        out += ch;
        continue;
      }
      const char esc = Peek();
      ++pos_;
      switch (esc) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          absl::StatusOr<uint32_t> code = Hex4();
          if (!code.ok()) return code.status();
          if (*code >= 0xD800 && *code < 0xDC00) {
            if (!Literal("\\u")) return Error("expected a low surrogate");
            absl::StatusOr<uint32_t> low = Hex4();
            if (!low.ok()) return low.status();
            if (*low < 0xDC00 || *low >= 0xE000) {
              return Error("expected a low surrogate");
            }
            *code = 0x10000 + ((*code - 0xD800) << 10) + (*low - 0xDC00);
          } else if (*code >= 0xDC00 && *code < 0xE000) {
            return Error("unpaired low surrogate");
          }
          AppendUtf8(*code, &out);
          break;
        }
        default:
          --pos_;
          return Error("unknown escape in a string");
      }
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<FlatJson> FlatJson::Parse(absl::string_view text) {
  Parser parser(text);
  auto fields = parser.Object();
  if (!fields.ok()) return fields.status();
  FlatJson json;
  json.fields_ = std::move(*fields);
  return json;
}

const JsonValue* FlatJson::Find(absl::string_view key) const {
  for (const auto& [name, value] : fields_) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string FlatJson::String(absl::string_view key) const {
  const JsonValue* v = Find(key);
  return v != nullptr && v->type == JsonValue::Type::kString ? v->text : "";
}

bool FlatJson::Number(absl::string_view key, double* value) const {
  const JsonValue* v = Find(key);
  if (v == nullptr || v->type != JsonValue::Type::kNumber) return false;
  *value = v->number;
  return true;
}

}  // namespace orbitfl::sim
