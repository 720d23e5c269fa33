#ifndef ORBITFL_PROTO_DELTA_CODEC_H_
#define ORBITFL_PROTO_DELTA_CODEC_H_

// Compression of ModelDelta tensors for the downlink, and its inverse. The
// encodings are part of the wire contract (tensor.proto's TensorEncoding),
// so the codec lives beside the protos: a satellite encodes, the aggregator
// decodes, and neither depends on the other.
//
//   fp32  raw float32, lossless (what every delta was before codecs).
//   fp16  IEEE-754 binary16, round to nearest even: half the bytes,
//         relative error <= 2^-11 in the normal range (|x| >= 2^-14).
//   int8  per-tensor symmetric quantisation, scale = max|x| / 127: about a
//         quarter of the bytes, absolute error <= scale / 2.
//   topk  the round(f * n) largest-magnitude values of each tensor (at
//         least one) as uint32 index + float32 value, 8 bytes per kept value.
//
// The lossy codecs run with error feedback by default (EF-SGD: Stich,
// Cordonnier and Jaggi, "Sparsified SGD with Memory", NeurIPS 2018;
// Karimireddy et al., "Error Feedback Fixes SignSGD and other Gradient
// Compression Schemes", ICML 2019): the sender keeps what it did not send
// and adds it to its next delta, so over many rounds the decoded deltas sum
// to the true ones up to one bounded residual.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/tensor.pb.h"

namespace orbitfl::proto {

enum class DeltaCodec { kFp32, kFp16, kInt8, kTopK };

// "fp32", "fp16", "int8" or "topk"; anything else is InvalidArgument with a
// message listing the valid names.
absl::StatusOr<DeltaCodec> ParseDeltaCodec(absl::string_view name);
// The name ParseDeltaCodec accepts for `codec`.
absl::string_view DeltaCodecName(DeltaCodec codec);

struct CodecOptions {
  DeltaCodec codec = DeltaCodec::kFp32;
  // kTopK only: the fraction of each tensor's values sent, in (0, 1].
  // A tensor of n values sends round(topk_fraction * n) of them, at least
  // one (none for an empty tensor). Default 0.01.
  double topk_fraction = 0.01;
  // Lossy codecs: carry what was not sent into the next delta. Default on.
  bool error_feedback = true;
};

// InvalidArgument naming the field when an option is out of range.
absl::Status ValidateCodecOptions(const CodecOptions& options);

// One sender's encoder. It holds the error-feedback residual of each tensor
// by name, so a satellite keeps one encoder for its whole run.
class DeltaEncoder {
 public:
  static absl::StatusOr<std::unique_ptr<DeltaEncoder>> Create(
      const CodecOptions& options);

  // Encodes an fp32 delta (every tensor TENSOR_ENCODING_FP32, product(shape)
  // values, unique names). Every non-tensor field is copied unchanged. On
  // error the residuals are left as they were.
  //
  // Values a codec cannot carry are errors that name the tensor: non-finite
  // values for int8 and topk, finite values beyond fp16's +-65504 for fp16
  // (fp32 and fp16 pass Inf and NaN through; the receiver decides).
  // A residual whose tensor changed shape is dropped, not added.
  absl::StatusOr<ModelDelta> Encode(const ModelDelta& fp32_delta);

  // The residual carried for `tensor_name` (row-major, like the tensor), or
  // nullptr when none is held (fp32, error feedback off, or unseen name).
  const std::vector<float>* residual(absl::string_view tensor_name) const;
  // Forgets every residual (e.g. when the sender's model is replaced).
  void ClearResiduals() { residuals_.clear(); }

  const CodecOptions& options() const { return options_; }

 private:
  struct Residual {
    std::vector<int64_t> shape;
    std::vector<float> values;
  };

  explicit DeltaEncoder(const CodecOptions& options) : options_(options) {}

  CodecOptions options_;
  std::map<std::string, Residual> residuals_;
};

// Decodes any encoded delta back to fp32 tensors (TENSOR_ENCODING_FP32,
// no scale, no indices); every non-tensor field is copied. A plain fp32
// delta decodes to itself. Malformed tensors (a byte count that does not
// match the shape and encoding, a negative dimension, indices out of range,
// repeated or unsorted, an unknown encoding) are InvalidArgument errors
// naming the tensor. So is a delta whose shapes hold more than
// `max_values` values in all, checked before anything is allocated (a
// top-k tensor states its size in a few bytes).
inline constexpr int64_t kMaxDeltaValues = int64_t{1} << 26;
absl::StatusOr<ModelDelta> DecodeDelta(const ModelDelta& encoded,
                                       int64_t max_values = kMaxDeltaValues);
// DecodeDelta's first check, alone: every shape valid, and no more than
// `max_values` values in all; nothing is allocated.
absl::Status CheckDeltaSize(const ModelDelta& encoded,
                            int64_t max_values = kMaxDeltaValues);

// The bytes the tensors' payloads take: data, 4 per top-k index, 4 for an
// int8 scale. The serialised message (what a link carries) adds names,
// shapes and a few bytes of framing: ModelDelta::ByteSizeLong().
int64_t PayloadBytes(const ModelDelta& delta);

// IEEE-754 binary32 <-> binary16 bit patterns. FloatToHalf rounds to
// nearest, ties to even; magnitudes from 65520 up become infinity,
// subnormal halves are produced and read, NaN stays NaN (quiet).
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t bits);

}  // namespace orbitfl::proto

#endif  // ORBITFL_PROTO_DELTA_CODEC_H_
