#include "orbit/track_segment.h"

namespace orbitfl::orbit {

TrackSegment::TrackSegment(const EcefState& a, const EcefState& b)
    : a_(a), b_(b), h_s_(SecondsOf(b.time - a.time)) {}

Vec3 TrackSegment::PositionAt(absl::Time t) const {
  return PositionAtOffset(SecondsOf(t - a_.time));
}

Vec3 TrackSegment::PositionAtOffset(double seconds) const {
  if (h_s_ <= 0) return a_.position_km;
  const double s = seconds / h_s_;
  const double s2 = s * s, s3 = s2 * s;
  // Cubic Hermite basis (e.g. Burden & Faires, sec. 3.4).
  const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s;
  const double h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
  return h00 * a_.position_km + (h10 * h_s_) * a_.velocity_km_s +
         h01 * b_.position_km + (h11 * h_s_) * b_.velocity_km_s;
}

}  // namespace orbitfl::orbit
