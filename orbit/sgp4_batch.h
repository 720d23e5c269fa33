#ifndef ORBITFL_ORBIT_SGP4_BATCH_H_
#define ORBITFL_ORBIT_SGP4_BATCH_H_

// Many TLEs propagated together: the near-Earth satellites' SGP4
// coefficients held as structure of arrays and stepped in blocks by loops
// the compiler vectorises; deep-space satellites (period >= 225 min) go
// through the scalar SDP4 path. Results equal Sgp4Propagator::Propagate's
// for the same instant (the two share the kernel in orbit/sgp4_kernel.h).

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orbit/sgp4.h"
#include "orbit/sgp4_kernel.h"
#include "orbit/tle.h"

namespace orbitfl::orbit {

// TEME states of every satellite of a batch at one instant, index i for the
// i-th TLE given to Sgp4Batch::Create.
struct StateArrays {
  std::vector<double> x_km, y_km, z_km;
  std::vector<double> vx_km_s, vy_km_s, vz_km_s;
  // 0, or the SGP4 error code (1, 2, 3, 4 or 6, see Sgp4Propagator::
  // PropagateMinutes); the state is NaN where it is not 0.
  std::vector<int> error_code;
  std::vector<double> minutes_since_epoch;  // t - epoch of each satellite
};

class Sgp4Batch {
 public:
  // Fails as Sgp4Propagator::Create does for any of the TLEs, the message
  // starting "tles[i]: ".
  static absl::StatusOr<std::unique_ptr<Sgp4Batch>> Create(
      const std::vector<Tle>& tles);

  int size() const { return size_; }
  int deep_space_count() const { return static_cast<int>(deep_.size()); }

  // The states at t. Resizes out's vectors to size() when their sizes
  // differ (on first use); allocates nothing otherwise. Safe to call from
  // several threads with separate outputs.
  void Propagate(absl::Time t, StateArrays* out) const;

 private:
  Sgp4Batch(int size, const std::vector<sgp4_internal::NearEarthCoefficients>&
                          near_coefficients);

  int size_ = 0;
  // Near-Earth lanes: coefficients, epochs and where each lane's state goes.
  sgp4_internal::NearEarthSet near_;
  std::vector<absl::Time> near_epochs_;
  std::vector<int> near_slots_;
  // Deep-space satellites, through the scalar path.
  std::vector<std::unique_ptr<Sgp4Propagator>> deep_;
  std::vector<int> deep_slots_;
};

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_SGP4_BATCH_H_
