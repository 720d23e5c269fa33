#ifndef ORBITFL_TESTS_AGGREGATOR_MODELS_H_
#define ORBITFL_TESTS_AGGREGATOR_MODELS_H_

// Tiny hand-written models and deltas for hand-computed aggregation cases.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "aggregator/strategy.h"
#include "proto/crc32c.h"
#include "proto/services.pb.h"
#include "proto/tensor.pb.h"
#include "proto/tensor_util.h"

namespace orbitfl::testing {

// When every case starts (2026-03-20).
inline constexpr absl::Time kStart = absl::FromUnixSeconds(1774000000);

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

// Bytes [offset, offset + n) of `bytes` as a chunk of satellite's upload
// "SATELLITE@v0", with its CRC32C.
inline proto::UpdateChunk Chunk(const std::string& bytes, int64_t offset,
                                int64_t n, const std::string& satellite = "a") {
  proto::UpdateChunk c;
  c.set_transfer_id(satellite + "@v0");
  c.set_satellite(satellite);
  c.set_base_version(0);
  c.set_offset(offset);
  c.set_total_bytes(static_cast<int64_t>(bytes.size()));
  c.set_data(bytes.substr(offset, n));
  c.set_crc32c(proto::Crc32c(c.data()));
  return c;
}

// The values of the global model's tensor "w" (a TinyModel's).
inline std::vector<float> W(const aggregator::Strategy& s) {
  return proto::ToFloats(s.global().tensors(0));
}

}  // namespace orbitfl::testing

#endif  // ORBITFL_TESTS_AGGREGATOR_MODELS_H_
