#include "proto/tensor_util.h"

#include <cstring>
#include <string>

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

}  // namespace orbitfl::proto
