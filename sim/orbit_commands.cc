#include "sim/orbit_commands.h"

#include <cmath>
#include <algorithm>
#include <memory>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "orbit/frames.h"
#include "orbit/isl.h"
#include "orbit/sgp4.h"
#include "orbit/sgp4_batch.h"
#include "orbit/tle.h"
#include "orbit/visibility.h"
#include "orbit/walker.h"
#include "sim/contact_plan.h"
#include "sim/env.h"
#include "sim/flags.h"
#include "sim/stations.h"
#include "sim/time_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// Catalog numbers of designed satellites start here (5-digit TLE field).
constexpr int kFirstDesignedCatalogNumber = 70000;

struct Span {
  absl::Time start, stop;
};

absl::StatusOr<Span> ReadSpan(const Flags& flags) {
  Span span;
  ORBITFL_ASSIGN_OR_RETURN(std::string start, flags.Required("start"));
  ORBITFL_ASSIGN_OR_RETURN(std::string stop, flags.Required("stop"));
  absl::StatusOr<absl::Time> a = ParseUtc(start), b = ParseUtc(stop);
  if (!a.ok()) return absl::InvalidArgumentError("--start: " + std::string(a.status().message()));
  if (!b.ok()) return absl::InvalidArgumentError("--stop: " + std::string(b.status().message()));
  if (*b < *a) {
    return absl::InvalidArgumentError(
        absl::StrCat("--stop: expected a time after --start (", start,
                     "), got ", stop));
  }
  return Span{*a, *b};
}

}  // namespace

absl::Status PropagateCommand(const std::vector<std::string>& args,
                              std::ostream& out, std::ostream& log) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse("propagate", args,
                                {"tle", "start", "stop", "step", "checksum"}));
  ORBITFL_ASSIGN_OR_RETURN(std::string path, flags.Required("tle"));
  ORBITFL_ASSIGN_OR_RETURN(Span span, ReadSpan(flags));
  ORBITFL_ASSIGN_OR_RETURN(double step_s, flags.GetDouble("step", 60));
  if (!(step_s >= 0.001)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--step: expected seconds >= 0.001, got ", step_s));
  }
  const bool checksum_only = flags.Has("checksum");
  const int64_t steps = static_cast<int64_t>(
      std::floor(absl::ToDoubleSeconds(span.stop - span.start) / step_s + 1e-9));
  if (checksum_only) {
    // The benchmark path: every satellite at once through the batch
    // propagator (structure of arrays, no allocation per state).
    ORBITFL_ASSIGN_OR_RETURN(std::vector<orbit::Tle> tles,
                             orbit::LoadTleFile(path));
    ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<orbit::Sgp4Batch> batch,
                             orbit::Sgp4Batch::Create(tles));
    orbit::StateArrays states_at;
    std::vector<bool> stopped(tles.size(), false);
    int64_t states = 0;
    double checksum = 0;
    Env* env = Env::Default();
    const absl::Time wall0 = env->WallNow();
    for (int64_t k = 0; k <= steps; ++k) {
      batch->Propagate(span.start + absl::Seconds(k * step_s), &states_at);
      for (size_t i = 0; i < tles.size(); ++i) {
        if (stopped[i] || states_at.error_code[i] != 0) {
          stopped[i] = true;  // the reference stops at the first error
          continue;
        }
        ++states;
        checksum += states_at.x_km[i] + states_at.y_km[i] + states_at.z_km[i];
      }
    }
    const double wall_s = absl::ToDoubleSeconds(env->WallNow() - wall0);
    out << absl::StrFormat("states=%d checksum=%.6f\n", states, checksum);
    log << absl::StrFormat(
        "[orbitfl] propagate: %d states in %.4f s (%.2f M states/s)\n", states,
        wall_s, states / wall_s / 1e6);
    return absl::OkStatus();
  }
  ORBITFL_ASSIGN_OR_RETURN(TleSatellites sats, LoadTleSatellites(path));
  out << "satellite,utc,x_km,y_km,z_km,vx_km_s,vy_km_s,vz_km_s\n";
  std::string line;
  for (size_t i = 0; i < sats.owned.size(); ++i) {
    const orbit::Sgp4Propagator& sat = *sats.owned[i];
    const double offset_min =
        absl::ToDoubleMinutes(span.start - sat.tle().epoch);
    for (int64_t k = 0; k <= steps; ++k) {
      const double minutes = offset_min + k * step_s / 60.0;
      absl::StatusOr<orbit::StateVector> s = sat.PropagateMinutes(minutes);
      if (!s.ok()) {
        // The reference stops a satellite at its first error; so do we,
        // and say so.
        log << "[orbitfl] " << sats.names[i] << ": stopped at "
            << FormatUtc(span.start + absl::Seconds(k * step_s)) << ": "
            << s.status().message() << "\n";
        break;
      }
      const orbit::Vec3& r = s->position_km;
      const orbit::Vec3& v = s->velocity_km_s;
      line = absl::StrFormat(
          "%s,%s,%.6f,%.6f,%.6f,%.9f,%.9f,%.9f\n", sats.names[i],
          FormatUtc(span.start + absl::Seconds(k * step_s)), r.x, r.y, r.z,
          v.x, v.y, v.z);
      out << line;
    }
  }
  return absl::OkStatus();
}

absl::Status ContactsCommand(const std::vector<std::string>& args,
                             std::ostream& out, std::ostream& log) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse("contacts", args,
                   {"tle", "stations", "isl-max-range-km", "start", "stop",
                    "downlink-rate-bps", "isl-rate-bps", "threads"}));
  ORBITFL_ASSIGN_OR_RETURN(
      uint64_t threads,
      flags.GetUint64("threads",
                      std::max(1u, std::thread::hardware_concurrency())));
  if (threads < 1 || threads > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads: expected 1 to 256, got ", threads));
  }
  ORBITFL_ASSIGN_OR_RETURN(std::string path, flags.Required("tle"));
  ORBITFL_ASSIGN_OR_RETURN(Span span, ReadSpan(flags));
  ORBITFL_ASSIGN_OR_RETURN(double downlink_bps,
                           flags.GetDouble("downlink-rate-bps", 1e6));
  ORBITFL_ASSIGN_OR_RETURN(double isl_bps, flags.GetDouble("isl-rate-bps", 1e8));
  if (!flags.Has("stations") && !flags.Has("isl-max-range-km")) {
    return absl::InvalidArgumentError(
        "orbitfl contacts: nothing to compute: give --stations=CSV, "
        "--isl-max-range-km=R or both");
  }
  ORBITFL_ASSIGN_OR_RETURN(TleSatellites sats, LoadTleSatellites(path));
  Env* env = Env::Default();
  std::string csv =
      "kind,a,b,start_utc,end_utc,duration_s,max_elevation_deg,rate_bps\n";
  if (flags.Has("stations")) {
    ORBITFL_ASSIGN_OR_RETURN(
        std::vector<proto::GroundStation> rows,
        LoadStationsCsv(flags.Get("stations"), env));
    std::vector<orbit::GroundStation> stations;
    for (const proto::GroundStation& g : rows) {
      stations.push_back(ToOrbitStation(g));
    }
    orbit::WindowSearchOptions search;
    search.start = span.start;
    search.stop = span.stop;
    search.num_threads = static_cast<int>(threads);
    const absl::Time wall0 = env->WallNow();
    ORBITFL_ASSIGN_OR_RETURN(
        std::vector<orbit::ContactWindow> windows,
        orbit::FindGroundWindows(sats.propagators, stations, search));
    const double wall_s = absl::ToDoubleSeconds(env->WallNow() - wall0);
    log << absl::StrFormat(
        "[orbitfl] contacts: %d ground windows of %d satellites x %d "
        "stations over %.2f days on %d thread(s) in %.4f s\n",
        windows.size(), sats.names.size(), stations.size(),
        absl::ToDoubleHours(span.stop - span.start) / 24, threads, wall_s);
    for (const orbit::ContactWindow& w : windows) {
      absl::StrAppendFormat(
          &csv, "ground,%s,%s,%s,%s,%.3f,%.3f,%.0f\n",
          sats.names[w.satellite], stations[w.station].name,
          FormatUtc(w.start), FormatUtc(w.end),
          absl::ToDoubleSeconds(w.end - w.start),
          w.max_elevation_rad * orbit::kRadToDeg, downlink_bps);
    }
  }
  if (flags.Has("isl-max-range-km")) {
    ORBITFL_ASSIGN_OR_RETURN(double range_km,
                             flags.GetDouble("isl-max-range-km", 0));
    orbit::IslOptions isl;
    isl.start = span.start;
    isl.stop = span.stop;
    isl.max_range_km = range_km;
    isl.num_threads = static_cast<int>(threads);
    // TLEs carry no plane structure: any pair in range may link.
    std::vector<orbit::SatelliteSlot> slots(sats.names.size());
    for (size_t i = 0; i < slots.size(); ++i) slots[i].slot = static_cast<int>(i);
    const absl::Time wall0 = env->WallNow();
    ORBITFL_ASSIGN_OR_RETURN(
        std::vector<orbit::IslWindow> windows,
        orbit::FindIslWindows(sats.propagators, slots, isl));
    log << absl::StrFormat("[orbitfl] contacts: %d ISL windows in %.4f s\n",
                           windows.size(),
                           absl::ToDoubleSeconds(env->WallNow() - wall0));
    // Ground and ISL rows each sorted by start; ISL rows follow. The
    // max_elevation_deg column is empty for ISL windows.
    for (const orbit::IslWindow& w : windows) {
      absl::StrAppendFormat(&csv, "isl,%s,%s,%s,%s,%.3f,,%.0f\n",
                            sats.names[w.a], sats.names[w.b],
                            FormatUtc(w.start), FormatUtc(w.end),
                            absl::ToDoubleSeconds(w.end - w.start), isl_bps);
    }
  }
  out << csv;
  return absl::OkStatus();
}

absl::Status ConstellationCommand(const std::vector<std::string>& args,
                                  std::ostream& out, std::ostream& log) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse("constellation", args,
                   {"walker", "pattern", "altitude-km", "inclination-deg",
                    "epoch", "name-prefix"}));
  ORBITFL_ASSIGN_OR_RETURN(std::string walker_text, flags.Required("walker"));
  const std::vector<std::string> tpf = absl::StrSplit(walker_text, '/');
  orbit::WalkerDeltaOptions o;
  if (tpf.size() != 3 || !absl::SimpleAtoi(tpf[0], &o.total) ||
      !absl::SimpleAtoi(tpf[1], &o.planes) ||
      !absl::SimpleAtoi(tpf[2], &o.phasing)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--walker: expected T/P/F (e.g. 24/6/1), got \"", walker_text, "\""));
  }
  ORBITFL_RETURN_IF_ERROR(flags.Required("altitude-km").status());
  ORBITFL_ASSIGN_OR_RETURN(o.altitude_km, flags.GetDouble("altitude-km", 0));
  ORBITFL_ASSIGN_OR_RETURN(std::string inclination,
                           flags.Required("inclination-deg"));
  if (inclination == "sso") {
    ORBITFL_ASSIGN_OR_RETURN(o.inclination_deg,
                             orbit::SunSynchronousInclinationDeg(o.altitude_km));
  } else {
    ORBITFL_ASSIGN_OR_RETURN(o.inclination_deg,
                             flags.GetDouble("inclination-deg", 0));
  }
  ORBITFL_ASSIGN_OR_RETURN(
      o.epoch, ParseUtc(flags.Get("epoch", "2026-03-20T00:00:00Z")));
  o.name_prefix = flags.Get("name-prefix", "sat");
  const std::string pattern = flags.Get("pattern", "delta");
  if (pattern != "delta" && pattern != "star") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--pattern: expected delta or star, got \"", pattern, "\""));
  }
  ORBITFL_ASSIGN_OR_RETURN(
      std::vector<orbit::NamedElements> sats,
      pattern == "star" ? orbit::WalkerStar(o) : orbit::WalkerDelta(o));
  if (static_cast<int>(sats.size()) > 99999 - kFirstDesignedCatalogNumber) {
    return absl::InvalidArgumentError(
        absl::StrCat("--walker: at most ", 99999 - kFirstDesignedCatalogNumber,
                     " satellites fit the TLE catalog-number field"));
  }
  for (size_t i = 0; i < sats.size(); ++i) {
    const orbit::KeplerElements& e = sats[i].elements;
    orbit::Tle tle;
    tle.name = sats[i].name;
    tle.catalog_number = kFirstDesignedCatalogNumber + static_cast<int>(i);
    orbit::SetTleEpoch(o.epoch, &tle);
    tle.inclination_deg = e.inclination_rad * orbit::kRadToDeg;
    tle.raan_deg = std::fmod(e.raan_rad * orbit::kRadToDeg + 360.0, 360.0);
    tle.eccentricity = e.eccentricity;
    tle.arg_perigee_deg =
        std::fmod(e.arg_perigee_rad * orbit::kRadToDeg + 360.0, 360.0);
    tle.mean_anomaly_deg =
        std::fmod(e.mean_anomaly_rad * orbit::kRadToDeg + 360.0, 360.0);
    // Two-body mean motion of the shell's semi-major axis.
    const double a = e.semi_major_axis_km;
    tle.mean_motion_rev_per_day =
        std::sqrt(orbit::kEarthMuKm3S2 / (a * a * a)) * 86400.0 /
        (2 * orbit::kPi);
    ORBITFL_RETURN_IF_ERROR(orbit::ValidateTle(tle));
    out << orbit::FormatTle(tle);
  }
  log << absl::StrFormat("[orbitfl] constellation: %d satellites, Walker %s "
                         "%d/%d/%d, %.1f km, %.4f deg\n",
                         sats.size(), pattern, o.total, o.planes, o.phasing,
                         o.altitude_km, o.inclination_deg);
  return absl::OkStatus();
}

}  // namespace orbitfl::sim
