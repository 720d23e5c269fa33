#ifndef ORBITFL_ORBIT_CONTACT_GRAPH_H_
#define ORBITFL_ORBIT_CONTACT_GRAPH_H_

// The contact plan as a time-varying graph, and store-and-forward routing
// over it. Vertices are the satellites (ids 0..S-1) and then the ground
// stations (ids S..S+G-1); every contact window is one edge carrying its
// start, end and data rate. The graph lives in a Boost.Graph adjacency_list
// behind a pointer, so this header stays free of Boost.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orbit/isl.h"
#include "orbit/visibility.h"

namespace orbitfl::orbit {

struct ContactGraphOptions {
  std::vector<std::string> satellite_names;  // vertex i
  std::vector<std::string> station_names;    // vertex S + j
};

struct Hop {
  int from = 0;  // vertex ids
  int to = 0;
  std::string from_name;
  std::string to_name;
  absl::Time start;  // the first bit leaves `from`
  absl::Time end;    // the last bit has reached `to`
};

struct Route {
  std::vector<Hop> hops;  // from the source satellite to a station
  absl::Time arrival;     // hops.back().end
};

struct RouteRequest {
  int source_satellite = 0;  // satellite index (equal to its vertex id)
  absl::Time start;          // the message is ready on board
  int64_t message_bytes = 0;
  absl::Time horizon;  // the message must reach a station by then
};

// Light time over a distance: range / c (c = 299,792.458 km/s), e.g. for
// the propagation delay of an ISL window from its min_range_km (a lower
// bound; the range changes over the window).
absl::Duration LightTime(double range_km);

class ContactGraph {
 public:
  // InvalidArgument when a name list has an empty or repeated name.
  static absl::StatusOr<std::unique_ptr<ContactGraph>> Create(
      const ContactGraphOptions& options);
  ~ContactGraph();
  ContactGraph(const ContactGraph&) = delete;
  ContactGraph& operator=(const ContactGraph&) = delete;

  int num_satellites() const;
  int num_stations() const;
  int64_t num_windows() const;
  int SatelliteVertex(int satellite) const { return satellite; }
  int StationVertex(int station) const { return num_satellites() + station; }
  // Empty for an id that is not a vertex.
  const std::string& VertexName(int vertex) const;

  // A ground window carries data from the satellite down to the station at
  // rate_bps. The propagation delay is added to each hop's arrival after
  // its last bit is sent; the graph computes none itself (zero by default).
  // InvalidArgument naming the field for indices outside the graph, end
  // before start, a rate that is not positive and finite, or a negative
  // delay.
  absl::Status AddGroundWindow(
      const ContactWindow& window, double rate_bps,
      absl::Duration propagation_delay = absl::ZeroDuration());
  // An ISL window carries data either way between its satellites.
  absl::Status AddIslWindow(
      const IslWindow& window, double rate_bps,
      absl::Duration propagation_delay = absl::ZeroDuration());

  // Earliest arrival of the whole message at any station, store and
  // forward: a hop over a window starts at max(arrival at its tail, window
  // start), takes message_bytes * 8 / rate_bps, and must end by the
  // window's end. A message is never split across windows (one that does
  // not fit waits for a window long enough). Stations only receive.
  //
  // Label setting (Dijkstra on arrival time): exact because waiting is
  // allowed, so leaving later never arrives earlier (FIFO). Ties are broken
  // deterministically: vertices settle in (arrival, vertex id) order, a
  // label changes only for a strictly earlier arrival, and each vertex's
  // windows are tried in the order they were added; so among equally early
  // routes the one through the earlier settled (then lower-id) vertex and
  // the earlier added window wins, and the station with the lowest id.
  //
  // NotFound when no station can be reached by the horizon;
  // InvalidArgument for a bad source, a negative size or a horizon before
  // the start.
  absl::StatusOr<Route> EarliestArrival(const RouteRequest& request) const;

 private:
  struct Impl;
  explicit ContactGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_CONTACT_GRAPH_H_
