#ifndef ORBITFL_ORBIT_PROPAGATOR_H_
#define ORBITFL_ORBIT_PROPAGATOR_H_

// Orbit propagation. The interface is what the rest of orbitfl uses; the
// J2 secular propagator serves designed constellations (SGP4 for TLEs comes
// behind the same interface later).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orbit/frames.h"

namespace orbitfl::orbit {

struct StateVector {
  Vec3 position_km;      // inertial (TEME-like) frame
  Vec3 velocity_km_s;
};

class Propagator {
 public:
  virtual ~Propagator() = default;
  virtual StateVector Propagate(absl::Time t) const = 0;
  // States at start + k * step for k in [0, count) into out[0..count).
  // The default calls Propagate at each instant; a propagator that can
  // vectorise over time overrides it.
  virtual void PropagateSeries(absl::Time start, absl::Duration step,
                               int count, StateVector* out) const;
};

// Classical mean elements at an epoch.
struct KeplerElements {
  absl::Time epoch;
  double semi_major_axis_km = 0;
  double eccentricity = 0;
  double inclination_rad = 0;
  double raan_rad = 0;
  double arg_perigee_rad = 0;
  double mean_anomaly_rad = 0;
};

// Two-body motion plus the secular J2 drift of RAAN, argument of perigee and
// mean anomaly (Vallado, "Fundamentals of Astrodynamics", sec. 9.6).
// Create fails with InvalidArgument when the elements are unphysical
// (a <= Earth radius, e outside [0, 1), perigee below the surface).
class J2Propagator final : public Propagator {
 public:
  static absl::StatusOr<std::unique_ptr<J2Propagator>> Create(
      const KeplerElements& elements);
  StateVector Propagate(absl::Time t) const override;
  const KeplerElements& elements() const { return elements_; }
  // Anomalistic period 2 pi / n, n including the secular J2 term.
  double period_s() const;

 private:
  explicit J2Propagator(const KeplerElements& e);
  KeplerElements elements_;
  double mean_motion_rad_s_ = 0;  // perturbed by J2
  double raan_rate_rad_s_ = 0;
  double arg_perigee_rate_rad_s_ = 0;
};

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_PROPAGATOR_H_
