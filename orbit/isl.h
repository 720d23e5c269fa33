#ifndef ORBITFL_ORBIT_ISL_H_
#define ORBITFL_ORBIT_ISL_H_

// Inter-satellite link (ISL) windows: when two satellites see each other
// over the Earth's limb within a maximum range. A coarse scan at a fixed
// step finds candidate pairs through a uniform spatial grid (never all
// pairs), then each change of state is bisected to a tolerance, like the
// ground windows of orbit/visibility.h.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orbit/propagator.h"

namespace orbitfl::orbit {

// Where a satellite sits in its constellation, for the link policies.
struct SatelliteSlot {
  int plane = 0;  // 0-based
  int slot = 0;   // 0-based position along the plane
};

// Which pairs may link at all; each still needs line of sight and range.
enum class IslPolicy {
  // Every pair.
  kAnyInRange,
  // Slots s-1 and s+1 of the same plane, wrapping around the plane: the
  // plane's slot count is its largest slot + 1.
  kSamePlaneNeighbours,
  // The same-plane neighbours, plus the same slot in planes p-1 and p+1,
  // wrapping: plane P-1 links to plane 0 (P = largest plane + 1), which in
  // a Walker star is the counter-rotating seam.
  kPlusGrid,
};

struct IslOptions {
  absl::Time start;
  absl::Time stop;
  // Longest usable link (e.g. the optical terminal's reach).
  double max_range_km = 5000;
  // The line between the satellites must stay this far above the surface
  // (to keep the beam out of the dense atmosphere). The Earth is a sphere
  // of the equatorial radius here, which errs by at most 21 km (at the
  // poles) on the conservative side.
  double grazing_altitude_km = 80;
  IslPolicy policy = IslPolicy::kAnyInRange;
  // Coarse scan step (samples come from Propagator::PropagateSeries). A
  // window shorter than a step is still found when it surrounds a closest
  // approach (the range has a minimum between two samples), and a gap
  // shorter than a step when it surrounds a range peak; sub-step windows or
  // gaps that line of sight alone opens and closes may be missed.
  absl::Duration scan_step = absl::Seconds(30);
  // Each window edge is bisected until its bracket is below this.
  absl::Duration tolerance = absl::Milliseconds(10);
  // Threads scanning contiguous time slices. The result is identical for
  // every thread count. With more than one thread the propagators are
  // called concurrently (Propagate and PropagateSeries are const and must
  // be thread-safe).
  int num_threads = 1;
};

struct IslWindow {
  int a = 0;  // index into the propagators passed in; a < b
  int b = 0;
  absl::Time start;  // first instant in view (or the search start)
  absl::Time end;    // last instant in view (or the search stop)
  // Smallest distance between the two satellites within the window: the
  // least of the propagated distances at the scan samples and the edges and
  // of each closest approach on the interpolated motion (good to the
  // cubic's error: centimetres at a 30 s step, tens of metres at 150 s).
  double min_range_km = 0;
};

// All windows of the pairs that the policy allows over [start, stop],
// sorted by (start, a, b). Two satellites are in view when their distance
// is at most max_range_km and the segment between them stays at least
// grazing_altitude_km above the spherical Earth. A window already open at
// `start` starts at `start`; one still open at `stop` ends at `stop`.
//
// `slots` gives each satellite's plane and slot; it may be empty for
// kAnyInRange and must otherwise have one entry per satellite, with no
// (plane, slot) twice. Fails with InvalidArgument naming the field for a
// null propagator, bad slots or bad options.
//
// Cost: each satellite is propagated once per step; pairs are found through
// a uniform grid of cells at least (max range + what a step's motion can
// add) wide, comparing neighbouring cells only; each open window is carried
// from step to step. A window edge costs two exact evaluations of the pair
// (four propagations) in the common case: a cubic (Hermite) interpolation
// of both orbits from their positions and velocities at the samples guesses
// the crossing, and probes tolerance/2 either side of the guess close the
// bracket; plain bisection takes over when they do not. Memory is linear in
// the number of satellites and open windows, plus the output. A 1,584-
// satellite shell at 550 km with a 2,500 km range has about 5 million
// windows a day.
absl::StatusOr<std::vector<IslWindow>> FindIslWindows(
    const std::vector<const Propagator*>& satellites,
    const std::vector<SatelliteSlot>& slots, const IslOptions& options);

// Distance (km) from the Earth's centre to the segment between two
// positions: the satellites at its ends see each other over the limb when
// it is at least the Earth's radius plus the grazing altitude.
double SegmentClearanceKm(const Vec3& a_km, const Vec3& b_km);

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_ISL_H_
