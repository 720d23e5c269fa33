#include "proto/delta_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/tensor_util.h"
#include "third_party/status_macros.h"

namespace orbitfl::proto {
namespace {

// The largest finite half is 65504; halfway to the next step (65536) rounds
// to even, which is infinity.
constexpr float kHalfOverflow = 65520.0f;

uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

float BitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

// Shifts right by `shift` (1..31) rounding to nearest, ties to even.
uint32_t ShiftRoundEven(uint32_t x, int shift) {
  const uint32_t kept = x >> shift;
  const uint32_t rem = x & ((uint32_t{1} << shift) - 1);
  const uint32_t half = uint32_t{1} << (shift - 1);
  return kept + ((rem > half || (rem == half && (kept & 1))) ? 1 : 0);
}

// "tensors[2] "conv1.weight"": how every message names a tensor.
std::string Where(int index, const Tensor& t) {
  return absl::StrCat("tensors[", index, "] \"", t.name(), "\"");
}

absl::string_view EncodingName(int encoding) {
  switch (encoding) {
    case TENSOR_ENCODING_FP32:
      return "FP32";
    case TENSOR_ENCODING_FP16:
      return "FP16";
    case TENSOR_ENCODING_INT8:
      return "INT8";
    case TENSOR_ENCODING_TOPK:
      return "TOPK";
  }
  return "unknown";
}

// A tensor holds at most kMaxDeltaValues, 2^26 float32 values (256 MiB),
// more than ResNet-152's 60 M: a top-k tensor names its shape in a few
// bytes, so without a cap a forged upload of a few dozen bytes would make
// its receiver allocate gigabytes.
absl::StatusOr<int64_t> CheckedNumValues(int index, const Tensor& t) {
  int64_t n = 1;
  for (int i = 0; i < t.shape_size(); ++i) {
    const int64_t d = t.shape(i);
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(index, t), ": shape[", i, "] is ", d, ", expected >= 0"));
    }
    if (d != 0 && n > kMaxDeltaValues / d) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(index, t), ": shape holds more than 2^26 values"));
    }
    n *= d;
  }
  return n;
}

absl::Status CheckDataBytes(int index, const Tensor& t, int64_t expected,
                            absl::string_view what) {
  if (static_cast<int64_t>(t.data().size()) == expected) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(Where(index, t), ": ", EncodingName(t.encoding()),
                   " data has ", t.data().size(), " bytes, expected ",
                   expected, " (", what, ")"));
}

std::vector<float> LittleEndianFloats(absl::string_view bytes) {
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

// The fp32 values a tensor of any encoding stands for.
absl::StatusOr<std::vector<float>> DecodeValues(int index, const Tensor& t) {
  ORBITFL_ASSIGN_OR_RETURN(const int64_t n, CheckedNumValues(index, t));
  const int encoding = t.encoding();
  if (encoding != TENSOR_ENCODING_TOPK && t.indices_size() > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(index, t), ": ", EncodingName(encoding), " tensor has ",
        t.indices_size(), " indices; only TOPK tensors carry indices"));
  }
  if (encoding != TENSOR_ENCODING_INT8 && t.scale() != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(index, t), ": ", EncodingName(encoding),
                     " tensor has scale ", t.scale(),
                     "; only INT8 tensors carry a scale"));
  }
  switch (encoding) {
    case TENSOR_ENCODING_FP32: {
      ORBITFL_RETURN_IF_ERROR(
          CheckDataBytes(index, t, 4 * n, absl::StrCat("4 per value, ", n,
                                                       " values")));
      return LittleEndianFloats(t.data());
    }
    case TENSOR_ENCODING_FP16: {
      ORBITFL_RETURN_IF_ERROR(
          CheckDataBytes(index, t, 2 * n, absl::StrCat("2 per value, ", n,
                                                       " values")));
      std::vector<float> values(n);
      const auto* bytes = reinterpret_cast<const uint8_t*>(t.data().data());
      for (int64_t i = 0; i < n; ++i) {
        values[i] = HalfToFloat(static_cast<uint16_t>(
            bytes[2 * i] | (uint16_t{bytes[2 * i + 1]} << 8)));
      }
      return values;
    }
    case TENSOR_ENCODING_INT8: {
      ORBITFL_RETURN_IF_ERROR(CheckDataBytes(
          index, t, n, absl::StrCat("1 per value, ", n, " values")));
      if (!std::isfinite(t.scale()) || t.scale() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(index, t), ": INT8 scale is ", t.scale(),
                         ", expected a finite value >= 0"));
      }
      std::vector<float> values(n);
      for (int64_t i = 0; i < n; ++i) {
        values[i] = static_cast<float>(static_cast<int8_t>(t.data()[i])) *
                    t.scale();
      }
      return values;
    }
    case TENSOR_ENCODING_TOPK: {
      const int64_t kept = t.indices_size();
      ORBITFL_RETURN_IF_ERROR(CheckDataBytes(
          index, t, 4 * kept,
          absl::StrCat("4 per value, one value per index, ", kept,
                       " indices")));
      std::vector<float> values(n, 0.0f);
      const std::vector<float> sent = LittleEndianFloats(t.data());
      for (int64_t j = 0; j < kept; ++j) {
        const int64_t at = t.indices(j);
        if (at >= n) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(index, t), ": indices[", j, "] is ", at,
              ", out of range for ", n, " values"));
        }
        if (j > 0 && at <= static_cast<int64_t>(t.indices(j - 1))) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(index, t), ": indices[", j, "] is ", at,
              at == t.indices(j - 1) ? ", a repeat of the previous index"
                                     : ", below the previous index",
              "; expected strictly increasing indices"));
        }
        values[at] = sent[j];
      }
      return values;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      Where(index, t), ": unknown encoding ", encoding,
      ", expected FP32 (0), FP16 (1), INT8 (2) or TOPK (3)"));
}

absl::Status CheckFinite(int index, const Tensor& t,
                         const std::vector<float>& values,
                         absl::string_view codec) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(index, t), ": value ", values[i], " at index ", i, "; the ",
          codec, " codec carries finite values only"));
    }
  }
  return absl::OkStatus();
}

std::string FloatBytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()),
                     values.size() * sizeof(float));
}

// Encodes `values` (the layout of `t`) with `options.codec`.
absl::StatusOr<Tensor> EncodeValues(int index, const Tensor& t,
                                    const std::vector<float>& values,
                                    const CodecOptions& options) {
  Tensor out;
  out.set_name(t.name());
  *out.mutable_shape() = t.shape();
  const int64_t n = static_cast<int64_t>(values.size());
  switch (options.codec) {
    case DeltaCodec::kFp32:
      out.set_data(FloatBytes(values));
      break;
    case DeltaCodec::kFp16: {
      std::string data(2 * n, '\0');
      for (int64_t i = 0; i < n; ++i) {
        if (std::isfinite(values[i]) && std::fabs(values[i]) >= kHalfOverflow) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(index, t), ": value ", values[i], " at index ", i,
              " is outside the fp16 range (+-65504)"));
        }
        const uint16_t h = FloatToHalf(values[i]);
        data[2 * i] = static_cast<char>(h & 0xFF);
        data[2 * i + 1] = static_cast<char>(h >> 8);
      }
      out.set_encoding(TENSOR_ENCODING_FP16);
      out.set_data(std::move(data));
      break;
    }
    case DeltaCodec::kInt8: {
      ORBITFL_RETURN_IF_ERROR(CheckFinite(index, t, values, "int8"));
      float max_abs = 0;
      for (float v : values) max_abs = std::max(max_abs, std::fabs(v));
      float scale = max_abs / 127.0f;
      // A max|x| below 127 * 2^-149 would give scale 0 and lose everything.
      if (max_abs > 0 && scale == 0) {
        scale = std::numeric_limits<float>::denorm_min();
      }
      std::string data(n, '\0');
      if (scale > 0) {
        for (int64_t i = 0; i < n; ++i) {
          const long q = std::lround(static_cast<double>(values[i]) / scale);
          data[i] = static_cast<char>(
              static_cast<int8_t>(std::clamp(q, -127L, 127L)));
        }
      }
      out.set_encoding(TENSOR_ENCODING_INT8);
      out.set_scale(scale);
      out.set_data(std::move(data));
      break;
    }
    case DeltaCodec::kTopK: {
      ORBITFL_RETURN_IF_ERROR(CheckFinite(index, t, values, "topk"));
      const int64_t k =
          n == 0 ? 0
                 : std::clamp<int64_t>(
                       std::llround(options.topk_fraction * n), 1, n);
      std::vector<uint32_t> order(n);
      std::iota(order.begin(), order.end(), 0u);
      // Largest magnitude first, ties to the lower index: a total order,
      // so the selection is deterministic.
      auto larger = [&values](uint32_t a, uint32_t b) {
        const float fa = std::fabs(values[a]), fb = std::fabs(values[b]);
        return fa > fb || (fa == fb && a < b);
      };
      if (k < n) {
        std::nth_element(order.begin(), order.begin() + k, order.end(),
                         larger);
      }
      order.resize(k);
      std::sort(order.begin(), order.end());
      std::vector<float> kept(k);
      for (int64_t j = 0; j < k; ++j) {
        out.add_indices(order[j]);
        kept[j] = values[order[j]];
      }
      out.set_encoding(TENSOR_ENCODING_TOPK);
      out.set_data(FloatBytes(kept));
      break;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<DeltaCodec> ParseDeltaCodec(absl::string_view name) {
  for (DeltaCodec c : {DeltaCodec::kFp32, DeltaCodec::kFp16, DeltaCodec::kInt8,
                       DeltaCodec::kTopK}) {
    if (name == DeltaCodecName(c)) return c;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown delta codec \"", name,
      "\", expected one of \"fp32\", \"fp16\", \"int8\", \"topk\""));
}

absl::string_view DeltaCodecName(DeltaCodec codec) {
  switch (codec) {
    case DeltaCodec::kFp32:
      return "fp32";
    case DeltaCodec::kFp16:
      return "fp16";
    case DeltaCodec::kInt8:
      return "int8";
    case DeltaCodec::kTopK:
      return "topk";
  }
  return "unknown";
}

absl::Status ValidateCodecOptions(const CodecOptions& options) {
  if (options.codec == DeltaCodec::kTopK &&
      !(options.topk_fraction > 0 && options.topk_fraction <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("topk_fraction: expected a value in (0, 1], got ",
                     options.topk_fraction));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DeltaEncoder>> DeltaEncoder::Create(
    const CodecOptions& options) {
  ORBITFL_RETURN_IF_ERROR(ValidateCodecOptions(options));
  return std::unique_ptr<DeltaEncoder>(new DeltaEncoder(options));
}

absl::StatusOr<ModelDelta> DeltaEncoder::Encode(const ModelDelta& fp32_delta) {
  const bool feedback =
      options_.error_feedback && options_.codec != DeltaCodec::kFp32;
  ModelDelta out = fp32_delta;
  out.clear_tensors();
  std::map<std::string, Residual> next;
  std::set<std::string> names;
  for (int k = 0; k < fp32_delta.tensors_size(); ++k) {
    const Tensor& t = fp32_delta.tensors(k);
    if (t.encoding() != TENSOR_ENCODING_FP32) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(k, t), ": encoding is ", EncodingName(t.encoding()),
                       ", expected FP32 (the encoder takes raw deltas)"));
    }
    if (!names.insert(t.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(k, t), ": a second tensor of that name; names must be unique"));
    }
    ORBITFL_ASSIGN_OR_RETURN(std::vector<float> values, DecodeValues(k, t));
    const std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
    if (feedback) {
      auto it = residuals_.find(t.name());
      if (it != residuals_.end() && it->second.shape == shape) {
        for (size_t i = 0; i < values.size(); ++i) {
          values[i] += it->second.values[i];
        }
      }
    }
    ORBITFL_ASSIGN_OR_RETURN(Tensor encoded,
                             EncodeValues(k, t, values, options_));
    if (feedback) {
      ORBITFL_ASSIGN_OR_RETURN(const std::vector<float> sent,
                               DecodeValues(k, encoded));
      Residual& r = next[t.name()];
      r.shape = shape;
      r.values.resize(values.size());
      for (size_t i = 0; i < values.size(); ++i) {
        const float left = values[i] - sent[i];
        // Inf and NaN pass through fp16 as they are; they must not poison
        // every later delta.
        r.values[i] = std::isfinite(left) ? left : 0.0f;
      }
    }
    *out.add_tensors() = std::move(encoded);
  }
  for (auto& [name, r] : next) residuals_[name] = std::move(r);
  return out;
}

const std::vector<float>* DeltaEncoder::residual(
    absl::string_view tensor_name) const {
  auto it = residuals_.find(std::string(tensor_name));
  return it == residuals_.end() ? nullptr : &it->second.values;
}

absl::Status CheckDeltaSize(const ModelDelta& encoded, int64_t max_values) {
  int64_t total = 0;
  for (int k = 0; k < encoded.tensors_size(); ++k) {
    ORBITFL_ASSIGN_OR_RETURN(const int64_t n,
                             CheckedNumValues(k, encoded.tensors(k)));
    total += n;
    if (total > max_values) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(k, encoded.tensors(k)), ": the delta's shapes hold more than ",
          max_values, " values in all"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ModelDelta> DecodeDelta(const ModelDelta& encoded,
                                       int64_t max_values) {
  // Every shape is checked before anything is allocated.
  ORBITFL_RETURN_IF_ERROR(CheckDeltaSize(encoded, max_values));
  ModelDelta out = encoded;
  out.clear_tensors();
  for (int k = 0; k < encoded.tensors_size(); ++k) {
    const Tensor& t = encoded.tensors(k);
    ORBITFL_ASSIGN_OR_RETURN(const std::vector<float> values,
                             DecodeValues(k, t));
    Tensor* d = out.add_tensors();
    d->set_name(t.name());
    *d->mutable_shape() = t.shape();
    SetFloats(values, d);
  }
  return out;
}

int64_t PayloadBytes(const ModelDelta& delta) {
  int64_t bytes = 0;
  for (const Tensor& t : delta.tensors()) {
    bytes += static_cast<int64_t>(t.data().size()) + 4 * t.indices_size();
    if (t.encoding() == TENSOR_ENCODING_INT8) bytes += 4;
  }
  return bytes;
}

uint16_t FloatToHalf(float value) {
  const uint32_t x = FloatBits(value);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t abs = x & 0x7FFFFFFF;
  if (abs > 0x7F800000) {
    // NaN: keep the top payload bits, force the quiet bit so a payload
    // living only in the low bits cannot turn into infinity.
    return sign | 0x7E00 | static_cast<uint16_t>((abs >> 13) & 0x3FF);
  }
  if (abs >= FloatBits(kHalfOverflow)) return sign | 0x7C00;  // to infinity
  const int exponent = static_cast<int>(abs >> 23);  // biased by 127
  if (exponent >= 113) {
    // Normal half (2^-14 and up): rebias the exponent by 127 - 15 = 112 and
    // round the 23-bit mantissa to 10 bits. A carry out of the mantissa
    // correctly bumps the exponent.
    return sign | static_cast<uint16_t>(
                      ShiftRoundEven(abs - (uint32_t{112} << 23), 13));
  }
  if (exponent < 102) return sign;  // below 2^-25: rounds to zero
  // Subnormal half m * 2^-24: the float is (2^23 + mantissa) * 2^(e - 150),
  // so m = (2^23 + mantissa) * 2^(e - 126), a right shift by 126 - e (14 to
  // 24). Rounding up from the largest subnormal gives 0x400, the smallest
  // normal, as it should.
  const uint32_t significand = (abs & 0x7FFFFF) | 0x800000;
  return sign | static_cast<uint16_t>(
                    ShiftRoundEven(significand, 126 - exponent));
}

float HalfToFloat(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F;
  const uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F) {
    return BitsFloat(sign | 0x7F800000 | (mantissa << 13));  // Inf, NaN
  }
  if (exponent == 0) {
    // Zero or subnormal, mantissa * 2^-24: exact in float.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return BitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

}  // namespace orbitfl::proto
