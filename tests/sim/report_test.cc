#include "sim/report.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/env.h"
#include "sim/time_format.h"
#include "sim/world/image_io.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFixture[] = "tests/sim/testdata/report";

int Count(absl::string_view text, absl::string_view needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != absl::string_view::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// The value of `attribute` in the first element that contains `marker`.
std::string AttributeAfter(const std::string& html, const std::string& marker,
                           const std::string& attribute) {
  const size_t at = html.find(marker);
  if (at == std::string::npos) return "";
  const std::string key = absl::StrCat(attribute, "=\"");
  const size_t start = html.find(key, at);
  if (start == std::string::npos) return "";
  const size_t end = html.find('"', start + key.size());
  return html.substr(start + key.size(), end - start - key.size());
}

ReportInput Fixture(const std::vector<std::string>& runs) {
  Env* env = Env::Default();
  ReportInput input;
  input.title = "fixture";
  for (const std::string& run : runs) {
    auto r = LoadReportRun(absl::StrCat(kFixture, "/", run), "", env);
    EXPECT_THAT(r, IsOk());
    if (r.ok()) input.runs.push_back(*r);
  }
  input.contacts_csv = *env->ReadFile(absl::StrCat(kFixture, "/contacts.csv"));
  input.ground_tracks.push_back(
      {"SAT-1", {{0, 170}, {10, 178}, {20, -175}, {30, -160}}});
  input.stations.push_back({"Neustrelitz", 53.1, 13.1});
  return input;
}

int MetricsRows(const std::string& run) {
  const std::string text = *Env::Default()->ReadFile(
      absl::StrCat(kFixture, "/", run, "/metrics.csv"));
  return Count(text, "\n") - 1;
}

TEST(LoadReportRunTest, ReadsFilesAndLabelsByStrategy) {
  auto run =
      LoadReportRun(absl::StrCat(kFixture, "/fedasync"), "", Env::Default());
  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->label, "fedasync");  // summary.json's "strategy"
  EXPECT_FALSE(run->metrics_csv.empty());
  EXPECT_FALSE(run->updates_csv.empty());
  EXPECT_FALSE(run->events_jsonl.empty());
}

TEST(LoadReportRunTest, OptionalFilesMayBeAbsent) {
  auto run = LoadReportRun(absl::StrCat(kFixture, "/old/"), "", Env::Default());
  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->label, "old");  // no strategy: the directory's name
  EXPECT_TRUE(run->updates_csv.empty());
  EXPECT_TRUE(run->links_csv.empty());
  EXPECT_TRUE(run->participation_csv.empty());
  EXPECT_TRUE(run->events_jsonl.empty());
  auto named =
      LoadReportRun(absl::StrCat(kFixture, "/old"), "mine", Env::Default());
  ASSERT_THAT(named, IsOk());
  EXPECT_EQ(named->label, "mine");
}

TEST(LoadReportRunTest, MetricsAreRequired) {
  EXPECT_THAT(LoadReportRun(kFixture, "", Env::Default()),
              StatusIs(absl::StatusCode::kNotFound,
                       "report/metrics.csv does not exist"));
}

TEST(RenderReportTest, ComparisonHasEverySection) {
  auto html = RenderReport(Fixture({"fedavg", "fedasync"}));
  ASSERT_THAT(html, IsOk());
  EXPECT_TRUE(absl::StartsWith(*html, "<!DOCTYPE html>"));
  for (const char* id : {"summary", "accuracy", "timeline", "map", "staleness",
                         "links", "participation"}) {
    EXPECT_THAT(*html, HasSubstr(absl::StrCat("id=\"", id, "\""))) << id;
  }
  for (const char* plot :
       {"accuracy", "timeline", "map", "staleness", "links", "participation"}) {
    EXPECT_EQ(Count(*html, absl::StrCat("data-plot=\"", plot, "\"")), 1)
        << plot;
  }
  EXPECT_EQ(Count(*html, "<svg class=\"plot\""), 6);
  // Self-contained: no external fetches.
  EXPECT_THAT(*html, Not(HasSubstr("http://")));
  EXPECT_THAT(*html, Not(HasSubstr("https://")));
  EXPECT_THAT(*html, Not(HasSubstr("src=")));
  // Summary values, in both columns.
  EXPECT_THAT(*html, HasSubstr("66.6%"));  // fedavg final_accuracy 0.6665
  EXPECT_THAT(*html, HasSubstr("80.7%"));  // fedasync final_accuracy 0.8069
  EXPECT_THAT(*html, HasSubstr("DP ε"));
  EXPECT_THAT(*html, HasSubstr("486 MB"));
  // Transfers of the first run are on the timeline.
  EXPECT_THAT(*html, HasSubstr("data-layer=\"update transfers (ground)\""));
  EXPECT_THAT(*html, HasSubstr("data-layer=\"model transfers (ground)\""));
  EXPECT_THAT(*html, HasSubstr("data-layer=\"inter-satellite windows\""));
  EXPECT_THAT(*html, HasSubstr("data-layer=\"update transfers (ISL)\""));
  // The script that counts drawn plots.
  EXPECT_THAT(*html, HasSubstr("data-plots"));
}

TEST(RenderReportTest, OnePolylinePointPerEvaluation) {
  auto html = RenderReport(Fixture({"fedavg", "fedasync"}));
  ASSERT_THAT(html, IsOk());
  for (const char* run : {"fedavg", "fedasync"}) {
    const std::string points = AttributeAfter(
        *html, absl::StrCat("data-series=\"", run, "\""), "points");
    ASSERT_FALSE(points.empty()) << run;
    const std::vector<std::string> pairs =
        absl::StrSplit(points, ' ', absl::SkipEmpty());
    EXPECT_EQ(static_cast<int>(pairs.size()), MetricsRows(run)) << run;
  }
  // Staleness: one bar per non-empty bin and run, tooltips name counts.
  EXPECT_THAT(*html, HasSubstr("fedavg, staleness 0–1: 77 updates"));
  // Participation: one bar per satellite and run (12 x 2), all non-zero.
  const size_t part = html->find("data-plot=\"participation\"");
  const size_t part_end = html->find("</svg>", part);
  EXPECT_EQ(Count(html->substr(part, part_end - part), "<rect class=\"mark\""),
            24);
  // Links: 4 kinds x 2 runs.
  const size_t links = html->find("data-plot=\"links\"");
  const size_t links_end = html->find("</svg>", links);
  EXPECT_EQ(
      Count(html->substr(links, links_end - links), "<rect class=\"mark\""), 8);
}

TEST(RenderReportTest, TracksSplitAtTheAntimeridian) {
  auto html = RenderReport(Fixture({"fedavg"}));
  ASSERT_THAT(html, IsOk());
  // 178 -> -175 crosses: two polylines, ending and starting at the edges.
  const size_t map = html->find("data-plot=\"map\"");
  const std::string svg = html->substr(map, html->find("</svg>", map) - map);
  EXPECT_EQ(Count(svg, "<polyline class=\"mark\""), 2);
  // The map spans x 40..608: lon 180 is x 608, lon -180 is x 40.
  EXPECT_THAT(svg, HasSubstr(" 608,"));
  EXPECT_THAT(svg, HasSubstr("points=\"40,"));
}

TEST(RenderReportTest, EscapesText) {
  ReportInput input = Fixture({"fedavg", "fedasync"});
  input.title = "A <b>&</b> report";
  input.runs[1].label = "evil <&> \"run\"";
  input.stations.push_back({"<script>x</script>", 0, 0});
  auto html = RenderReport(input);
  ASSERT_THAT(html, IsOk());
  EXPECT_THAT(*html, HasSubstr("evil &lt;&amp;&gt; &quot;run&quot;"));
  EXPECT_THAT(*html, Not(HasSubstr("<&>")));
  EXPECT_THAT(*html, HasSubstr("A &lt;b&gt;&amp;&lt;/b&gt; report"));
  EXPECT_THAT(*html, Not(HasSubstr("<script>x")));
  EXPECT_EQ(Count(*html, "<script>"), 1);
}

TEST(RenderReportTest, OlderRunsLeaveOutPlotsWithANote) {
  auto html = RenderReport(Fixture({"old"}));
  ASSERT_THAT(html, IsOk());
  EXPECT_THAT(*html, Not(HasSubstr("data-plot=\"staleness\"")));
  EXPECT_THAT(*html, Not(HasSubstr("data-plot=\"links\"")));
  EXPECT_THAT(*html, Not(HasSubstr("data-plot=\"participation\"")));
  EXPECT_THAT(*html, HasSubstr("no updates.csv"));
  EXPECT_THAT(*html, HasSubstr("no links.csv"));
  EXPECT_THAT(*html, HasSubstr("no participation.csv"));
  EXPECT_THAT(*html, HasSubstr("no events.jsonl: no transfers drawn"));
  EXPECT_THAT(*html, HasSubstr("data-plot=\"accuracy\""));
  EXPECT_THAT(*html, HasSubstr("data-plot=\"timeline\""));

  // In a comparison, the run with the files still plots; the note names the
  // one without.
  auto mixed = RenderReport(Fixture({"fedavg", "old"}));
  ASSERT_THAT(mixed, IsOk());
  EXPECT_THAT(*mixed, HasSubstr("data-plot=\"staleness\""));
  EXPECT_THAT(*mixed, HasSubstr("<b>old</b> has no updates.csv"));

  // Nothing but metrics: still a report.
  ReportInput bare;
  ReportRun only_metrics;
  only_metrics.label = "bare";
  only_metrics.metrics_csv =
      "utc,sim_hours,accuracy\n2026-03-20T00:00:00.000Z,0,0.2\n";
  bare.runs.push_back(only_metrics);
  auto minimal = RenderReport(bare);
  ASSERT_THAT(minimal, IsOk());
  EXPECT_THAT(*minimal, HasSubstr("No contacts.csv given"));
  EXPECT_THAT(*minimal, HasSubstr("No ground tracks or stations given"));
}

TEST(RenderReportTest, IsDeterministic) {
  const ReportInput input = Fixture({"fedavg", "fedasync"});
  auto a = RenderReport(input);
  auto b = RenderReport(Fixture({"fedavg", "fedasync"}));
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(*a, *b);
}

ReportRun MetricsOnly(const std::string& metrics) {
  ReportRun run;
  run.label = "r";
  run.dir = "runs/r";
  run.metrics_csv = metrics;
  return run;
}

TEST(RenderReportTest, MalformedRowsNameFileAndLine) {
  const std::string header =
      "utc,sim_hours,model_version,accuracy,loss,updates_applied,bytes_up,"
      "bytes_down\n";
  const std::string good = "2026-03-20T00:00:00.000Z,0,0,0.2,1,0,0,0\n";
  ReportInput input;
  input.runs = {MetricsOnly(header + good + "2026-03-20T01:00:00.000Z,1,1\n")};
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "runs/r/metrics.csv: line 3: expected 8 fields"));
  input.runs = {MetricsOnly(header + good +
                            "2026-03-20T01:00:00.000Z,1,1,high,1,0,0,0\n")};
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "runs/r/metrics.csv: line 3: column accuracy: expected "
                       "a number, got \"high\""));
  input.runs = {
      MetricsOnly(header + "2026-03-20T00:00:00.000Z,0,0,75,1,0,0,0\n")};
  EXPECT_THAT(
      RenderReport(input),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "line 2: column accuracy: expected an accuracy in [0, 1]"));
  input.runs = {MetricsOnly("utc,accuracy\n")};
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "runs/r/metrics.csv: line 1: the header has no column "
                       "\"sim_hours\""));

  input.runs = {MetricsOnly(header + good)};
  input.runs[0].updates_csv = "staleness,hops\n0,0\n1,x\n";
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "runs/r/updates.csv: line 3: column hops"));
  input.runs[0].updates_csv = "";
  input.runs[0].events_jsonl =
      "{\"event\":\"run_start\",\"utc\":\"2026-03-20T00:00:00.000Z\"}\n"
      "\n"
      "{\"event\":\"train\",\"utc\":}\n";
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "runs/r/events.jsonl: line 3: column 24: expected a "
                       "string, number"));
  input.runs[0].events_jsonl =
      "{\"event\":\"transfer\",\"utc\":\"2026-03-20T00:00:00.000Z\","
      "\"kind\":\"ground\",\"a\":\"S\",\"b\":\"G\"}\n";
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "runs/r/events.jsonl: line 1: expected a string field "
                       "\"start_utc\""));
  input.runs[0].events_jsonl = "";
  input.runs[0].summary_json = "{\"a\":1,}";
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "runs/r/summary.json: line 1: column 8"));
  input.runs[0].summary_json = "";
  input.contacts_csv =
      "kind,a,b,start_utc,end_utc\nground,S,G,noon,2026-03-20T00:00:00Z\n";
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "contacts.csv: line 2: column start_utc"));
  input.contacts_csv = "";
  input.runs.clear();
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument, "at least one run"));
}

// The accuracy plot's <svg> element.
std::string AccuracySvg(const std::string& html) {
  const size_t at = html.find("data-plot=\"accuracy\"");
  if (at == std::string::npos) return "";
  return html.substr(at, html.find("</svg>", at) - at);
}

TEST(RenderReportTest, DrawsTheFirstRunsTargetLine) {
  auto html = RenderReport(Fixture({"fedavg", "fedasync"}));
  ASSERT_THAT(html, IsOk());
  const std::string svg = AccuracySvg(*html);
  EXPECT_EQ(Count(svg, "<g class=\"target\">"), 1);
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray="));
  EXPECT_THAT(svg, HasSubstr(">target 60%</text>"));  // target_accuracy 0.6
  // The line lies on the y axis' 60% grid line.
  const size_t tick = svg.find("\">60</text>");
  ASSERT_NE(tick, std::string::npos);
  const size_t grid = svg.rfind("<line class=\"gl\"", tick);
  ASSERT_NE(grid, std::string::npos);
  const std::string grid_y = AttributeAfter(svg.substr(grid), "<line", "y1");
  EXPECT_FALSE(grid_y.empty());
  EXPECT_EQ(AttributeAfter(svg, "<g class=\"target\">", "y1"), grid_y);
  EXPECT_EQ(AttributeAfter(svg, "<g class=\"target\">", "y2"), grid_y);

  // Only the first run's summary counts: "old" has no target.
  auto old_first = RenderReport(Fixture({"old", "fedavg"}));
  ASSERT_THAT(old_first, IsOk());
  EXPECT_THAT(AccuracySvg(*old_first), Not(HasSubstr("class=\"target\"")));
  EXPECT_THAT(*old_first, Not(HasSubstr(">target ")));
}

TEST(RenderReportTest, TheAccuracyAxisShowsTheTarget) {
  ReportInput input;
  ReportRun run;
  run.label = "r";
  run.metrics_csv =
      "utc,sim_hours,accuracy\n2026-03-20T00:00:00.000Z,0,0.2\n"
      "2026-03-20T01:00:00.000Z,1,0.3\n";
  run.summary_json = "{\"target_accuracy\":0.955}";  // not reached
  input.runs.push_back(run);
  auto html = RenderReport(input);
  ASSERT_THAT(html, IsOk());
  const std::string svg = AccuracySvg(*html);
  EXPECT_THAT(svg, HasSubstr(">target 95.5%</text>"));
  // Above every evaluation, yet inside the plot (top margin 12 of 330,
  // bottom margin 42).
  const double y = std::stod(AttributeAfter(svg, "<g class=\"target\">", "y1"));
  EXPECT_GE(y, 12);
  EXPECT_LT(y, 330 - 42);
  // Absent time_to_target_h with a target: not reached.
  EXPECT_THAT(*html, HasSubstr("<td>Time to target</td><td>not reached</td>"));

  input.runs[0].summary_json = "{\"target_accuracy\":null}";
  html = RenderReport(input);
  ASSERT_THAT(html, IsOk());
  EXPECT_THAT(*html, Not(HasSubstr("class=\"target\"")));
}

TEST(RenderReportTest, TargetAccuracyIsAFraction) {
  ReportInput input;
  input.runs = {
      MetricsOnly("utc,sim_hours,accuracy\n2026-03-20T00:00:00.000Z,0,0.2\n")};
  input.runs[0].summary_json = "{\"target_accuracy\":75}";
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "runs/r/summary.json: field \"target_accuracy\": "
                       "expected a number in [0, 1], got 75"));
  input.runs[0].summary_json = "{\"target_accuracy\":\"high\"}";
  EXPECT_THAT(RenderReport(input),
              StatusIs(absl::StatusCode::kInvalidArgument, "got \"high\""));
}

// A constellation-scale run stays a few MB and renders quickly.
TEST(RenderReportTest, LargeRunsAreCappedAndBinned) {
  const absl::Time t0 = *ParseUtc("2026-03-20T00:00:00Z");
  const int sats = 1000;
  std::string contacts =
      "kind,a,b,start_utc,end_utc,duration_s,max_elevation_deg,rate_bps\n";
  std::string events;
  std::string participation = "satellite,updates_applied\n";
  std::string updates = "staleness,hops\n";
  std::vector<std::pair<std::string, std::vector<GroundTrackPoint>>> tracks;
  for (int i = 0; i < 100000; ++i) {
    const absl::Time start = t0 + absl::Seconds(int64_t{i} * 86400 / 100000);
    const absl::Time end = start + absl::Seconds(300);
    absl::StrAppend(&contacts, i % 3 == 0 ? "isl" : "ground", ",S", i % sats,
                    ",", i % 3 == 0 ? absl::StrCat("S", (i + 1) % sats) : "G",
                    ",", FormatUtc(start), ",", FormatUtc(end), ",300,,1e6\n");
  }
  for (int i = 0; i < 200000; ++i) {
    const absl::Time start = t0 + absl::Seconds(int64_t{i} * 86400 / 200000);
    absl::StrAppend(&events, "{\"event\":\"transfer\",\"utc\":\"",
                    FormatUtc(start), "\",\"kind\":\"ground\",\"a\":\"S",
                    i % sats, "\",\"b\":\"G\",\"start_utc\":\"",
                    FormatUtc(start), "\",\"end_utc\":\"",
                    FormatUtc(start + absl::Seconds(40)),
                    "\",\"bytes\":1000,\"payload\":\"",
                    i % 2 ? "model" : "update", "\",\"complete\":true}\n");
  }
  for (int i = 0; i < sats; ++i) {
    absl::StrAppend(&participation, "S", i, ",", i % 7, "\n");
    std::vector<GroundTrackPoint> track;
    for (int k = 0; k < 100; ++k) track.push_back({k * 0.5, i * 0.3 + k * 3.6});
    tracks.emplace_back(absl::StrCat("S", i), std::move(track));
  }
  for (int i = 0; i < 50000; ++i) absl::StrAppend(&updates, i % 97, ",0\n");
  std::string metrics = "utc,sim_hours,accuracy\n";
  for (int i = 0; i <= 20000; ++i) {
    absl::StrAppend(&metrics, FormatUtc(t0 + absl::Seconds(i * 4.32)), ",",
                    i * 0.0012, ",", 0.2 + 0.6 * i / 20000.0, "\n");
  }
  ReportInput input;
  ReportRun run = MetricsOnly(metrics);
  run.events_jsonl = events;
  run.participation_csv = participation;
  run.updates_csv = updates;
  input.runs.push_back(run);
  input.contacts_csv = contacts;
  input.ground_tracks = tracks;
  const absl::Time start = absl::Now();
  auto html = RenderReport(input);
  ASSERT_THAT(html, IsOk());
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  EXPECT_LT(html->size(), 3u << 20);
  if (const char* out = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR")) {
    // For a look in a browser: bazel-testlogs/.../test.outputs/.
    EXPECT_THAT(Env::Default()->WriteFile(
                    absl::StrCat(out, "/large_report.html"), *html),
                IsOk());
  }
  EXPECT_THAT(*html, HasSubstr("Showing the first 40 of 1000 satellites"));
  EXPECT_THAT(*html, HasSubstr("Showing the first 60 of 1000 ground tracks"));
  EXPECT_THAT(*html, HasSubstr("Satellites, 13 per bar"));
  // 20,001 evaluations become at most 4 points per pixel column.
  const std::string points =
      AttributeAfter(*html, "data-series=\"r\"", "points");
  const std::vector<std::string> pairs =
      absl::StrSplit(points, ' ', absl::SkipEmpty());
  EXPECT_LT(pairs.size(), 4 * 560u);
  EXPECT_GT(pairs.size(), 500u);
}

TEST(EarthThumbnailPngTest, ShrinksKeepingTheAspect) {
  world::Image image;
  image.width = 64;
  image.height = 32;
  image.channels = 3;
  image.pixels.assign(image.num_bytes(), 0);
  for (int i = 0; i < 64 * 32; ++i) image.pixels[i * 3 + 2] = 200;  // blue
  const std::string path =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/earth.png");
  ASSERT_THAT(Env::Default()->WriteFile(path, *world::EncodePng(image)),
              IsOk());
  auto png = EarthThumbnailPng(path, 16, Env::Default());
  ASSERT_THAT(png, IsOk());
  auto thumb = world::DecodePng(*png, "thumbnail");
  ASSERT_THAT(thumb, IsOk());
  EXPECT_EQ(thumb->width, 16);
  EXPECT_EQ(thumb->height, 8);
  // Faded a quarter toward white: 0 -> 64, 200 -> 214 (in steps of 4: 212).
  EXPECT_EQ(thumb->pixels[0], 64);
  EXPECT_EQ(thumb->pixels[2], 212);
  EXPECT_THAT(EarthThumbnailPng(path, 128, Env::Default()),
              StatusIs(absl::StatusCode::kInvalidArgument, "64 pixels wide"));
  EXPECT_THAT(EarthThumbnailPng(path + ".missing", 16, Env::Default()),
              StatusIs(absl::StatusCode::kNotFound, "earth.png.missing"));
}

}  // namespace
}  // namespace orbitfl::sim
