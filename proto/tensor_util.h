#ifndef ORBITFL_PROTO_TENSOR_UTIL_H_
#define ORBITFL_PROTO_TENSOR_UTIL_H_

// float32 views of proto::Tensor data (little-endian, as tensor.proto says).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/tensor.pb.h"

namespace orbitfl::proto {

int64_t NumElements(const Tensor& t);
std::vector<float> ToFloats(const Tensor& t);
void SetFloats(const std::vector<float>& values, Tensor* t);
// Whether both tensors have the same name and shape.
bool SameLayout(const Tensor& a, const Tensor& b);

// Σ_i weights[i] * deltas[i], tensor by tensor, accumulated in double in
// the order given, one vector per tensor of `layout` (a model's tensors,
// or a delta's); InvalidArgument naming the satellite when a delta does
// not fit the layout.
absl::StatusOr<std::vector<std::vector<double>>> WeightedDeltaSum(
    const google::protobuf::RepeatedPtrField<Tensor>& layout,
    const std::vector<const ModelDelta*>& deltas,
    const std::vector<double>& weights);

}  // namespace orbitfl::proto

#endif  // ORBITFL_PROTO_TENSOR_UTIL_H_
