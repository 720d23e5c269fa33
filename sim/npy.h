#ifndef ORBITFL_SIM_NPY_H_
#define ORBITFL_SIM_NPY_H_

// NumPy .npy arrays (format 1.0, little-endian, C order), the exchange
// format of exported datasets: np.load reads what WriteNpy writes.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "sim/env.h"

namespace orbitfl::sim {

enum class NpyDtype {
  kUint8,    // '|u1'
  kInt64,    // '<i8'
  kFloat32,  // '<f4' (read only)
};

// An array read back: its shape and, for its dtype, one of the vectors.
struct NpyArray {
  NpyDtype dtype = NpyDtype::kUint8;
  std::vector<int64_t> shape;  // () for a scalar
  std::vector<uint8_t> u8;     // kUint8
  std::vector<int64_t> i64;    // kInt64
  std::vector<float> f32;      // kFloat32

  // Product of the shape (1 for a scalar).
  int64_t num_elements() const;
};

// The bytes of a .npy file. InvalidArgument when the values do not fill
// the shape exactly or a dimension is negative.
absl::StatusOr<std::string> EncodeNpy(const std::vector<int64_t>& shape,
                                      absl::Span<const uint8_t> values);
absl::StatusOr<std::string> EncodeNpy(const std::vector<int64_t>& shape,
                                      absl::Span<const int64_t> values);

// Parses a .npy file's bytes; `name` (the path) names it in errors:
// InvalidArgument for a bad magic string or header, a dtype other than
// uint8, int64 or float32 (little-endian), fortran_order True, or data
// shorter or longer than the shape says.
absl::StatusOr<NpyArray> ParseNpy(absl::string_view bytes,
                                  const std::string& name);

// The same through `env`; errors name `path`.
absl::Status WriteNpy(Env* env, const std::string& path,
                      const std::vector<int64_t>& shape,
                      absl::Span<const uint8_t> values);
absl::Status WriteNpy(Env* env, const std::string& path,
                      const std::vector<int64_t>& shape,
                      absl::Span<const int64_t> values);
absl::StatusOr<NpyArray> ReadNpy(Env* env, const std::string& path);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_NPY_H_
