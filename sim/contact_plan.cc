#include "sim/contact_plan.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "orbit/sgp4.h"
#include "orbit/tle.h"
#include "orbit/walker.h"
#include "sim/time_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {

absl::StatusOr<TleSatellites> LoadTleSatellites(const std::string& path) {
  ORBITFL_ASSIGN_OR_RETURN(std::vector<orbit::Tle> tles,
                           orbit::LoadTleFile(path));
  TleSatellites sats;
  for (const orbit::Tle& tle : tles) {
    ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<orbit::Sgp4Propagator> p,
                             orbit::Sgp4Propagator::Create(tle));
    sats.names.push_back(tle.name.empty() ? absl::StrCat(tle.catalog_number)
                                          : tle.name);
    sats.propagators.push_back(p.get());
    sats.owned.push_back(std::move(p));
  }
  return sats;
}

orbit::GroundStation ToOrbitStation(const proto::GroundStation& g) {
  return {g.name(),
          {g.lat_deg() * orbit::kDegToRad, g.lon_deg() * orbit::kDegToRad,
           g.alt_m() / 1000.0},
          g.min_elevation_deg() * orbit::kDegToRad};
}

absl::StatusOr<ScenarioSatellites> BuildSatellites(
    const proto::Scenario& scenario, absl::Time start) {
  ScenarioSatellites plan;
  const proto::Constellation& con = scenario.constellation();
  if (con.has_tle_file()) {
    ORBITFL_ASSIGN_OR_RETURN(TleSatellites sats,
                             LoadTleSatellites(con.tle_file()));
    plan.satellite_names = std::move(sats.names);
    for (auto& p : sats.owned) plan.orbits.push_back(std::move(p));
    for (size_t i = 0; i < plan.orbits.size(); ++i) {
      plan.slots.push_back({0, static_cast<int>(i)});
    }
  } else {
    const bool star = con.has_walker_star();
    const proto::Walker& w = star ? con.walker_star() : con.walker_delta();
    orbit::WalkerDeltaOptions walker;
    walker.total = w.total();
    walker.planes = w.planes();
    walker.phasing = w.phasing();
    walker.altitude_km = w.altitude_km();
    walker.inclination_deg = w.inclination_deg();
    walker.epoch = start;
    walker.name_prefix = w.name_prefix();
    ORBITFL_ASSIGN_OR_RETURN(
        std::vector<orbit::NamedElements> sats,
        star ? orbit::WalkerStar(walker) : orbit::WalkerDelta(walker));
    for (const orbit::NamedElements& sat : sats) {
      ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<orbit::J2Propagator> p,
                               orbit::J2Propagator::Create(sat.elements));
      plan.satellite_names.push_back(sat.name);
      plan.orbits.push_back(std::move(p));
      plan.slots.push_back({sat.plane, sat.slot});
    }
  }
  if (plan.orbits.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("constellation: no satellites in ", con.tle_file()));
  }
  return plan;
}

absl::StatusOr<ContactPlan> BuildContactPlan(const proto::Scenario& scenario,
                                             absl::Time start,
                                             absl::Time stop) {
  ContactPlan plan;
  ORBITFL_ASSIGN_OR_RETURN(ScenarioSatellites sats,
                           BuildSatellites(scenario, start));
  plan.satellite_names = std::move(sats.satellite_names);
  plan.orbits = std::move(sats.orbits);
  plan.slots = std::move(sats.slots);
  for (const proto::GroundStation& g : scenario.stations()) {
    plan.stations.push_back(ToOrbitStation(g));
  }
  std::vector<const orbit::Propagator*> orbits;
  for (const auto& p : plan.orbits) orbits.push_back(p.get());
  orbit::WindowSearchOptions search;
  search.start = start;
  search.stop = stop;
  ORBITFL_ASSIGN_OR_RETURN(
      std::vector<orbit::ContactWindow> windows,
      orbit::FindGroundWindows(orbits, plan.stations, search));
  for (orbit::ContactWindow& window : windows) {
    window.start = CeilToMillis(window.start);
    window.end = FloorToMillis(window.end);
    if (window.end > window.start) plan.windows.push_back(window);
  }
  const proto::IslConfig& isl = scenario.link().isl();
  if (isl.topology() != "none" && orbits.size() > 1) {
    orbit::IslOptions o;
    o.start = start;
    o.stop = stop;
    o.max_range_km = isl.max_range_km();
    o.policy = isl.topology() == "same_plane"  ? orbit::IslPolicy::kSamePlaneNeighbours
               : isl.topology() == "plus_grid" ? orbit::IslPolicy::kPlusGrid
                                               : orbit::IslPolicy::kAnyInRange;
    ORBITFL_ASSIGN_OR_RETURN(std::vector<orbit::IslWindow> isl_windows,
                             orbit::FindIslWindows(orbits, plan.slots, o));
    for (orbit::IslWindow& window : isl_windows) {
      window.start = CeilToMillis(window.start);
      window.end = FloorToMillis(window.end);
      if (window.end > window.start) plan.isl_windows.push_back(window);
    }
  }
  return plan;
}

std::string ContactsCsv(const ContactPlan& plan,
                        const proto::LinkConfig& link) {
  std::string csv =
      "kind,a,b,start_utc,end_utc,duration_s,max_elevation_deg,rate_bps\n";
  for (const orbit::ContactWindow& w : plan.windows) {
    absl::StrAppendFormat(
        &csv, "ground,%s,%s,%s,%s,%.3f,%.3f,%.0f\n",
        plan.satellite_names[w.satellite], plan.stations[w.station].name,
        FormatUtc(w.start), FormatUtc(w.end),
        absl::ToDoubleSeconds(w.end - w.start),
        w.max_elevation_rad * orbit::kRadToDeg, link.downlink_rate_bps());
  }
  for (const orbit::IslWindow& w : plan.isl_windows) {
    absl::StrAppendFormat(&csv, "isl,%s,%s,%s,%s,%.3f,,%.0f\n",
                          plan.satellite_names[w.a], plan.satellite_names[w.b],
                          FormatUtc(w.start), FormatUtc(w.end),
                          absl::ToDoubleSeconds(w.end - w.start),
                          link.isl().rate_bps());
  }
  return csv;
}

}  // namespace orbitfl::sim
