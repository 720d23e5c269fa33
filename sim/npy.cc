#include "sim/npy.h"

#include <cctype>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "third_party/status_macros.h"

// .npy stores little-endian values; they are copied as they lie in memory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "sim/npy.cc assumes a little-endian host");

namespace orbitfl::sim {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// numpy pads the header so that the data starts on a multiple of 64 bytes.
constexpr size_t kAlignment = 64;

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// The header dict: a Python literal such as
// {'descr': '<i8', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(absl::string_view text, const std::string& name)
      : text_(text), name_(name) {}

  absl::StatusOr<Header> Parse() {
    Header h;
    bool has_descr = false, has_order = false, has_shape = false;
    ORBITFL_RETURN_IF_ERROR(Expect('{'));
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      ORBITFL_ASSIGN_OR_RETURN(std::string key, String());
      ORBITFL_RETURN_IF_ERROR(Expect(':'));
      SkipSpace();
      if (key == "descr") {
        ORBITFL_ASSIGN_OR_RETURN(h.descr, String());
        has_descr = true;
      } else if (key == "fortran_order") {
        ORBITFL_ASSIGN_OR_RETURN(h.fortran_order, Bool());
        has_order = true;
      } else if (key == "shape") {
        ORBITFL_ASSIGN_OR_RETURN(h.shape, Tuple());
        has_shape = true;
      } else {
        return Error(absl::StrCat("unexpected key '", key, "'"));
      }
      SkipSpace();
      if (Peek() == ',') ++pos_;
    }
    if (!has_descr || !has_order || !has_shape) {
      return Error("expected the keys 'descr', 'fortran_order' and 'shape'");
    }
    return h;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(
                                      text_[pos_]))) {
      ++pos_;
    }
  }
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": bad .npy header at character ", pos_, ": ", what,
        " (header: ", text_, ")"));
  }
  absl::Status Expect(char c) {
    SkipSpace();
    if (Peek() != c) return Error(absl::StrCat("expected '", std::string(1, c), "'"));
    ++pos_;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> String() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return Error("expected a string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == absl::string_view::npos) return Error("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  absl::StatusOr<bool> Bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    return Error("expected True or False");
  }
  absl::StatusOr<std::vector<int64_t>> Tuple() {
    std::vector<int64_t> dims;
    ORBITFL_RETURN_IF_ERROR(Expect('('));
    while (true) {
      SkipSpace();
      if (Peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
        return Error("expected a non-negative dimension");
      }
      int64_t d = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        if (d > (std::numeric_limits<int64_t>::max() - 9) / 10) {
          return Error("dimension too large");
        }
        d = d * 10 + (text_[pos_++] - '0');
      }
      if (Peek() == 'L') ++pos_;  // Python 2 longs
      dims.push_back(d);
      SkipSpace();
      if (Peek() == ',') ++pos_;
    }
    ++pos_;
    return dims;
  }

  absl::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
};

std::string ShapeString(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

absl::StatusOr<int64_t> Elements(const std::vector<int64_t>& shape,
                                 const std::string& name) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": negative dimension in shape ",
                       ShapeString(shape)));
    }
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / 8 / d) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": shape ", ShapeString(shape), " is too large"));
    }
    n *= d;
  }
  return n;
}

absl::StatusOr<std::string> Encode(const std::vector<int64_t>& shape,
                                   const char* descr, const void* data,
                                   size_t count, size_t item_size) {
  ORBITFL_ASSIGN_OR_RETURN(const int64_t n, Elements(shape, ".npy array"));
  if (static_cast<size_t>(n) != count) {
    return absl::InvalidArgumentError(absl::StrCat(
        ".npy array: shape ", ShapeString(shape), " holds ", n,
        " values, got ", count));
  }
  std::string header =
      absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ",
                   ShapeString(shape), ", }");
  // magic, version, 2-byte length, header, padding spaces, '\n'.
  const size_t unpadded = kMagicSize + 2 + 2 + header.size() + 1;
  header.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  header.push_back('\n');
  if (header.size() > 0xffff) {
    return absl::InvalidArgumentError(absl::StrCat(
        ".npy array: shape ", ShapeString(shape), " has too many dimensions"));
  }
  std::string out(kMagic, kMagicSize);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(static_cast<const char*>(data), count * item_size);
  return out;
}

}  // namespace

int64_t NpyArray::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<std::string> EncodeNpy(const std::vector<int64_t>& shape,
                                      absl::Span<const uint8_t> values) {
  return Encode(shape, "|u1", values.data(), values.size(), 1);
}

absl::StatusOr<std::string> EncodeNpy(const std::vector<int64_t>& shape,
                                      absl::Span<const int64_t> values) {
  return Encode(shape, "<i8", values.data(), values.size(), 8);
}

absl::StatusOr<NpyArray> ParseNpy(absl::string_view bytes,
                                  const std::string& name) {
  if (bytes.size() < kMagicSize + 2 ||
      bytes.substr(0, kMagicSize) != absl::string_view(kMagic, kMagicSize)) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": not a .npy file (expected the magic string \\x93NUMPY)"));
  }
  const int major = static_cast<uint8_t>(bytes[kMagicSize]);
  // 1.0 has a 2-byte header length, 2.0 and 3.0 (UTF-8 header) 4 bytes.
  if (major < 1 || major > 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": .npy format version ", major, " not supported (expected 1-3)"));
  }
  const size_t len_size = major == 1 ? 2 : 4;
  const size_t header_start = kMagicSize + 2 + len_size;
  if (bytes.size() < header_start) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": truncated .npy header"));
  }
  size_t header_len = 0;
  for (size_t i = 0; i < len_size; ++i) {
    header_len |= static_cast<size_t>(
                      static_cast<uint8_t>(bytes[kMagicSize + 2 + i]))
                  << (8 * i);
  }
  if (bytes.size() < header_start + header_len) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": truncated .npy header (", header_len,
                     " bytes announced, ", bytes.size() - header_start,
                     " present)"));
  }
  ORBITFL_ASSIGN_OR_RETURN(
      Header h,
      HeaderParser(bytes.substr(header_start, header_len), name).Parse());
  NpyArray array;
  size_t item_size = 0;
  if (h.descr == "|u1" || h.descr == "<u1" || h.descr == "u1") {
    array.dtype = NpyDtype::kUint8;
    item_size = 1;
  } else if (h.descr == "<i8") {
    array.dtype = NpyDtype::kInt64;
    item_size = 8;
  } else if (h.descr == "<f4") {
    array.dtype = NpyDtype::kFloat32;
    item_size = 4;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": dtype '", h.descr,
        "' not supported (expected '|u1' uint8, '<i8' int64 or '<f4' "
        "float32)"));
  }
  if (h.fortran_order) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": fortran_order True not supported (expected C order; "
              "write np.ascontiguousarray(a))"));
  }
  ORBITFL_ASSIGN_OR_RETURN(const int64_t n, Elements(h.shape, name));
  const size_t expected = static_cast<size_t>(n) * item_size;
  const absl::string_view data = bytes.substr(header_start + header_len);
  if (data.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, data.size() < expected ? ": truncated data" : ": trailing data",
        ": shape ", ShapeString(h.shape), " of '", h.descr, "' needs ",
        expected, " bytes, the file has ", data.size()));
  }
  array.shape = std::move(h.shape);
  switch (array.dtype) {
    case NpyDtype::kUint8:
      array.u8.resize(n);
      std::memcpy(array.u8.data(), data.data(), expected);
      break;
    case NpyDtype::kInt64:
      array.i64.resize(n);
      std::memcpy(array.i64.data(), data.data(), expected);
      break;
    case NpyDtype::kFloat32:
      array.f32.resize(n);
      std::memcpy(array.f32.data(), data.data(), expected);
      break;
  }
  return array;
}

absl::Status WriteNpy(Env* env, const std::string& path,
                      const std::vector<int64_t>& shape,
                      absl::Span<const uint8_t> values) {
  absl::StatusOr<std::string> bytes = EncodeNpy(shape, values);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", bytes.status().message()));
  }
  return env->WriteFile(path, *bytes);
}

absl::Status WriteNpy(Env* env, const std::string& path,
                      const std::vector<int64_t>& shape,
                      absl::Span<const int64_t> values) {
  absl::StatusOr<std::string> bytes = EncodeNpy(shape, values);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", bytes.status().message()));
  }
  return env->WriteFile(path, *bytes);
}

absl::StatusOr<NpyArray> ReadNpy(Env* env, const std::string& path) {
  ORBITFL_ASSIGN_OR_RETURN(const std::string bytes, env->ReadFile(path));
  return ParseNpy(bytes, path);
}

}  // namespace orbitfl::sim
