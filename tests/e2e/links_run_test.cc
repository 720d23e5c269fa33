// End to end: the link model. Station antennas, pass outages, light time
// and backhaul delay, and runs on satellites and stations given on the
// command line (--tle, --stations), each checked against the run's own
// contact plan.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orbit/contact_graph.h"
#include "sim/contact_plan.h"
#include "sim/embedded_run.h"
#include "sim/env.h"
#include "sim/flags.h"
#include "sim/orbit_commands.h"
#include "sim/scenario.h"
#include "sim/scenario_commands.h"
#include "sim/time_format.h"
#include "tests/e2e/run_files.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::sim::testing::Field;
using ::orbitfl::sim::testing::Lines;
using ::orbitfl::sim::testing::ReadRunFile;
using ::orbitfl::sim::testing::Tmp;
using ::orbitfl::sim::testing::Utc;
using ::orbitfl::testing::IsOk;

constexpr char kScenario[] = "experiments/scenarios/tiny.textproto";

proto::Scenario Tiny() {
  auto scenario = LoadScenario(kScenario, Env::Default());
  EXPECT_THAT(scenario, IsOk());
  return scenario.ok() ? *scenario : proto::Scenario();
}

struct Transfer {
  std::string satellite, station, payload;
  absl::Time start, end;
  int64_t bytes = 0;
};

std::vector<Transfer> Transfers(const std::string& dir) {
  std::vector<Transfer> out;
  for (const std::string& line : Lines(ReadRunFile(dir + "/events.jsonl"))) {
    if (Field(line, "event") != "transfer") continue;
    Transfer t{Field(line, "a"), Field(line, "b"), Field(line, "payload"),
               Utc(Field(line, "start_utc")), Utc(Field(line, "end_utc"))};
    EXPECT_TRUE(absl::SimpleAtoi(Field(line, "bytes"), &t.bytes)) << line;
    out.push_back(t);
  }
  return out;
}

// Every transfer lies inside a ground window of its satellite and station
// in the run's contacts.csv.
void ExpectTransfersInsideWindows(const std::string& dir) {
  std::multimap<std::pair<std::string, std::string>,
                std::pair<absl::Time, absl::Time>>
      windows;
  const std::vector<std::string> contacts =
      Lines(ReadRunFile(dir + "/contacts.csv"));
  for (size_t i = 1; i < contacts.size(); ++i) {
    std::vector<std::string> f = absl::StrSplit(contacts[i], ',');
    ASSERT_EQ(f.size(), 8u) << contacts[i];
    if (f[0] != "ground") continue;
    windows.emplace(std::make_pair(f[1], f[2]),
                    std::make_pair(Utc(f[3]), Utc(f[4])));
  }
  const std::vector<Transfer> transfers = Transfers(dir);
  EXPECT_GT(transfers.size(), 5u) << dir;
  for (const Transfer& t : transfers) {
    bool inside = false;
    auto range = windows.equal_range({t.satellite, t.station});
    for (auto it = range.first; it != range.second; ++it) {
      inside |= it->second.first <= t.start && t.end <= it->second.second;
    }
    EXPECT_TRUE(inside) << dir << ": " << t.satellite << " -> " << t.station
                        << " " << FormatUtc(t.start) << " .. "
                        << FormatUtc(t.end) << " is outside every window";
  }
}

// The most transfers any station carried at one instant.
std::map<std::string, int> PeakConcurrency(const std::vector<Transfer>& ts) {
  std::map<std::string, std::map<absl::Time, int>> deltas;
  for (const Transfer& t : ts) {
    deltas[t.station][t.start] += 1;
    deltas[t.station][t.end] -= 1;  // ends before starts at the same instant
  }
  std::map<std::string, int> peak;
  for (const auto& [station, d] : deltas) {
    int now = 0;
    for (const auto& [at, change] : d) {
      now += change;
      peak[station] = std::max(peak[station], now);
    }
  }
  return peak;
}

// A shell whose 4 planes bring every satellite over the pole at once, so
// that the Svalbard station is contended.
proto::Scenario Bunched() {
  proto::Scenario s = Tiny();
  proto::Walker& w = *s.mutable_constellation()->mutable_walker_delta();
  w.set_total(4);
  w.set_planes(4);
  w.set_phasing(0);
  s.set_duration_hours(6);
  return s;
}

TEST(LinksRunTest, AStationServesNoMoreSatellitesThanItHasAntennas) {
  proto::Scenario one = Bunched();
  RunOptions options;
  options.out_dir = Tmp("antennas1");
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary s1, RunEmbedded(one, options));
  const std::vector<Transfer> t1 = Transfers(options.out_dir);
  for (const auto& [station, peak] : PeakConcurrency(t1)) {
    EXPECT_EQ(peak, 1) << station;
  }
  ExpectTransfersInsideWindows(options.out_dir);

  proto::Scenario four = Bunched();
  for (proto::GroundStation& g : *four.mutable_stations()) g.set_antennas(4);
  options.out_dir = Tmp("antennas4");
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary s4, RunEmbedded(four, options));
  const std::map<std::string, int> peak4 =
      PeakConcurrency(Transfers(options.out_dir));
  ASSERT_TRUE(peak4.count("Svalbard"));
  // Over the pole together, the satellites now share Svalbard.
  EXPECT_GT(peak4.at("Svalbard"), 1);
  EXPECT_LE(peak4.at("Svalbard"), 4);
  // More antennas never move fewer bytes over the same passes.
  EXPECT_GE(s4.bytes_up + s4.bytes_down, s1.bytes_up + s1.bytes_down);
}

TEST(LinksRunTest, LostPassesCarryNothing) {
  proto::Scenario s = Tiny();
  s.set_duration_hours(4);
  s.mutable_link()->set_pass_outage_probability(1);
  RunOptions options;
  options.out_dir = Tmp("outage1");
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary all_lost, RunEmbedded(s, options));
  EXPECT_EQ(all_lost.transfers, 0);
  EXPECT_EQ(all_lost.model_version, 0);
  EXPECT_EQ(
      Field(ReadRunFile(options.out_dir + "/summary.json"), "passes_lost"),
      std::to_string(all_lost.contacts));

  s.mutable_link()->set_pass_outage_probability(0.5);
  options.out_dir = Tmp("outage_half");
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary half, RunEmbedded(s, options));
  int64_t lost = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      Field(ReadRunFile(options.out_dir + "/summary.json"), "passes_lost"),
      &lost));
  EXPECT_GT(lost, 0);
  EXPECT_LT(lost, half.contacts);
  // The lost passes are the seed's: a second run loses the same ones.
  options.out_dir = Tmp("outage_half_again");
  ASSERT_THAT(RunEmbedded(s, options), IsOk());
  EXPECT_EQ(ReadRunFile(Tmp("outage_half") + "/events.jsonl"),
            ReadRunFile(options.out_dir + "/events.jsonl"));
}

TEST(LinksRunTest, DeliveriesPayLightTimeAndBackhaul) {
  proto::Scenario s = Tiny();
  s.set_duration_hours(6);
  s.mutable_link()->set_backhaul_delay_s(0.25);
  RunOptions options;
  options.out_dir = Tmp("delay");
  ASSERT_THAT(RunEmbedded(s, options), IsOk());
  // An update is received when its last byte has crossed the slant range
  // (600 km to about 2,900 km at a 5 deg mask: 2 to 10 ms) and the
  // backhaul, in whole milliseconds.
  std::map<std::string, absl::Time> last_update_end;
  int received = 0;
  for (const std::string& line :
       Lines(ReadRunFile(options.out_dir + "/events.jsonl"))) {
    const std::string event = Field(line, "event");
    if (event == "transfer" && Field(line, "payload") == "update") {
      last_update_end[Field(line, "a")] = Utc(Field(line, "end_utc"));
    } else if (event == "update_received") {
      const absl::Duration delay =
          Utc(Field(line, "utc")) - last_update_end[Field(line, "satellite")];
      EXPECT_GE(delay, absl::Milliseconds(250 + 2)) << line;
      EXPECT_LE(delay, absl::Milliseconds(250 + 11)) << line;
      ++received;
    }
  }
  EXPECT_GT(received, 0);
  ExpectTransfersInsideWindows(options.out_dir);
}

TEST(LinksRunTest, TleAndStationsFromTheCommandLineReplaceTheScenarios) {
  // Eight satellites of a designed shell as TLEs, and a station list.
  std::ostringstream tle, err;
  ASSERT_THAT(ConstellationCommand({"--walker=8/2/1", "--altitude-km=550",
                                    "--inclination-deg=sso",
                                    "--epoch=2026-06-01T00:00:00Z",
                                    "--name-prefix=cli"},
                                   tle, err),
              IsOk());
  const std::string tle_path = Tmp("cli.tle");
  ASSERT_THAT(Env::Default()->WriteFile(tle_path, tle.str()), IsOk());
  const std::string stations_path = Tmp("cli_stations.csv");
  ASSERT_THAT(
      Env::Default()->WriteFile(
          stations_path,
          "name,lat_deg,lon_deg,alt_m,min_elevation_deg\n"
          "Kiruna,67.86,20.96,400,5\nPunta Arenas,-52.94,-70.85,20,5\n"
          "Hawaii,19.82,-155.47,3000,10\n"),
      IsOk());
  ORBITFL_ASSERT_OK_AND_ASSIGN(
      Flags flags,
      Flags::Parse("run",
                   {std::string("--scenario=") + kScenario,
                    "--tle=" + tle_path, "--stations=" + stations_path,
                    "--hours=6"},
                   {"scenario", "tle", "stations", "hours"}));
  ORBITFL_ASSERT_OK_AND_ASSIGN(proto::Scenario s, LoadWithOverrides(flags));
  ASSERT_EQ(s.stations_size(), 3);
  EXPECT_EQ(s.stations(1).name(), "Punta Arenas");
  RunOptions options;
  options.out_dir = Tmp("cli");
  ASSERT_THAT(RunEmbedded(s, options), IsOk());
  EXPECT_EQ(Field(ReadRunFile(options.out_dir + "/summary.json"), "satellites"),
            "8");
  const std::string contacts = ReadRunFile(options.out_dir + "/contacts.csv");
  EXPECT_NE(contacts.find(",cli-00-00,Kiruna,"), std::string::npos);
  EXPECT_EQ(contacts.find("Svalbard"), std::string::npos);
  ExpectTransfersInsideWindows(options.out_dir);

  // A bad station file is an error naming the file and line.
  ASSERT_THAT(Env::Default()->WriteFile(
                  stations_path,
                  "name,lat_deg,lon_deg,alt_m,min_elevation_deg\nX,95,0,0,5\n"),
              IsOk());
  auto bad = LoadWithOverrides(flags);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::HasSubstr("cli_stations.csv:2: lat_deg"));
}

TEST(LinksRunTest, RunFilesReportStalenessParticipationAndLinkUse) {
  proto::Scenario s = Tiny();
  s.set_duration_hours(8);
  s.mutable_federation()->set_strategy("fedasync");
  s.mutable_training()->set_min_retrain_interval_s(1800);
  std::vector<std::string> dirs;
  for (const char* name : {"tables_a", "tables_b"}) {
    RunOptions options;
    options.out_dir = Tmp(name);
    ASSERT_THAT(RunEmbedded(s, options), IsOk());
    dirs.push_back(options.out_dir);
  }
  for (const char* file : {"metrics.csv", "updates.csv", "links.csv",
                           "participation.csv", "events.jsonl"}) {
    EXPECT_EQ(ReadRunFile(dirs[0] + "/" + file),
              ReadRunFile(dirs[1] + "/" + file))
        << file;
  }
  const std::vector<std::string> updates =
      Lines(ReadRunFile(dirs[0] + "/updates.csv"));
  ASSERT_GT(updates.size(), 2u);
  EXPECT_EQ(updates[0],
            "utc,satellite,base_version,model_version,staleness,weight,hops");
  int64_t applied = 0;
  for (size_t i = 1; i < updates.size(); ++i) {
    std::vector<std::string> f = absl::StrSplit(updates[i], ',');
    ASSERT_EQ(f.size(), 7u);
    int64_t base = 0, version = 0, staleness = 0;
    ASSERT_TRUE(absl::SimpleAtoi(f[2], &base));
    ASSERT_TRUE(absl::SimpleAtoi(f[3], &version));
    ASSERT_TRUE(absl::SimpleAtoi(f[4], &staleness));
    EXPECT_EQ(staleness, version - 1 - base) << updates[i];
    EXPECT_EQ(version, static_cast<int64_t>(i)) << "FedAsync: one per update";
    ++applied;
  }
  const std::vector<std::string> participation =
      Lines(ReadRunFile(dirs[0] + "/participation.csv"));
  ASSERT_EQ(participation.size(), 5u);  // header + 4 satellites
  int64_t applied_sum = 0;
  for (size_t i = 1; i < participation.size(); ++i) {
    std::vector<std::string> f = absl::StrSplit(participation[i], ',');
    int64_t n = 0;
    ASSERT_TRUE(absl::SimpleAtoi(f[3], &n));
    applied_sum += n;
  }
  EXPECT_EQ(applied_sum, applied);
  const std::vector<std::string> links =
      Lines(ReadRunFile(dirs[0] + "/links.csv"));
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[0], "kind,windows,open_s,busy_s,bytes,utilisation");
  for (size_t i = 1; i <= 2; ++i) {  // downlink, uplink
    std::vector<std::string> f = absl::StrSplit(links[i], ',');
    double open = 0, busy = 0, use = 0;
    ASSERT_TRUE(absl::SimpleAtod(f[2], &open));
    ASSERT_TRUE(absl::SimpleAtod(f[3], &busy));
    ASSERT_TRUE(absl::SimpleAtod(f[5], &use));
    EXPECT_GT(busy, 0) << links[i];
    EXPECT_LE(busy, open) << links[i];
    EXPECT_NEAR(use, busy / open, 1e-6);
  }
  const std::string summary = ReadRunFile(dirs[0] + "/summary.json");
  for (const char* key : {"strategy", "mean_staleness", "idle_fraction",
                          "target_accuracy", "passes_lost"}) {
    EXPECT_FALSE(Field(summary, key).empty()) << key;
  }
  EXPECT_EQ(Field(summary, "strategy"), "fedasync");
}

// One plane of ten satellites linked to their neighbours, one station:
// most satellites finish training out of its sight and hand their update
// along the plane to one that will see it first.
proto::Scenario OnePlane() {
  proto::Scenario s = Tiny();
  s.set_duration_hours(6);
  proto::Walker& w = *s.mutable_constellation()->mutable_walker_delta();
  w.set_total(10);
  w.set_planes(1);
  w.set_phasing(0);
  s.mutable_stations()->DeleteSubrange(1, 1);
  proto::IslConfig& isl = *s.mutable_link()->mutable_isl();
  isl.set_topology("same_plane");
  isl.set_rate_bps(20000);
  isl.set_relay(true);
  isl.set_share_models(true);
  return s;
}

TEST(LinksRunTest, RelayedUpdatesFollowTheEarliestArrivalRoute) {
  proto::Scenario s = OnePlane();
  const proto::IslConfig& isl = s.link().isl();
  ASSERT_THAT(FinalizeScenario(s, "relay"), IsOk());
  RunOptions options;
  options.out_dir = Tmp("relay");
  ASSERT_THAT(RunEmbedded(s, options), IsOk());

  // The same contact graph, built here from the plan.
  const absl::Time start = *ParseUtc(s.epoch_utc());
  const absl::Time stop = start + absl::Hours(6);
  ORBITFL_ASSERT_OK_AND_ASSIGN(ContactPlan plan,
                               BuildContactPlan(s, start, stop));
  ASSERT_FALSE(plan.isl_windows.empty());
  orbit::ContactGraphOptions names;
  names.satellite_names = plan.satellite_names;
  names.station_names = {"Svalbard"};
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<orbit::ContactGraph> graph,
                               orbit::ContactGraph::Create(names));
  for (const orbit::ContactWindow& win : plan.windows) {
    ASSERT_THAT(graph->AddGroundWindow(win, s.link().downlink_rate_bps()),
                IsOk());
  }
  for (const orbit::IslWindow& win : plan.isl_windows) {
    ASSERT_THAT(graph->AddIslWindow(win, isl.rate_bps(),
                                    orbit::LightTime(win.min_range_km)),
                IsOk());
  }
  std::map<std::string, int> index;
  for (size_t i = 0; i < plan.satellite_names.size(); ++i) {
    index[plan.satellite_names[i]] = static_cast<int>(i);
  }

  const std::vector<std::string> events =
      Lines(ReadRunFile(options.out_dir + "/events.jsonl"));
  int routes = 0, relayed_received = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string& line = events[i];
    if (Field(line, "event") == "update_received" && !Field(line, "via").empty()) {
      ++relayed_received;
      EXPECT_NE(Field(line, "via"), Field(line, "satellite"));
    }
    if (Field(line, "event") != "route" || Field(line, "update") != "own") {
      continue;
    }
    ++routes;
    const std::string sat = Field(line, "satellite");
    int64_t bytes = 0;
    ASSERT_TRUE(absl::SimpleAtoi(Field(line, "bytes"), &bytes));
    orbit::RouteRequest request;
    request.source_satellite = index.at(sat);
    request.start = Utc(Field(line, "utc"));
    request.message_bytes = bytes;
    request.horizon = stop;
    ORBITFL_ASSERT_OK_AND_ASSIGN(orbit::Route route,
                                 graph->EarliestArrival(request));
    ASSERT_GE(route.hops.size(), 2u);
    EXPECT_EQ(Field(line, "next"), route.hops[0].to_name);
    // Times in the run directory are whole milliseconds, rounded up.
    EXPECT_EQ(Utc(Field(line, "arrival_utc")), CeilToMillis(route.arrival));
    // The hand-over itself: over the first hop's window and times.
    bool found = false;
    for (size_t j = i + 1; j < events.size() && !found; ++j) {
      const std::string& t = events[j];
      if (Field(t, "event") != "transfer" || Field(t, "kind") != "isl" ||
          Field(t, "payload") != "update" || Field(t, "a") != sat) {
        continue;
      }
      found = true;
      EXPECT_EQ(Field(t, "b"), route.hops[0].to_name);
      EXPECT_EQ(Utc(Field(t, "start_utc")), route.hops[0].start);
      EXPECT_EQ(Utc(Field(t, "end_utc")), CeilToMillis(route.hops[0].end));
      EXPECT_EQ(Field(t, "bytes"), std::to_string(bytes));
      // At 20 kbit/s, bytes * 8 / rate plus the light time.
      EXPECT_GE(route.hops[0].end - route.hops[0].start,
                absl::Seconds(bytes * 8.0 / 20000));
    }
    EXPECT_TRUE(found) << "no hand-over after " << line;
  }
  EXPECT_GT(routes, 2);
  EXPECT_GT(relayed_received, 2);
  // Models spread along the plane: a satellite that got one over an ISL
  // trains on it at once, without a pass of its own.
  int shared = 0, trained_on_shared = 0;
  std::map<std::string, absl::Time> got_model;
  for (const std::string& line : events) {
    if (Field(line, "event") == "transfer" && Field(line, "kind") == "isl" &&
        Field(line, "payload") == "model") {
      ++shared;
      got_model[Field(line, "b")] = Utc(Field(line, "end_utc"));
    } else if (Field(line, "event") == "train") {
      const auto it = got_model.find(Field(line, "satellite"));
      if (it != got_model.end() && Utc(Field(line, "utc")) == it->second) {
        ++trained_on_shared;
      }
    }
  }
  EXPECT_GT(shared, 5);
  EXPECT_GT(trained_on_shared, 0);
  // updates.csv counts the hops of relayed updates.
  int relayed_applied = 0;
  for (const std::string& row :
       Lines(ReadRunFile(options.out_dir + "/updates.csv"))) {
    relayed_applied += absl::EndsWith(row, ",1") || absl::EndsWith(row, ",2");
  }
  EXPECT_GT(relayed_applied, 0);
  // links.csv accounts for the inter-satellite bytes.
  const std::vector<std::string> links =
      Lines(ReadRunFile(options.out_dir + "/links.csv"));
  ASSERT_EQ(links.size(), 4u);
  EXPECT_TRUE(absl::StartsWith(links[3], "isl,")) << links[3];
  EXPECT_FALSE(absl::EndsWith(links[3], ",0,0.000000")) << links[3];
}

// Hierarchical aggregation: satellites of the plane merge the updates
// they hold into one before it goes down. With rounds that wait for all
// ten satellites, every round's accepted updates speak for exactly ten
// (none lost, none twice), the first round's model is the same as with
// each update sent alone, and it costs fewer downlinked bytes.
TEST(LinksRunTest, HierarchicalRunsMergeUpdatesOnBoard) {
  auto run = [](const std::string& strategy) {
    proto::Scenario s = OnePlane();
    s.set_duration_hours(12);
    s.mutable_federation()->set_strategy(strategy);
    // Tiny() came finalised: let the strategy choose again.
    s.mutable_link()->mutable_isl()->clear_aggregate_in_plane();
    s.mutable_federation()->set_min_participants(10);
    s.mutable_federation()->set_round_deadline_s(12 * 3600);
    EXPECT_THAT(FinalizeScenario(s, strategy), IsOk());
    RunOptions options;
    options.out_dir = Tmp(strategy);
    EXPECT_THAT(RunEmbedded(s, options), IsOk());
    return options.out_dir;
  };
  const std::string merged = run("hierarchical");
  const std::string alone = run("fedavg");

  int merges = 0, rounds = 0, reported = 0;
  for (const std::string& line : Lines(ReadRunFile(merged + "/events.jsonl"))) {
    const std::string event = Field(line, "event");
    if (event == "merge") {
      ++merges;
      int contributors = 0;
      ASSERT_TRUE(absl::SimpleAtoi(Field(line, "contributors"), &contributors));
      EXPECT_GE(contributors, 2) << line;
    } else if (event == "update_received" && Field(line, "accepted") == "true") {
      int contributors = 1;
      if (!Field(line, "contributors").empty()) {
        ASSERT_TRUE(absl::SimpleAtoi(Field(line, "contributors"), &contributors));
      }
      reported += contributors;
    } else if (event == "aggregate") {
      ++rounds;
      EXPECT_EQ(reported, 10) << "round " << rounds;
      reported = 0;
    }
  }
  EXPECT_GT(merges, 2);
  EXPECT_GE(rounds, 2);
  const std::string summary = ReadRunFile(merged + "/summary.json");
  EXPECT_THAT(summary, ::testing::HasSubstr(absl::StrCat(
                           "\"on_board_merges\":", merges)));

  // metrics.csv: utc,sim_hours,model_version,accuracy,loss,updates_applied,
  // bytes_up,bytes_down. Row 2 is version 1 in both runs.
  auto row = [](const std::string& dir, size_t i) {
    const std::vector<std::string> rows = Lines(ReadRunFile(dir + "/metrics.csv"));
    std::vector<std::string> f;
    if (i < rows.size()) f = absl::StrSplit(rows[i], ',');
    EXPECT_EQ(f.size(), 8u) << dir << " row " << i;
    f.resize(8);
    return f;
  };
  const std::vector<std::string> m1 = row(merged, 2), a1 = row(alone, 2);
  ASSERT_EQ(m1[2], "1");
  ASSERT_EQ(a1[2], "1");
  double m_acc = 0, a_acc = 0, m_loss = 0, a_loss = 0;
  int64_t m_up = 0, a_up = 0, m_updates = 0, a_updates = 0;
  ASSERT_TRUE(absl::SimpleAtod(m1[3], &m_acc) && absl::SimpleAtod(a1[3], &a_acc));
  ASSERT_TRUE(absl::SimpleAtod(m1[4], &m_loss) && absl::SimpleAtod(a1[4], &a_loss));
  ASSERT_TRUE(absl::SimpleAtoi(m1[5], &m_updates) &&
              absl::SimpleAtoi(a1[5], &a_updates));
  ASSERT_TRUE(absl::SimpleAtoi(m1[6], &m_up) && absl::SimpleAtoi(a1[6], &a_up));
  // The same mean of the same ten updates (up to float rounding).
  EXPECT_NEAR(m_acc, a_acc, 0.01);
  EXPECT_NEAR(m_loss, a_loss, 0.01);
  EXPECT_EQ(a_updates, 10);
  EXPECT_LT(m_updates, a_updates);
  EXPECT_LT(m_up, a_up);
}

}  // namespace
}  // namespace orbitfl::sim
