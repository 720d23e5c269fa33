#include "orbit/sgp4.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace orbitfl::orbit {
namespace {

using sgp4_internal::ErrorCode;
using sgp4_internal::LaneState;

std::string SatelliteLabel(const Tle& tle) {
  return tle.name.empty() ? absl::StrCat("satellite ", tle.catalog_number)
                          : absl::StrCat("satellite ", tle.catalog_number, " (",
                                         tle.name, ")");
}

// The reason behind each V2006 error code, with the value that failed.
std::string ErrorReason(int code, double value) {
  switch (code) {
    case sgp4_internal::kMeanEccentricity:
      return absl::StrCat("SGP4 error 1: mean eccentricity ", value,
                          " outside [-0.001, 1)");
    case sgp4_internal::kMeanMotion:
      return absl::StrCat("SGP4 error 2: mean motion ", value,
                          " rad/min is not positive");
    case sgp4_internal::kPerturbedEccentricity:
      return absl::StrCat("SGP4 error 3: perturbed eccentricity ", value,
                          " outside [0, 1]");
    case sgp4_internal::kSemiLatusRectum:
      return absl::StrCat("SGP4 error 4: semi-latus rectum ", value,
                          " Earth radii is negative");
    case sgp4_internal::kDecayed:
      return absl::StrCat("SGP4 error 6: radius ", value,
                          " Earth radii is below 1, the satellite has decayed");
    default:
      return absl::StrCat("SGP4 error ", code);
  }
}

StateVector ToState(const LaneState& s) {
  return {{s.r_km[0], s.r_km[1], s.r_km[2]},
          {s.v_km_s[0], s.v_km_s[1], s.v_km_s[2]}};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Sgp4Propagator>> Sgp4Propagator::Create(
    const Tle& tle) {
  const std::string label = SatelliteLabel(tle);
  sgp4_internal::Sgp4Model model;
  if (absl::Status s = sgp4_internal::InitSgp4(tle, &model); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": ", s.message()));
  }
  const absl::Duration epoch_error =
      tle.epoch - TleEpochTime(tle.epoch_year, tle.epoch_day);
  if (absl::AbsDuration(epoch_error) > absl::Milliseconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        label, ": epoch ", absl::FormatTime(tle.epoch, absl::UTCTimeZone()),
        " differs from epoch_year/epoch_day (", tle.epoch_year, " day ",
        tle.epoch_day, ") by ", absl::FormatDuration(epoch_error),
        "; set all three with SetTleEpoch"));
  }
  std::unique_ptr<Sgp4Propagator> propagator(new Sgp4Propagator(tle, model));
  // V2006's sgp4init ends with a step to epoch; a failure there means no
  // state of this element set can be trusted.
  const LaneState at_epoch = propagator->Step(0.0);
  if (at_epoch.error_code != sgp4_internal::kOk) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": ",
                     ErrorReason(static_cast<int>(at_epoch.error_code),
                                 at_epoch.error_value),
                     " at epoch"));
  }
  return propagator;
}

Sgp4Propagator::Sgp4Propagator(const Tle& tle,
                               const sgp4_internal::Sgp4Model& model)
    : tle_(tle), model_(model), near_({model.near}, /*lane_multiple=*/1) {}

LaneState Sgp4Propagator::Step(double minutes_since_epoch) const {
  if (model_.deep_space) {
    return sgp4_internal::PropagateDeepSpace(model_.near, model_.deep,
                                             minutes_since_epoch);
  }
  sgp4_internal::LaneStates<1> out;
  sgp4_internal::PropagateNearEarthLane(near_, 0, minutes_since_epoch, &out);
  LaneState s;
  s.r_km[0] = out.x_km[0];
  s.r_km[1] = out.y_km[0];
  s.r_km[2] = out.z_km[0];
  s.v_km_s[0] = out.vx_km_s[0];
  s.v_km_s[1] = out.vy_km_s[0];
  s.v_km_s[2] = out.vz_km_s[0];
  s.error_code = out.error_code[0];
  s.error_value = out.error_value[0];
  return s;
}

absl::StatusOr<StateVector> Sgp4Propagator::PropagateMinutes(
    double minutes_since_epoch) const {
  const LaneState s = Step(minutes_since_epoch);
  if (s.error_code != sgp4_internal::kOk) {
    return absl::OutOfRangeError(absl::StrCat(
        SatelliteLabel(tle_), " at ", minutes_since_epoch, " min after epoch: ",
        ErrorReason(static_cast<int>(s.error_code), s.error_value)));
  }
  return ToState(s);
}

void Sgp4Propagator::PropagateSeries(absl::Time start, absl::Duration step,
                                     int count, StateVector* out) const {
  if (model_.deep_space) {
    Propagator::PropagateSeries(start, step, count, out);
    return;
  }
  constexpr int kLanes = sgp4_internal::NearEarthSet::kBlockLanes;
  std::call_once(series_once_, [this] {
    constexpr int kBlock = sgp4_internal::NearEarthSet::kBlockLanes;
    series_ = std::make_unique<sgp4_internal::NearEarthSet>(
        std::vector<sgp4_internal::NearEarthCoefficients>(kBlock, model_.near),
        kBlock);
  });
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double minutes[kLanes];
  sgp4_internal::LaneStates<kLanes> lanes;
  for (int first = 0; first < count; first += kLanes) {
    const int n = std::min(kLanes, count - first);
    // The same expression as Propagate, so both give the same minutes.
    for (int j = 0; j < kLanes; ++j) {
      minutes[j] = j < n ? absl::ToDoubleMinutes(start + (first + j) * step -
                                                 tle_.epoch)
                         : 0.0;
    }
    sgp4_internal::PropagateNearEarthBlock(*series_, 0, minutes, &lanes);
    for (int j = 0; j < n; ++j) {
      StateVector& s = out[first + j];
      if (lanes.error_code[j] != sgp4_internal::kOk) {
        s = {{kNaN, kNaN, kNaN}, {kNaN, kNaN, kNaN}};
        continue;
      }
      s.position_km = {lanes.x_km[j], lanes.y_km[j], lanes.z_km[j]};
      s.velocity_km_s = {lanes.vx_km_s[j], lanes.vy_km_s[j], lanes.vz_km_s[j]};
    }
  }
}

StateVector Sgp4Propagator::Propagate(absl::Time t) const {
  const LaneState s = Step(absl::ToDoubleMinutes(t - tle_.epoch));
  if (s.error_code != sgp4_internal::kOk) {
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    return {{kNaN, kNaN, kNaN}, {kNaN, kNaN, kNaN}};
  }
  return ToState(s);
}

}  // namespace orbitfl::orbit
