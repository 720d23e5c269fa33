#ifndef ORBITFL_ORBIT_TRACK_SEGMENT_H_
#define ORBITFL_ORBIT_TRACK_SEGMENT_H_

// A short arc of a satellite's Earth-fixed track between two propagated
// states, interpolated by a cubic Hermite polynomial in position and
// velocity. Over an arc of angle phi the position error is about
// phi^4 r / 384: 4 mm for 20 s of a LEO orbit, a few metres for 2 min.
// Window search refines mask crossings and peaks on it, then confirms with
// the real propagator.

#include "absl/time/time.h"
#include "orbit/frames.h"

namespace orbitfl::orbit {

struct EcefState {
  absl::Time time;
  Vec3 position_km;
  Vec3 velocity_km_s;  // in the rotating frame
};

class TrackSegment {
 public:
  TrackSegment(const EcefState& a, const EcefState& b);
  Vec3 PositionAt(absl::Time t) const;
  // The same at `seconds` after start(), for searches in plain doubles.
  Vec3 PositionAtOffset(double seconds) const;
  double length_s() const { return h_s_; }
  absl::Time start() const { return a_.time; }
  absl::Time end() const { return b_.time; }

 private:
  EcefState a_, b_;
  double h_s_;
};

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_TRACK_SEGMENT_H_
