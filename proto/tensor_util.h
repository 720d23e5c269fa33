#ifndef ORBITFL_PROTO_TENSOR_UTIL_H_
#define ORBITFL_PROTO_TENSOR_UTIL_H_

// float32 views of proto::Tensor data (little-endian, as tensor.proto says).

#include <cstdint>
#include <vector>

#include "proto/tensor.pb.h"

namespace orbitfl::proto {

int64_t NumElements(const Tensor& t);
std::vector<float> ToFloats(const Tensor& t);
void SetFloats(const std::vector<float>& values, Tensor* t);
// Whether both tensors have the same name and shape.
bool SameLayout(const Tensor& a, const Tensor& b);

}  // namespace orbitfl::proto

#endif  // ORBITFL_PROTO_TENSOR_UTIL_H_
