#include "aggregator/robust.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/tensor_util.h"
#include "third_party/status_macros.h"

namespace orbitfl::aggregator {
namespace {

double L2Norm(const proto::ModelDelta& delta) {
  double sum = 0;
  for (const proto::Tensor& t : delta.tensors()) {
    for (float v : proto::ToFloats(t)) sum += static_cast<double>(v) * v;
  }
  return std::sqrt(sum);
}

// The median of `v` (the mean of the middle two for an even count).
double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

absl::Status ValidateRobustOptions(const RobustOptions& options) {
  if (!options.rule.empty() && options.rule != "mean" &&
      options.rule != "median" && options.rule != "trimmed_mean") {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.robust.rule: expected one of: mean, median, trimmed_mean, "
        "got \"", options.rule, "\""));
  }
  if (!(options.trim_fraction >= 0 && options.trim_fraction < 0.5)) {
    return absl::InvalidArgumentError(
        absl::StrCat("federation.robust.trim_fraction: expected in [0, 0.5), "
                     "got ", options.trim_fraction));
  }
  if (!(options.clip_norm >= 0 && std::isfinite(options.clip_norm))) {
    return absl::InvalidArgumentError(
        absl::StrCat("federation.robust.clip_norm: expected >= 0 (0: off), "
                     "got ", options.clip_norm));
  }
  return absl::OkStatus();
}

bool IsRobust(const RobustOptions& options) {
  return (!options.rule.empty() && options.rule != "mean") ||
         options.clip_norm > 0 || options.clip_to_median;
}

absl::StatusOr<Pseudogradient> CombineDeltas(
    const RobustOptions& options,
    const google::protobuf::RepeatedPtrField<proto::Tensor>& layout,
    const std::vector<const proto::ModelDelta*>& deltas,
    const std::vector<double>& weights) {
  if (deltas.size() != weights.size() || deltas.empty()) {
    return absl::InternalError(absl::StrCat("CombineDeltas: ", deltas.size(),
                                            " deltas, ", weights.size(),
                                            " weights"));
  }
  const size_t n = deltas.size();
  // Norm clipping: a scale per update.
  std::vector<double> scale(n, 1.0);
  if (options.clip_norm > 0 || options.clip_to_median) {
    std::vector<double> norms(n);
    for (size_t i = 0; i < n; ++i) norms[i] = L2Norm(*deltas[i]);
    double bound = options.clip_norm > 0 ? options.clip_norm : HUGE_VAL;
    if (options.clip_to_median) bound = std::min(bound, Median(norms));
    for (size_t i = 0; i < n; ++i) {
      if (norms[i] > bound) scale[i] = bound / norms[i];
    }
  }
  if (options.rule.empty() || options.rule == "mean") {
    std::vector<double> scaled(n);
    for (size_t i = 0; i < n; ++i) scaled[i] = weights[i] * scale[i];
    return proto::WeightedDeltaSum(layout, deltas, scaled);
  }
  // Coordinate-wise rules. Every delta must fit the layout: the weighted
  // sum checks it (and its result is not needed).
  ORBITFL_RETURN_IF_ERROR(
      proto::WeightedDeltaSum(layout, deltas, std::vector<double>(n, 0.0))
          .status());
  double total_weight = 0;
  for (double w : weights) total_weight += w;
  const bool median = options.rule == "median";
  size_t trim = static_cast<size_t>(std::floor(options.trim_fraction * n));
  if (2 * trim >= n) trim = (n - 1) / 2;
  Pseudogradient out;
  std::vector<double> column(n);
  for (int k = 0; k < layout.size(); ++k) {
    std::vector<std::vector<float>> values(n);
    for (size_t i = 0; i < n; ++i) values[i] = proto::ToFloats(deltas[i]->tensors(k));
    std::vector<double>& result = out.emplace_back(values[0].size(), 0.0);
    for (size_t j = 0; j < result.size(); ++j) {
      for (size_t i = 0; i < n; ++i) column[i] = scale[i] * values[i][j];
      double robust = 0;
      if (median) {
        robust = Median(column);
      } else {
        std::sort(column.begin(), column.end());
        for (size_t i = trim; i < n - trim; ++i) robust += column[i];
        robust /= static_cast<double>(n - 2 * trim);
      }
      result[j] = total_weight * robust;
    }
  }
  return out;
}

}  // namespace orbitfl::aggregator
