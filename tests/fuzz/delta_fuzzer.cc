// libFuzzer target: the delta decoder, on the bytes a satellite uploads.
// Any bytes either fail to parse, are refused with InvalidArgument, or
// decode to fp32 tensors whose data matches their shapes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "google/protobuf/stubs/logging.h"
#include "proto/delta_codec.h"
#include "proto/tensor_util.h"

// Invalid UTF-8 in a string field is a parse failure; protobuf also logs
// it, which would drown the fuzzer's output.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  orbitfl::proto::ModelDelta encoded;
  if (!encoded.ParseFromArray(data, static_cast<int>(size))) return 0;
  // A cap of 2^20 values (the code is the same at the default 2^26, which
  // delta_codec_test covers) keeps every input cheap: mutants of top-k
  // tensors near the cap would otherwise each zero-fill 512 MiB and slow
  // the fuzzing sixfold.
  absl::StatusOr<orbitfl::proto::ModelDelta> decoded =
      orbitfl::proto::DecodeDelta(encoded, int64_t{1} << 20);
  if (!decoded.ok()) {
    if (decoded.status().code() != absl::StatusCode::kInvalidArgument) abort();
    return 0;
  }
  for (const orbitfl::proto::Tensor& t : decoded->tensors()) {
    if (static_cast<int64_t>(t.data().size()) !=
        4 * orbitfl::proto::NumElements(t)) {
      abort();
    }
  }
  return 0;
}
