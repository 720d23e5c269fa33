#include "orbit/sgp4_batch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace orbitfl::orbit {
namespace {

using sgp4_internal::NearEarthSet;
constexpr int kLanes = NearEarthSet::kBlockLanes;

void Resize(int n, StateArrays* out) {
  for (std::vector<double>* v :
       {&out->x_km, &out->y_km, &out->z_km, &out->vx_km_s, &out->vy_km_s,
        &out->vz_km_s, &out->minutes_since_epoch}) {
    if (static_cast<int>(v->size()) != n) v->resize(n);
  }
  if (static_cast<int>(out->error_code.size()) != n) out->error_code.resize(n);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Sgp4Batch>> Sgp4Batch::Create(
    const std::vector<Tle>& tles) {
  std::vector<std::unique_ptr<Sgp4Propagator>> all;
  std::vector<sgp4_internal::NearEarthCoefficients> near;
  for (size_t i = 0; i < tles.size(); ++i) {
    absl::StatusOr<std::unique_ptr<Sgp4Propagator>> p =
        Sgp4Propagator::Create(tles[i]);
    if (!p.ok()) {
      return absl::Status(
          p.status().code(),
          absl::StrCat("tles[", i, "]: ", p.status().message()));
    }
    if (!(*p)->deep_space()) near.push_back((*p)->model_.near);
    all.push_back(*std::move(p));
  }
  std::unique_ptr<Sgp4Batch> batch(
      new Sgp4Batch(static_cast<int>(tles.size()), near));
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i]->deep_space()) {
      batch->deep_slots_.push_back(static_cast<int>(i));
      batch->deep_.push_back(std::move(all[i]));
    } else {
      batch->near_slots_.push_back(static_cast<int>(i));
      batch->near_epochs_.push_back(tles[i].epoch);
    }
  }
  return batch;
}

Sgp4Batch::Sgp4Batch(
    int size,
    const std::vector<sgp4_internal::NearEarthCoefficients>& near_coefficients)
    : size_(size), near_(near_coefficients, kLanes) {}

void Sgp4Batch::Propagate(absl::Time t, StateArrays* out) const {
  Resize(size_, out);
  const int num_near = near_.size();
  double minutes[kLanes];
  sgp4_internal::LaneStates<kLanes> lanes;
  for (int first = 0; first < num_near; first += kLanes) {
    const int count = std::min(kLanes, num_near - first);
    // The same expression as Sgp4Propagator::Propagate, so both paths see
    // the same minutes. Padding lanes (copies of lane 0) run at epoch.
    for (int j = 0; j < kLanes; ++j) {
      minutes[j] =
          j < count ? absl::ToDoubleMinutes(t - near_epochs_[first + j]) : 0.0;
    }
    sgp4_internal::PropagateNearEarthBlock(near_, first, minutes, &lanes);
    for (int j = 0; j < count; ++j) {
      const int slot = near_slots_[first + j];
      out->x_km[slot] = lanes.x_km[j];
      out->y_km[slot] = lanes.y_km[j];
      out->z_km[slot] = lanes.z_km[j];
      out->vx_km_s[slot] = lanes.vx_km_s[j];
      out->vy_km_s[slot] = lanes.vy_km_s[j];
      out->vz_km_s[slot] = lanes.vz_km_s[j];
      out->error_code[slot] = static_cast<int>(lanes.error_code[j]);
      out->minutes_since_epoch[slot] = minutes[j];
    }
  }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (size_t k = 0; k < deep_.size(); ++k) {
    const int slot = deep_slots_[k];
    const double m = absl::ToDoubleMinutes(t - deep_[k]->tle().epoch);
    const sgp4_internal::LaneState s = deep_[k]->Step(m);
    const bool ok = s.error_code == sgp4_internal::kOk;
    out->x_km[slot] = ok ? s.r_km[0] : kNaN;
    out->y_km[slot] = ok ? s.r_km[1] : kNaN;
    out->z_km[slot] = ok ? s.r_km[2] : kNaN;
    out->vx_km_s[slot] = ok ? s.v_km_s[0] : kNaN;
    out->vy_km_s[slot] = ok ? s.v_km_s[1] : kNaN;
    out->vz_km_s[slot] = ok ? s.v_km_s[2] : kNaN;
    out->error_code[slot] = static_cast<int>(s.error_code);
    out->minutes_since_epoch[slot] = m;
  }
}

}  // namespace orbitfl::orbit
