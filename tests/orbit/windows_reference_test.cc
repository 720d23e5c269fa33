// Ground windows of SGP4 orbits against an independent reference: Skyfield
// (Debian's python3-skyfield), each edge bisected on its exact topocentric
// altitude. Polar, inclined, equatorial, eccentric (Molniya) and
// deep-space (GEO) orbits over five stations for a day that starts in the
// middle of a pass. The fixture comes from testdata/make_windows_fixture.py.

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orbit/frames.h"
#include "orbit/sgp4.h"
#include "orbit/tle.h"
#include "orbit/visibility.h"
#include "tests/status_matchers.h"

namespace orbitfl::orbit {
namespace {

using ::orbitfl::testing::IsOk;

constexpr char kDir[] = "tests/orbit/testdata/";

absl::Time Utc(const std::string& text) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &err)) << text;
  return t;
}

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    rows.push_back(absl::StrSplit(line, ','));
  }
  return rows;
}

TEST(WindowsReferenceTest, EdgesAgreeWithSkyfieldWithinASecond) {
  auto tles = LoadTleFile(std::string(kDir) + "windows_fixture.tle");
  ASSERT_THAT(tles, IsOk());
  std::vector<std::unique_ptr<Sgp4Propagator>> owned;
  std::vector<const Propagator*> sats;
  std::map<std::string, int> sat_index;
  for (const Tle& tle : *tles) {
    auto p = Sgp4Propagator::Create(tle);
    ASSERT_THAT(p, IsOk());
    sat_index[tle.name] = static_cast<int>(sats.size());
    owned.push_back(std::move(p).value());
    sats.push_back(owned.back().get());
  }
  std::vector<GroundStation> stations;
  std::map<std::string, int> station_index;
  const auto station_rows =
      ReadCsv(std::string(kDir) + "windows_fixture_stations.csv");
  for (size_t i = 1; i < station_rows.size(); ++i) {
    const auto& r = station_rows[i];
    double lat, lon, alt_m, mask;
    ASSERT_TRUE(absl::SimpleAtod(r[1], &lat) && absl::SimpleAtod(r[2], &lon) &&
                absl::SimpleAtod(r[3], &alt_m) && absl::SimpleAtod(r[4], &mask));
    station_index[r[0]] = static_cast<int>(stations.size());
    stations.push_back({r[0], {lat * kDegToRad, lon * kDegToRad, alt_m / 1000},
                        mask * kDegToRad});
  }
  // The fixture's first comment line holds its span.
  std::ifstream in(std::string(kDir) + "windows_fixture.csv");
  std::string header;
  std::getline(in, header);
  const std::vector<std::string> words = absl::StrSplit(header, ' ');
  ASSERT_GE(words.size(), 5u) << header;
  WindowSearchOptions search;
  search.start = Utc(words[2]);
  search.stop = Utc(std::string(absl::StripSuffix(words[4], ";")));
  auto found = FindGroundWindows(sats, stations, search);
  ASSERT_THAT(found, IsOk());

  const auto reference = ReadCsv(std::string(kDir) + "windows_fixture.csv");
  ASSERT_GT(reference.size(), 50u);
  int matched = 0, open_at_start = 0;
  double worst_s = 0;
  for (size_t i = 1; i < reference.size(); ++i) {
    const auto& r = reference[i];
    const int sat = sat_index.at(r[0]), st = station_index.at(r[1]);
    const absl::Time start = Utc(r[2]), end = Utc(r[3]);
    double max_el = 0;
    ASSERT_TRUE(absl::SimpleAtod(r[4], &max_el));
    open_at_start += start == search.start;
    const ContactWindow* best = nullptr;
    for (const ContactWindow& w : *found) {
      if (w.satellite == sat && w.station == st &&
          absl::AbsDuration(w.start - start) < absl::Seconds(60)) {
        best = &w;
      }
    }
    ASSERT_NE(best, nullptr) << "no window for " << r[0] << " over " << r[1]
                             << " at " << r[2];
    ++matched;
    const double ds = absl::ToDoubleSeconds(absl::AbsDuration(best->start - start));
    const double de = absl::ToDoubleSeconds(absl::AbsDuration(best->end - end));
    EXPECT_LT(ds, 1.0) << r[0] << " over " << r[1] << " rise " << r[2];
    EXPECT_LT(de, 1.0) << r[0] << " over " << r[1] << " set " << r[3];
    worst_s = std::max({worst_s, ds, de});
    // Skyfield's peak comes from a 10 s scan: ours is at least as high.
    EXPECT_GT(best->max_elevation_rad * kRadToDeg, max_el - 0.01) << r[0];
  }
  EXPECT_EQ(static_cast<size_t>(matched), found->size())
      << "orbitfl found windows the reference does not have";
  EXPECT_GE(open_at_start, 2) << "the fixture should start inside passes";
  std::cout << matched << " windows, worst edge difference " << worst_s
            << " s\n";
}

}  // namespace
}  // namespace orbitfl::orbit
