#include "proto/tensor_util.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace orbitfl::proto {

int64_t NumElements(const Tensor& t) {
  int64_t n = 1;
  for (int64_t d : t.shape()) n *= d;
  return n;
}

std::vector<float> ToFloats(const Tensor& t) {
  std::vector<float> values(t.data().size() / sizeof(float));
  std::memcpy(values.data(), t.data().data(), values.size() * sizeof(float));
  return values;
}

void SetFloats(const std::vector<float>& values, Tensor* t) {
  t->set_data(std::string(reinterpret_cast<const char*>(values.data()),
                          values.size() * sizeof(float)));
}

bool SameLayout(const Tensor& a, const Tensor& b) {
  if (a.name() != b.name() || a.shape_size() != b.shape_size()) return false;
  for (int i = 0; i < a.shape_size(); ++i) {
    if (a.shape(i) != b.shape(i)) return false;
  }
  return true;
}

absl::StatusOr<std::vector<std::vector<double>>> WeightedDeltaSum(
    const google::protobuf::RepeatedPtrField<Tensor>& layout,
    const std::vector<const ModelDelta*>& deltas,
    const std::vector<double>& weights) {
  if (deltas.size() != weights.size()) {
    return absl::InternalError(absl::StrCat("WeightedDeltaSum: ", deltas.size(),
                                            " deltas, ", weights.size(),
                                            " weights"));
  }
  std::vector<std::vector<double>> sum;
  for (const Tensor& t : layout) sum.emplace_back(NumElements(t), 0.0);
  for (size_t j = 0; j < deltas.size(); ++j) {
    const ModelDelta& delta = *deltas[j];
    if (delta.tensors_size() != layout.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update from ", delta.satellite(), " does not fit the model"));
    }
    for (int k = 0; k < layout.size(); ++k) {
      const std::vector<float> d = ToFloats(delta.tensors(k));
      if (!SameLayout(delta.tensors(k), layout[k]) ||
          d.size() != sum[k].size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "update from ", delta.satellite(), " does not fit the model"));
      }
      for (size_t i = 0; i < d.size(); ++i) sum[k][i] += weights[j] * d[i];
    }
  }
  return sum;
}

}  // namespace orbitfl::proto
