#include "node/radiation.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "proto/crc32c.h"
#include "proto/tensor_util.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {
namespace {

constexpr double kDegToRad = 3.14159265358979323846 / 180.0;

// The SAA at LEO altitudes, as a region of sub-satellite points. Trapped
// proton flux maps at 400-800 km (AP-8/AP-9 models; ROSAT, SAMPEX and ISS
// dosimetry) show the anomaly over South America and the South Atlantic,
// about 0-50 S and 90 W-40 E, its flux peak near 26 S, 50 W, with a long
// tail east towards southern Africa; the region drifts west by about
// 0.3 deg a year with the geomagnetic field. Modelled as two half-ellipses
// joined on the peak's meridian: 25 deg of latitude either side of the
// peak, 40 deg of longitude west of it and 90 deg east.
constexpr double kSaaPeakLatDeg = -26;
constexpr double kSaaPeakLonDeg = -50;
constexpr double kSaaHalfLatDeg = 25;
constexpr double kSaaWestDeg = 40;
constexpr double kSaaEastDeg = 90;

// The IGRF-13 centred dipole's northern geomagnetic pole at epoch 2020
// (NOAA NCEI): 80.65 N, 72.68 W.
constexpr double kDipolePoleLatDeg = 80.65;
constexpr double kDipolePoleLonDeg = -72.68;

// Longitude difference wrapped to [-180, 180).
double WrapDeg(double deg) {
  double d = std::fmod(deg + 180.0, 360.0);
  if (d < 0) d += 360.0;
  return d - 180.0;
}

}  // namespace

bool InSouthAtlanticAnomaly(double lat_deg, double lon_deg) {
  const double dlat = (lat_deg - kSaaPeakLatDeg) / kSaaHalfLatDeg;
  const double east = WrapDeg(lon_deg - kSaaPeakLonDeg);
  const double dlon = east / (east >= 0 ? kSaaEastDeg : kSaaWestDeg);
  return dlat * dlat + dlon * dlon <= 1.0;
}

double GeomagneticLatitudeDeg(double lat_deg, double lon_deg) {
  const double lat = lat_deg * kDegToRad;
  const double pole = kDipolePoleLatDeg * kDegToRad;
  const double dlon = (lon_deg - kDipolePoleLonDeg) * kDegToRad;
  const double s = std::sin(lat) * std::sin(pole) +
                   std::cos(lat) * std::cos(pole) * std::cos(dlon);
  return std::asin(std::clamp(s, -1.0, 1.0)) / kDegToRad;
}

absl::StatusOr<SeuProtection> ParseSeuProtection(absl::string_view name) {
  if (name == "none") return SeuProtection::kNone;
  if (name == "checksum") return SeuProtection::kChecksum;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown upset protection \"", name,
                   "\", expected \"none\" or \"checksum\""));
}

absl::Status ValidateSeuOptions(const SeuOptions& o) {
  auto fail = [](absl::string_view field, absl::string_view expected,
                 double got) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": expected ", expected, ", got ", got));
  };
  if (!(o.upsets_per_bit_per_day >= 0) ||
      !std::isfinite(o.upsets_per_bit_per_day)) {
    return fail("upsets_per_bit_per_day", "a finite value >= 0",
                o.upsets_per_bit_per_day);
  }
  if (!(o.saa_multiplier >= 1) || !std::isfinite(o.saa_multiplier)) {
    return fail("saa_multiplier", "a finite value >= 1", o.saa_multiplier);
  }
  if (!(o.polar_multiplier >= 1) || !std::isfinite(o.polar_multiplier)) {
    return fail("polar_multiplier", "a finite value >= 1", o.polar_multiplier);
  }
  if (!(o.polar_geomagnetic_latitude_deg >= 0 &&
        o.polar_geomagnetic_latitude_deg <= 90)) {
    return fail("polar_geomagnetic_latitude_deg", "degrees in [0, 90]",
                o.polar_geomagnetic_latitude_deg);
  }
  return absl::OkStatus();
}

double UpsetRateMultiplier(double lat_deg, double lon_deg,
                           const SeuOptions& options) {
  double m = 1.0;
  if (InSouthAtlanticAnomaly(lat_deg, lon_deg)) {
    m = std::max(m, options.saa_multiplier);
  }
  if (std::fabs(GeomagneticLatitudeDeg(lat_deg, lon_deg)) >
      options.polar_geomagnetic_latitude_deg) {
    m = std::max(m, options.polar_multiplier);
  }
  return m;
}

int64_t ModelBits(const proto::Model& model) {
  int64_t bits = 0;
  for (const proto::Tensor& t : model.tensors()) {
    bits += 8 * static_cast<int64_t>(t.data().size());
  }
  return bits;
}

double ExpectedUpsets(int64_t bits, absl::Duration interval,
                      double mean_multiplier, const SeuOptions& options) {
  return options.upsets_per_bit_per_day * mean_multiplier *
         static_cast<double>(bits) * (absl::ToDoubleHours(interval) / 24.0);
}

absl::Status FlipBit(int64_t bit, proto::Model& model) {
  const int64_t total = ModelBits(model);
  if (bit < 0 || bit >= total) {
    return absl::OutOfRangeError(absl::StrCat(
        "bit ", bit, " is outside the model's ", total,
        " bits of tensor data"));
  }
  int64_t first = 0;  // the tensor's first bit
  for (proto::Tensor& t : *model.mutable_tensors()) {
    const int64_t bits = 8 * static_cast<int64_t>(t.data().size());
    if (bit < first + bits) {
      const int64_t at = bit - first;
      (*t.mutable_data())[at / 8] ^= static_cast<char>(1 << (at % 8));
      break;
    }
    first += bits;
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> InjectUpsets(absl::Duration interval,
                                     double mean_multiplier,
                                     const SeuOptions& options,
                                     absl::BitGenRef gen,
                                     proto::Model& model) {
  ORBITFL_RETURN_IF_ERROR(ValidateSeuOptions(options));
  if (interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "upset interval: expected >= 0, got ", absl::FormatDuration(interval)));
  }
  if (!(mean_multiplier >= 0) || !std::isfinite(mean_multiplier)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mean_multiplier: expected a finite value >= 0, got ",
                     mean_multiplier));
  }
  // Where each tensor's bits end, to place a bit drawn over all of them.
  std::vector<int64_t> ends;
  int64_t total = 0;
  for (const proto::Tensor& t : model.tensors()) {
    total += 8 * static_cast<int64_t>(t.data().size());
    ends.push_back(total);
  }
  const double mean = ExpectedUpsets(total, interval, mean_multiplier, options);
  if (!(mean > 0)) return 0;
  const int64_t count = absl::Poisson<int64_t>(gen, mean);
  for (int64_t n = 0; n < count; ++n) {
    const int64_t bit = absl::Uniform<int64_t>(gen, 0, total);
    const size_t k = std::upper_bound(ends.begin(), ends.end(), bit) -
                     ends.begin();
    const int64_t at = bit - (k == 0 ? 0 : ends[k - 1]);
    std::string& data = *model.mutable_tensors(k)->mutable_data();
    data[at / 8] ^= static_cast<char>(1 << (at % 8));
  }
  return count;
}

ProtectedModel::ProtectedModel(proto::Model model, SeuProtection protection)
    : protection_(protection), model_(std::move(model)) {
  Commit();
}

void ProtectedModel::Commit() {
  checksums_.clear();
  golden_.Clear();
  if (protection_ == SeuProtection::kNone) return;
  golden_ = model_;
  for (const proto::Tensor& t : golden_.tensors()) {
    checksums_.push_back(proto::Crc32c(t.data()));
  }
}

int ProtectedModel::Scrub() {
  if (protection_ == SeuProtection::kNone) return 0;
  if (model_.tensors_size() != golden_.tensors_size()) {
    model_ = golden_;
    return golden_.tensors_size();
  }
  int repaired = 0;
  for (int k = 0; k < model_.tensors_size(); ++k) {
    proto::Tensor& t = *model_.mutable_tensors(k);
    if (proto::SameLayout(t, golden_.tensors(k)) &&
        proto::Crc32c(t.data()) == checksums_[k]) {
      continue;
    }
    t = golden_.tensors(k);
    ++repaired;
  }
  return repaired;
}

}  // namespace orbitfl::node
