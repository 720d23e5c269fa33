#ifndef ORBITFL_SIM_CONTACT_PLAN_H_
#define ORBITFL_SIM_CONTACT_PLAN_H_

// The scenario's satellites, stations and every ground contact window over
// the run, computed once before the run starts.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orbit/isl.h"
#include "orbit/propagator.h"
#include "orbit/sgp4.h"
#include "orbit/visibility.h"
#include "proto/scenario.pb.h"

namespace orbitfl::sim {

struct ContactPlan {
  std::vector<std::string> satellite_names;
  std::vector<std::unique_ptr<orbit::Propagator>> orbits;
  std::vector<orbit::GroundStation> stations;
  // Sorted by start; edges rounded inward to whole milliseconds, so the
  // run directory's millisecond times reproduce them exactly.
  std::vector<orbit::ContactWindow> windows;
  // Inter-satellite windows allowed by link.isl.topology (none when it is
  // "none"), sorted by (start, a, b), edges rounded inward like `windows`.
  std::vector<orbit::IslWindow> isl_windows;
  // Each satellite's plane and slot (Walker shells; TLE satellites get
  // plane 0 and their file order as slot).
  std::vector<orbit::SatelliteSlot> slots;
};

// Satellites of a TLE file, propagated with SGP4/SDP4, named by their name
// lines (or catalog numbers when there are none).
struct TleSatellites {
  std::vector<std::string> names;
  std::vector<std::unique_ptr<orbit::Sgp4Propagator>> owned;
  std::vector<const orbit::Propagator*> propagators;
};
absl::StatusOr<TleSatellites> LoadTleSatellites(const std::string& path);

// A scenario or CSV station in the orbit engine's units.
orbit::GroundStation ToOrbitStation(const proto::GroundStation& g);

// The scenario's satellites alone: Walker shells with the J2 propagator
// (elements at `start`), or a TLE file with SGP4/SDP4.
struct ScenarioSatellites {
  std::vector<std::string> satellite_names;
  std::vector<std::unique_ptr<orbit::Propagator>> orbits;
  std::vector<orbit::SatelliteSlot> slots;
};
absl::StatusOr<ScenarioSatellites> BuildSatellites(
    const proto::Scenario& scenario, absl::Time start);

absl::StatusOr<ContactPlan> BuildContactPlan(const proto::Scenario& scenario,
                                             absl::Time start,
                                             absl::Time stop);

// contacts.csv: kind,a,b,start_utc,end_utc,duration_s,max_elevation_deg,
// rate_bps. For ground windows rate_bps is the downlink rate (satellite to
// ground, the direction updates travel); ISL windows (kind isl) follow the
// ground windows, with an empty max_elevation_deg.
std::string ContactsCsv(const ContactPlan& plan,
                        const proto::LinkConfig& link);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_CONTACT_PLAN_H_
