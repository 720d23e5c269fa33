#ifndef ORBITFL_ORBIT_SGP4_H_
#define ORBITFL_ORBIT_SGP4_H_

// SGP4 (near Earth, period < 225 min) and SDP4 (deep space) propagation of
// TLEs: Hoots & Roehrich, Spacetrack Report #3 (1980), as revised by
// Vallado, Crawford, Hujsak & Kelso, "Revisiting Spacetrack Report #3",
// AIAA 2006-6753, in its improved ('i') mode with WGS-72 constants. States
// are in TEME (true equator, mean equinox of date), km and km/s; frames.h's
// InertialToEcef (GMST rotation) takes them to Earth-fixed.
//
// Checked against the official verification set (SGP4-VER.TLE and
// tcppver.out) in tests/orbit/sgp4_verification_test.cc.

#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orbit/propagator.h"
#include "orbit/sgp4_deep.h"
#include "orbit/sgp4_kernel.h"
#include "orbit/sgp4_model.h"
#include "orbit/tle.h"

namespace orbitfl::orbit {

class Sgp4Batch;

class Sgp4Propagator final : public Propagator {
 public:
  // InvalidArgument naming the satellite ("satellite 25544 (ISS (ZARYA))")
  // and the reason when SGP4 cannot start from the elements: eccentricity
  // outside [0, 1), mean motion <= 0, inclination outside [0, 180] deg,
  // non-finite fields, an epoch that disagrees with epoch_year/epoch_day,
  // or a state at epoch that already fails (the message carries the SGP4
  // error code, as for PropagateMinutes).
  static absl::StatusOr<std::unique_ptr<Sgp4Propagator>> Create(const Tle& tle);

  // The TEME state `minutes_since_epoch` after the TLE epoch. Fails with
  // OutOfRange when SGP4 does, the message naming the satellite, the time
  // and the reference's error code: "SGP4 error 1" mean eccentricity out of
  // [-0.001, 1) (drag), "error 2" mean motion <= 0, "error 3" eccentricity
  // out of [0, 1] after lunar-solar periodics, "error 4" semi-latus rectum
  // < 0, "error 6" the satellite has decayed (radius < 1 Earth radius).
  absl::StatusOr<StateVector> PropagateMinutes(
      double minutes_since_epoch) const;

  // The state at t (minutes since epoch = (t - tle().epoch) in minutes).
  // Where PropagateMinutes fails, every component is NaN; callers that
  // need the reason call PropagateMinutes.
  StateVector Propagate(absl::Time t) const override;
  // Near-Earth orbits: 32 instants per call of the vectorised kernel,
  // bit-identical to Propagate at each. Deep space: one instant at a time.
  void PropagateSeries(absl::Time start, absl::Duration step, int count,
                       StateVector* out) const override;

  const Tle& tle() const { return tle_; }
  // True for SDP4 (period >= 225 min).
  bool deep_space() const { return model_.deep_space; }

 private:
  friend class Sgp4Batch;
  Sgp4Propagator(const Tle& tle, const sgp4_internal::Sgp4Model& model);
  // The state and V2006 error code (0 when OK).
  sgp4_internal::LaneState Step(double minutes_since_epoch) const;

  Tle tle_;
  sgp4_internal::Sgp4Model model_;
  // The near-Earth coefficients as a set of one, for the shared kernel.
  sgp4_internal::NearEarthSet near_;
  // The element set in every lane of a block, so a series of instants runs
  // through the vectorised kernel; built on first use.
  mutable std::once_flag series_once_;
  mutable std::unique_ptr<sgp4_internal::NearEarthSet> series_;
};

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_SGP4_H_
