#ifndef ORBITFL_TESTS_AGGREGATOR_MODELS_H_
#define ORBITFL_TESTS_AGGREGATOR_MODELS_H_

// Tiny hand-written models and deltas for hand-computed aggregation cases.

#include <string>
#include <vector>

#include "proto/tensor.pb.h"
#include "proto/tensor_util.h"

namespace orbitfl::testing {

// One tensor "w" of the given values, shape {n}.
inline proto::Model TinyModel(const std::vector<float>& w, int64_t version) {
  proto::Model m;
  m.set_version(version);
  proto::Tensor* t = m.add_tensors();
  t->set_name("w");
  t->add_shape(static_cast<int64_t>(w.size()));
  proto::SetFloats(w, t);
  return m;
}

inline proto::ModelDelta TinyDelta(const std::string& satellite,
                                   int64_t base_version, int64_t samples,
                                   const std::vector<float>& d) {
  proto::ModelDelta delta;
  delta.set_satellite(satellite);
  delta.set_base_version(base_version);
  delta.set_num_samples(samples);
  proto::Tensor* t = delta.add_tensors();
  t->set_name("w");
  t->add_shape(static_cast<int64_t>(d.size()));
  proto::SetFloats(d, t);
  return delta;
}

}  // namespace orbitfl::testing

#endif  // ORBITFL_TESTS_AGGREGATOR_MODELS_H_
