#include "orbit/contact_graph.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "orbit/frames.h"
#include "orbit/isl.h"
#include "orbit/propagator.h"
#include "orbit/visibility.h"
#include "orbit/walker.h"
#include "tests/status_matchers.h"

namespace orbitfl::orbit {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

absl::Time T0() {
  return absl::FromCivil(absl::CivilSecond(2025, 3, 1, 0, 0, 0),
                         absl::UTCTimeZone());
}
absl::Time At(double seconds) { return T0() + absl::Seconds(seconds); }

ContactWindow Ground(int sat, int station, double start_s, double end_s) {
  return {sat, station, At(start_s), At(end_s), 0};
}
IslWindow Isl(int a, int b, double start_s, double end_s) {
  return {a, b, At(start_s), At(end_s), 1000};
}

constexpr double kRateBps = 1e6;

// Satellites sat-a, sat-b, sat-c (vertices 0-2), stations gs-0, gs-1
// (vertices 3-4).
std::unique_ptr<ContactGraph> Graph3x2() {
  auto g =
      ContactGraph::Create({{"sat-a", "sat-b", "sat-c"}, {"gs-0", "gs-1"}});
  EXPECT_THAT(g, IsOk());
  return std::move(g).value();
}

RouteRequest From(int sat, double start_s, int64_t bytes,
                  double horizon_s = 86400) {
  return {sat, At(start_s), bytes, At(horizon_s)};
}

TEST(ContactGraphTest, VerticesAreSatellitesThenStations) {
  auto g = Graph3x2();
  EXPECT_EQ(g->num_satellites(), 3);
  EXPECT_EQ(g->num_stations(), 2);
  EXPECT_EQ(g->SatelliteVertex(2), 2);
  EXPECT_EQ(g->StationVertex(1), 4);
  EXPECT_EQ(g->VertexName(1), "sat-b");
  EXPECT_EQ(g->VertexName(3), "gs-0");
  EXPECT_EQ(g->VertexName(5), "");
  ASSERT_THAT(g->AddGroundWindow(Ground(0, 1, 10, 20), kRateBps), IsOk());
  ASSERT_THAT(g->AddIslWindow(Isl(0, 2, 10, 20), kRateBps), IsOk());
  EXPECT_EQ(g->num_windows(), 2);
}

TEST(ContactGraphTest, TwoHopsBeatALaterDirectPass) {
  auto g = Graph3x2();
  // sat-a sees gs-0 only at t = 1000 s; it can hand the message to sat-b
  // at 100 s, which passes over gs-1 at 200 s.
  ASSERT_THAT(g->AddGroundWindow(Ground(0, 0, 1000, 1100), kRateBps), IsOk());
  ASSERT_THAT(g->AddIslWindow(Isl(0, 1, 100, 150), kRateBps), IsOk());
  ASSERT_THAT(g->AddGroundWindow(Ground(1, 1, 200, 300), kRateBps), IsOk());
  // 1,000 bytes at 1 Mbit/s: 8 ms a hop.
  auto route = g->EarliestArrival(From(0, 0, 1000));
  ASSERT_THAT(route, IsOk());
  ASSERT_EQ(route->hops.size(), 2u);
  const Hop& isl = route->hops[0];
  EXPECT_EQ(isl.from, 0);
  EXPECT_EQ(isl.to, 1);
  EXPECT_EQ(isl.from_name, "sat-a");
  EXPECT_EQ(isl.to_name, "sat-b");
  EXPECT_EQ(isl.start, At(100));  // waits on board for the window
  EXPECT_EQ(isl.end, At(100.008));
  const Hop& down = route->hops[1];
  EXPECT_EQ(down.from, 1);
  EXPECT_EQ(down.to, 4);
  EXPECT_EQ(down.to_name, "gs-1");
  EXPECT_EQ(down.start, At(200));
  EXPECT_EQ(down.end, At(200.008));
  EXPECT_EQ(route->arrival, At(200.008));

  // Once the ISL window has passed, only the direct pass is left.
  auto late = g->EarliestArrival(From(0, 151, 1000));
  ASSERT_THAT(late, IsOk());
  ASSERT_EQ(late->hops.size(), 1u);
  EXPECT_EQ(late->hops[0].to_name, "gs-0");
  EXPECT_EQ(late->arrival, At(1000.008));
}

TEST(ContactGraphTest, MessageTooLargeForAShortWindowWaitsForTheNext) {
  auto g = Graph3x2();
  ASSERT_THAT(g->AddGroundWindow(Ground(0, 0, 100, 105), kRateBps), IsOk());
  ASSERT_THAT(g->AddGroundWindow(Ground(0, 0, 500, 600), kRateBps), IsOk());
  // 1 MB at 1 Mbit/s takes 8 s: not in the 5 s window.
  auto big = g->EarliestArrival(From(0, 0, 1000000));
  ASSERT_THAT(big, IsOk());
  ASSERT_EQ(big->hops.size(), 1u);
  EXPECT_EQ(big->hops[0].start, At(500));
  EXPECT_EQ(big->arrival, At(508));
  // 625,000 bytes take exactly the 5 s: it fits.
  auto exact = g->EarliestArrival(From(0, 0, 625000));
  ASSERT_THAT(exact, IsOk());
  EXPECT_EQ(exact->arrival, At(105));
  // Arriving mid-window leaves less of it: at 101 s even 5 s do not fit.
  auto mid = g->EarliestArrival(From(0, 101, 625000));
  ASSERT_THAT(mid, IsOk());
  EXPECT_EQ(mid->arrival, At(505));
}

TEST(ContactGraphTest, PropagationDelayIsAddedPerHop) {
  auto g = Graph3x2();
  ASSERT_THAT(
      g->AddIslWindow(Isl(0, 1, 0, 100), kRateBps, absl::Milliseconds(10)),
      IsOk());
  ASSERT_THAT(
      g->AddGroundWindow(Ground(1, 0, 0, 100), kRateBps, LightTime(1000)),
      IsOk());
  auto route = g->EarliestArrival(From(0, 0, 125));  // 1 ms a hop
  ASSERT_THAT(route, IsOk());
  ASSERT_EQ(route->hops.size(), 2u);
  EXPECT_EQ(route->hops[0].end, At(0.011));
  EXPECT_EQ(route->hops[1].start, At(0.011));
  EXPECT_NEAR(absl::ToDoubleSeconds(route->arrival - At(0)),
              0.011 + 0.001 + 1000 / 299792.458, 1e-9);
}

TEST(ContactGraphTest, UnreachableIsNotFound) {
  auto g = Graph3x2();
  ASSERT_THAT(g->AddIslWindow(Isl(0, 1, 0, 100), kRateBps), IsOk());
  ASSERT_THAT(g->AddGroundWindow(Ground(2, 0, 0, 100), kRateBps), IsOk());
  ASSERT_THAT(g->AddGroundWindow(Ground(1, 1, 5000, 5100), kRateBps), IsOk());
  // sat-c's pass is out of reach; sat-b's is after the horizon.
  EXPECT_THAT(g->EarliestArrival(From(0, 0, 1000, 3600)),
              StatusIs(absl::StatusCode::kNotFound,
                       "no ground station reachable from satellite 0 "
                       "(sat-a)"));
  // With a later horizon it is found.
  EXPECT_THAT(g->EarliestArrival(From(0, 0, 1000, 6000)), IsOk());
  // A satellite with no windows at all.
  EXPECT_THAT(g->EarliestArrival(From(2, 200, 1000)),
              StatusIs(absl::StatusCode::kNotFound, "sat-c"));
}

TEST(ContactGraphTest, TiesGoToTheEarlierSettledVertexAndLowerStation) {
  // sat-a can reach gs-0 equally early through sat-b or sat-c; add sat-c's
  // windows first to show that the order of adding does not decide.
  for (bool c_first : {true, false}) {
    auto g = Graph3x2();
    auto add_via = [&](int relay) {
      ASSERT_THAT(g->AddIslWindow(Isl(0, relay, 10, 20), kRateBps), IsOk());
      ASSERT_THAT(g->AddGroundWindow(Ground(relay, 0, 100, 200), kRateBps),
                  IsOk());
    };
    if (c_first) {
      add_via(2);
      add_via(1);
    } else {
      add_via(1);
      add_via(2);
    }
    for (int repeat = 0; repeat < 3; ++repeat) {
      auto route = g->EarliestArrival(From(0, 0, 1000));
      ASSERT_THAT(route, IsOk());
      ASSERT_EQ(route->hops.size(), 2u);
      EXPECT_EQ(route->hops[0].to_name, "sat-b");
    }
  }
  // Two stations reached at the same instant: the lower id.
  auto g = Graph3x2();
  ASSERT_THAT(g->AddGroundWindow(Ground(0, 1, 50, 60), kRateBps), IsOk());
  ASSERT_THAT(g->AddGroundWindow(Ground(0, 0, 50, 60), kRateBps), IsOk());
  auto route = g->EarliestArrival(From(0, 0, 1000));
  ASSERT_THAT(route, IsOk());
  EXPECT_EQ(route->hops.back().to_name, "gs-0");
}

TEST(ContactGraphTest, RejectsBadInputNamingTheField) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ContactGraph::Create({{"a", "a"}, {}}),
              StatusIs(kInvalid, "contact_graph.satellite_names[1]"));
  EXPECT_THAT(ContactGraph::Create({{"a"}, {""}}),
              StatusIs(kInvalid, "contact_graph.station_names[0]"));
  auto g = Graph3x2();
  EXPECT_THAT(
      g->AddGroundWindow(Ground(3, 0, 0, 1), kRateBps),
      StatusIs(kInvalid, "ground_window.satellite: expected in [0, 3)"));
  EXPECT_THAT(g->AddGroundWindow(Ground(0, 2, 0, 1), kRateBps),
              StatusIs(kInvalid, "ground_window.station"));
  EXPECT_THAT(g->AddGroundWindow(Ground(0, 0, 5, 1), kRateBps),
              StatusIs(kInvalid, "ground_window.end"));
  EXPECT_THAT(g->AddGroundWindow(Ground(0, 0, 0, 1), 0),
              StatusIs(kInvalid, "rate_bps"));
  EXPECT_THAT(g->AddIslWindow(Isl(0, 0, 0, 1), kRateBps),
              StatusIs(kInvalid, "isl_window.b"));
  EXPECT_THAT(g->AddIslWindow(Isl(-1, 0, 0, 1), kRateBps),
              StatusIs(kInvalid, "isl_window.a"));
  EXPECT_THAT(g->AddIslWindow(Isl(0, 1, 0, 1), kRateBps, -absl::Seconds(1)),
              StatusIs(kInvalid, "propagation_delay"));
  EXPECT_EQ(g->num_windows(), 0);
  EXPECT_THAT(g->EarliestArrival(From(3, 0, 1)),
              StatusIs(kInvalid, "route.source_satellite"));
  EXPECT_THAT(g->EarliestArrival(From(0, 0, -1)),
              StatusIs(kInvalid, "route.message_bytes"));
  EXPECT_THAT(g->EarliestArrival(From(0, 10, 1, 5)),
              StatusIs(kInvalid, "route.horizon"));
}

// Windows from the real searches: every hop lies within a window of its
// pair and the route runs forward in time.
TEST(ContactGraphTest, RoutesOverComputedWindows) {
  WalkerDeltaOptions w;
  w.total = 24;
  w.planes = 6;
  w.phasing = 1;
  w.altitude_km = 550;
  w.inclination_deg = 53;
  w.epoch = T0();
  auto elements = WalkerDelta(w);
  ASSERT_THAT(elements, IsOk());
  std::vector<std::unique_ptr<J2Propagator>> owned;
  std::vector<const Propagator*> sats;
  ContactGraphOptions names;
  for (const NamedElements& e : *elements) {
    owned.push_back(*J2Propagator::Create(e.elements));
    sats.push_back(owned.back().get());
    names.satellite_names.push_back(e.name);
  }
  const std::vector<GroundStation> stations = {
      {"matera", {40.65 * kDegToRad, 16.70 * kDegToRad, 0.5}, 0.1745}};
  names.station_names = {"matera"};
  WindowSearchOptions ground_search;
  ground_search.start = T0();
  ground_search.stop = T0() + absl::Hours(6);
  auto ground = FindGroundWindows(sats, stations, ground_search);
  ASSERT_THAT(ground, IsOk());
  IslOptions isl_search;
  isl_search.start = T0();
  isl_search.stop = T0() + absl::Hours(6);
  isl_search.max_range_km = 4000;
  auto isl = FindIslWindows(sats, {}, isl_search);
  ASSERT_THAT(isl, IsOk());
  auto g = ContactGraph::Create(names);
  ASSERT_THAT(g, IsOk());
  for (const ContactWindow& c : *ground) {
    ASSERT_THAT((*g)->AddGroundWindow(c, 1e6), IsOk());
  }
  for (const IslWindow& c : *isl) {
    ASSERT_THAT((*g)->AddIslWindow(c, 1e7, LightTime(c.min_range_km)), IsOk());
  }
  int routed = 0;
  for (int sat = 0; sat < 24; ++sat) {
    auto route =
        (*g)->EarliestArrival({sat, T0(), 5000000, T0() + absl::Hours(6)});
    if (!route.ok()) {
      EXPECT_THAT(route, StatusIs(absl::StatusCode::kNotFound, ""));
      continue;
    }
    ++routed;
    absl::Time t = T0();
    int at = sat;
    for (const Hop& hop : route->hops) {
      EXPECT_EQ(hop.from, at);
      EXPECT_GE(hop.start, t);
      EXPECT_GT(hop.end, hop.start);
      t = hop.end;
      at = hop.to;
    }
    EXPECT_EQ(at, (*g)->StationVertex(0));
    EXPECT_EQ(route->arrival, t);
    // No later than the satellite's own first pass that fits the message.
    for (const ContactWindow& c : *ground) {
      if (c.satellite == sat && c.end - c.start >= absl::Seconds(40)) {
        EXPECT_LE(route->arrival, c.start + absl::Seconds(40));
        break;
      }
    }
  }
  EXPECT_GT(routed, 12);
}

}  // namespace
}  // namespace orbitfl::orbit
