#include "orbit/contact_graph.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/graph/adjacency_list.hpp"

namespace orbitfl::orbit {
namespace {

// Speed of light in vacuum (SI definition), km/s.
constexpr double kSpeedOfLightKmS = 299792.458;

struct VertexProps {
  std::string name;
};

// One contact window. Ground windows join a satellite and a station and
// only carry data towards the station.
struct WindowProps {
  absl::Time start;
  absl::Time end;
  double rate_bps = 0;
  absl::Duration propagation_delay;
};

// Undirected: one edge per window, walked from either end; vecS edge lists
// keep each vertex's windows in the order they were added.
using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                          VertexProps, WindowProps>;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

absl::Status Invalid(const std::string& field, const std::string& expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": expected ", expected));
}

absl::Status CheckNames(const std::vector<std::string>& names,
                        const char* field) {
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) {
      return Invalid(absl::StrCat(field, "[", i, "]"), "a name, got \"\"");
    }
    if (!seen.insert(names[i]).second) {
      return Invalid(
          absl::StrCat(field, "[", i, "]"),
          absl::StrCat("a unique name, got \"", names[i], "\" again"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckWindow(const char* kind, absl::Time start, absl::Time end,
                         double rate_bps, absl::Duration delay) {
  if (start == absl::InfinitePast() || end == absl::InfiniteFuture() ||
      end < start) {
    return Invalid(
        absl::StrCat(kind, ".end"),
        absl::StrCat("finite, and >= start (", absl::FormatTime(start),
                     "), got ", absl::FormatTime(end)));
  }
  if (!(rate_bps > 0) || !std::isfinite(rate_bps)) {
    return Invalid("rate_bps",
                   absl::StrCat("a finite rate > 0, got ", rate_bps));
  }
  if (delay < absl::ZeroDuration() || delay == absl::InfiniteDuration()) {
    return Invalid(
        "propagation_delay",
        absl::StrCat("finite and >= 0, got ", absl::FormatDuration(delay)));
  }
  return absl::OkStatus();
}

}  // namespace

struct ContactGraph::Impl {
  int num_satellites = 0;
  int num_stations = 0;
  Graph graph;
};

absl::Duration LightTime(double range_km) {
  return absl::Seconds(range_km / kSpeedOfLightKmS);
}

absl::StatusOr<std::unique_ptr<ContactGraph>> ContactGraph::Create(
    const ContactGraphOptions& options) {
  if (absl::Status s =
          CheckNames(options.satellite_names, "contact_graph.satellite_names");
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckNames(options.station_names, "contact_graph.station_names");
      !s.ok()) {
    return s;
  }
  auto impl = std::make_unique<Impl>();
  impl->num_satellites = options.satellite_names.size();
  impl->num_stations = options.station_names.size();
  impl->graph = Graph(impl->num_satellites + impl->num_stations);
  for (int i = 0; i < impl->num_satellites; ++i) {
    impl->graph[i].name = options.satellite_names[i];
  }
  for (int j = 0; j < impl->num_stations; ++j) {
    impl->graph[impl->num_satellites + j].name = options.station_names[j];
  }
  return std::unique_ptr<ContactGraph>(new ContactGraph(std::move(impl)));
}

ContactGraph::ContactGraph(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
ContactGraph::~ContactGraph() = default;

int ContactGraph::num_satellites() const { return impl_->num_satellites; }
int ContactGraph::num_stations() const { return impl_->num_stations; }
int64_t ContactGraph::num_windows() const {
  return boost::num_edges(impl_->graph);
}

const std::string& ContactGraph::VertexName(int vertex) const {
  static const std::string* const kNone = new std::string();
  if (vertex < 0 || vertex >= impl_->num_satellites + impl_->num_stations) {
    return *kNone;
  }
  return impl_->graph[vertex].name;
}

absl::Status ContactGraph::AddGroundWindow(const ContactWindow& window,
                                           double rate_bps,
                                           absl::Duration propagation_delay) {
  if (window.satellite < 0 || window.satellite >= impl_->num_satellites) {
    return Invalid("ground_window.satellite",
                   absl::StrCat("in [0, ", impl_->num_satellites, "), got ",
                                window.satellite));
  }
  if (window.station < 0 || window.station >= impl_->num_stations) {
    return Invalid("ground_window.station",
                   absl::StrCat("in [0, ", impl_->num_stations, "), got ",
                                window.station));
  }
  if (absl::Status s = CheckWindow("ground_window", window.start, window.end,
                                   rate_bps, propagation_delay);
      !s.ok()) {
    return s;
  }
  boost::add_edge(
      SatelliteVertex(window.satellite), StationVertex(window.station),
      WindowProps{window.start, window.end, rate_bps, propagation_delay},
      impl_->graph);
  return absl::OkStatus();
}

absl::Status ContactGraph::AddIslWindow(const IslWindow& window,
                                        double rate_bps,
                                        absl::Duration propagation_delay) {
  for (const auto& [field, index] : {std::pair{"isl_window.a", window.a},
                                     std::pair{"isl_window.b", window.b}}) {
    if (index < 0 || index >= impl_->num_satellites) {
      return Invalid(field, absl::StrCat("in [0, ", impl_->num_satellites,
                                         "), got ", index));
    }
  }
  if (window.a == window.b) {
    return Invalid("isl_window.b",
                   absl::StrCat("a satellite other than a (", window.a, ")"));
  }
  if (absl::Status s = CheckWindow("isl_window", window.start, window.end,
                                   rate_bps, propagation_delay);
      !s.ok()) {
    return s;
  }
  boost::add_edge(
      window.a, window.b,
      WindowProps{window.start, window.end, rate_bps, propagation_delay},
      impl_->graph);
  return absl::OkStatus();
}

absl::StatusOr<Route> ContactGraph::EarliestArrival(
    const RouteRequest& request) const {
  const int num_sats = impl_->num_satellites;
  const int source = request.source_satellite;
  if (source < 0 || source >= num_sats) {
    return Invalid("route.source_satellite",
                   absl::StrCat("in [0, ", num_sats, "), got ", source));
  }
  if (request.message_bytes < 0) {
    return Invalid("route.message_bytes",
                   absl::StrCat(">= 0, got ", request.message_bytes));
  }
  if (request.start == absl::InfinitePast() ||
      request.start == absl::InfiniteFuture()) {
    return Invalid("route.start", "a finite time");
  }
  if (request.horizon < request.start) {
    return Invalid("route.horizon",
                   absl::StrCat(">= start (", absl::FormatTime(request.start),
                                "), got ", absl::FormatTime(request.horizon)));
  }
  const Graph& g = impl_->graph;
  const int num_vertices = boost::num_vertices(g);
  const double bits = 8.0 * static_cast<double>(request.message_bytes);

  // Earliest known arrival per vertex and the hop that achieves it.
  struct Label {
    absl::Time arrival = absl::InfiniteFuture();
    int from = -1;
    absl::Time hop_start;
  };
  std::vector<Label> labels(num_vertices);
  std::vector<bool> settled(num_vertices, false);
  using Entry = std::pair<absl::Time, int>;  // (arrival, vertex)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  labels[source].arrival = request.start;
  queue.push({request.start, source});
  int reached = -1;
  while (!queue.empty()) {
    const auto [arrival, u] = queue.top();
    queue.pop();
    if (settled[u] || arrival != labels[u].arrival) continue;
    settled[u] = true;
    if (u >= num_sats) {  // a station: the first one settled is earliest
      reached = u;
      break;
    }
    for (const Edge& e : boost::make_iterator_range(boost::out_edges(u, g))) {
      const int v = boost::target(e, g);
      if (settled[v]) continue;
      const WindowProps& w = g[e];
      if (w.end < arrival || w.start > request.horizon) continue;
      const absl::Time hop_start = std::max(arrival, w.start);
      const absl::Time sent = hop_start + absl::Seconds(bits / w.rate_bps);
      if (sent > w.end) continue;  // no splitting across windows
      const absl::Time hop_end = sent + w.propagation_delay;
      if (hop_end > request.horizon || hop_end >= labels[v].arrival) continue;
      labels[v] = {hop_end, u, hop_start};
      queue.push({hop_end, v});
    }
  }
  if (reached < 0) {
    return absl::NotFoundError(
        absl::StrCat("no ground station reachable from satellite ", source,
                     " (", g[source].name, ") with ", request.message_bytes,
                     " bytes between ", absl::FormatTime(request.start),
                     " and ", absl::FormatTime(request.horizon)));
  }
  Route route;
  route.arrival = labels[reached].arrival;
  for (int v = reached; v != source; v = labels[v].from) {
    const int u = labels[v].from;
    route.hops.push_back(
        {u, v, g[u].name, g[v].name, labels[v].hop_start, labels[v].arrival});
  }
  std::reverse(route.hops.begin(), route.hops.end());
  return route;
}

}  // namespace orbitfl::orbit
