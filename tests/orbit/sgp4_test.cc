#include "orbit/sgp4.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orbit/frames.h"
#include "orbit/tle.h"
#include "tests/status_matchers.h"

namespace orbitfl::orbit {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// States of constructed TLEs from Debian's python3-sgp4, written by
// testdata/make_sgp4_fixture.py.
constexpr char kFixture[] = "tests/orbit/testdata/sgp4_fixture.txt";

struct FixtureCase {
  Tle tle;
  std::vector<std::vector<double>> rows;  // tsince_min, x, y, z, vx, vy, vz
};

std::vector<FixtureCase> ReadFixture() {
  std::ifstream in(kFixture);
  EXPECT_TRUE(in) << kFixture << " is missing (run "
                  << "tests/orbit/testdata/make_sgp4_fixture.py)";
  std::stringstream s;
  s << in.rdbuf();
  std::vector<FixtureCase> cases;
  std::vector<std::string> block;
  auto flush = [&] {
    if (block.empty()) return;
    EXPECT_GE(block.size(), 4u);
    FixtureCase c;
    auto tles = ParseTles(
        absl::StrCat(block[0], "\n", block[1], "\n", block[2], "\n"), kFixture);
    EXPECT_THAT(tles, IsOk());
    if (tles.ok()) c.tle = (*tles)[0];
    for (size_t i = 3; i < block.size(); ++i) {
      std::vector<double> row;
      for (absl::string_view f :
           absl::StrSplit(block[i], ' ', absl::SkipEmpty())) {
        double v = 0;
        EXPECT_TRUE(absl::SimpleAtod(f, &v)) << block[i];
        row.push_back(v);
      }
      EXPECT_EQ(row.size(), 7u) << block[i];
      c.rows.push_back(row);
    }
    cases.push_back(c);
    block.clear();
  };
  std::string line;
  while (std::getline(s, line)) {
    if (!line.empty() && line[0] == '#') continue;
    if (absl::StripAsciiWhitespace(line).empty()) {
      flush();
    } else {
      block.push_back(line);
    }
  }
  flush();
  return cases;
}

// A line from a published set with its checksum recomputed.
std::string WithChecksum(std::string line) {
  line[68] = static_cast<char>('0' + TleChecksum(line));
  return line;
}

Tle ParseOne(const std::string& line1, const std::string& line2) {
  auto tles = ParseTles(
      absl::StrCat(WithChecksum(line1), "\n", WithChecksum(line2), "\n"),
      "test.tle");
  EXPECT_THAT(tles, IsOk());
  return tles.ok() ? (*tles)[0] : Tle();
}

// MINOTAUR R/B (28872) from the verification set: sub-orbital, decays
// between 50 and 55 min after epoch.
Tle Minotaur() {
  return ParseOne(
      "1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534",
      "2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708");
}

TEST(Sgp4Test, MatchesPythonSgp4OnConstructedOrbits) {
  const std::vector<FixtureCase> cases = ReadFixture();
  ASSERT_EQ(cases.size(), 5u);
  int deep = 0, compared = 0;
  double max_position_error_km = 0, max_velocity_error_km_s = 0;
  for (const FixtureCase& c : cases) {
    SCOPED_TRACE(c.tle.name);
    ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sgp4Propagator> p,
                                 Sgp4Propagator::Create(c.tle));
    deep += p->deep_space();
    for (const std::vector<double>& row : c.rows) {
      ORBITFL_ASSERT_OK_AND_ASSIGN(StateVector s, p->PropagateMinutes(row[0]));
      const double state[6] = {s.position_km.x,   s.position_km.y,
                               s.position_km.z,   s.velocity_km_s.x,
                               s.velocity_km_s.y, s.velocity_km_s.z};
      for (int k = 0; k < 3; ++k) {
        EXPECT_NEAR(state[k], row[1 + k], 1e-6) << row[0];
        EXPECT_NEAR(state[3 + k], row[4 + k], 1e-9) << row[0];
        max_position_error_km =
            std::max(max_position_error_km, std::fabs(state[k] - row[1 + k]));
        max_velocity_error_km_s = std::max(
            max_velocity_error_km_s, std::fabs(state[3 + k] - row[4 + k]));
      }
      ++compared;
    }
  }
  std::printf(
      "python3-sgp4 fixture: %d states, max |dr| %.3g km, max |dv| "
      "%.3g km/s\n",
      compared, max_position_error_km, max_velocity_error_km_s);
  EXPECT_EQ(deep, 2);  // Molniya and GEO
  EXPECT_EQ(compared, 5 * 41);
}

TEST(Sgp4Test, PropagateAtAnInstantEqualsMinutesSinceEpoch) {
  const std::vector<FixtureCase> cases = ReadFixture();
  for (const FixtureCase& c : cases) {
    ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sgp4Propagator> p,
                                 Sgp4Propagator::Create(c.tle));
    EXPECT_EQ(p->tle().name, c.tle.name);
    for (double minutes : {-300.0, 0.0, 0.5, 1000.25}) {
      const StateVector a =
          p->Propagate(c.tle.epoch + absl::Seconds(minutes * 60));
      ORBITFL_ASSERT_OK_AND_ASSIGN(StateVector b, p->PropagateMinutes(minutes));
      EXPECT_EQ(a.position_km.x, b.position_km.x);
      EXPECT_EQ(a.velocity_km_s.z, b.velocity_km_s.z);
    }
  }
}

TEST(Sgp4Test, SeriesIsBitIdenticalToOneInstantAtATime) {
  for (const FixtureCase& c : ReadFixture()) {
    ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sgp4Propagator> p,
                                 Sgp4Propagator::Create(c.tle));
    // 70 instants: two full blocks of the vectorised kernel and a partial one.
    const absl::Time start = c.tle.epoch - absl::Minutes(17);
    const absl::Duration step = absl::Seconds(61.5);
    std::vector<StateVector> series(70);
    p->PropagateSeries(start, step, 70, series.data());
    for (int k = 0; k < 70; ++k) {
      const StateVector one = p->Propagate(start + k * step);
      ASSERT_EQ(series[k].position_km.x, one.position_km.x) << c.tle.name << k;
      ASSERT_EQ(series[k].position_km.z, one.position_km.z) << c.tle.name << k;
      ASSERT_EQ(series[k].velocity_km_s.y, one.velocity_km_s.y) << c.tle.name;
    }
  }
}

TEST(Sgp4Test, LeoStateIsPhysical) {
  const std::vector<FixtureCase> cases = ReadFixture();
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sgp4Propagator> polar,
                               Sgp4Propagator::Create(cases[0].tle));
  const StateVector s = polar->Propagate(cases[0].tle.epoch);
  // 15.05 rev/day: a ~ 6933 km; |v| ~ sqrt(mu / a); the orbit is polar, so
  // the angular momentum lies in the equator plane.
  EXPECT_NEAR(Norm(s.position_km), 6933, 30);
  EXPECT_NEAR(Norm(s.velocity_km_s), 7.58, 0.05);
  const Vec3 h = Normalized(Cross(s.position_km, s.velocity_km_s));
  EXPECT_NEAR(h.z, std::cos(89.9 * kDegToRad), 2e-3);
}

TEST(Sgp4Test, PropagationErrorsCarryTheReferenceCode) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sgp4Propagator> p,
                               Sgp4Propagator::Create(Minotaur()));
  EXPECT_FALSE(p->deep_space());
  EXPECT_THAT(p->PropagateMinutes(50), IsOk());
  EXPECT_THAT(p->PropagateMinutes(55),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "satellite 28872 at 55 min after epoch: SGP4 error 6: "
                       "radius 0.996"));
  // Propagate reports the failure as NaN, which elevation tests treat as
  // below every mask.
  const StateVector s = p->Propagate(p->tle().epoch + absl::Minutes(55));
  EXPECT_TRUE(std::isnan(s.position_km.x));
  EXPECT_TRUE(std::isnan(s.position_km.y));
  EXPECT_TRUE(std::isnan(s.position_km.z));
  EXPECT_TRUE(std::isnan(s.velocity_km_s.x));
}

TEST(Sgp4Test, CreateRejectsElementsSgp4CannotStartFrom) {
  Tle base = ReadFixture()[0].tle;
  Tle tle = base;
  tle.eccentricity = 1.5;
  EXPECT_THAT(Sgp4Propagator::Create(tle),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "satellite 90001 (POLAR-LEO): eccentricity: expected "
                       "[0, 1), got 1.5"));
  tle = base;
  tle.mean_motion_rev_per_day = 0;
  EXPECT_THAT(Sgp4Propagator::Create(tle),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "mean_motion_rev_per_day: expected > 0"));
  tle = base;
  tle.inclination_deg = std::nan("");
  EXPECT_THAT(Sgp4Propagator::Create(tle),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "inclination_deg: expected a finite number"));
  tle = base;
  tle.epoch += absl::Minutes(5);
  EXPECT_THAT(Sgp4Propagator::Create(tle),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "differs from epoch_year/epoch_day"));
  // The verification set's 33334: lunar-solar periodics drive the
  // eccentricity to -122 already at epoch.
  const Tle broken = ParseOne(
      "1 33334U 78066F   06174.85818871  .00000620  00000-0  10000-3 0  6809",
      "2 33334  68.4714 236.1303 5602877 123.7484 302.5767  0.00001000 67521");
  EXPECT_THAT(Sgp4Propagator::Create(broken),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "satellite 33334: SGP4 error 3: perturbed eccentricity "
                       "-122.217"));
}

}  // namespace
}  // namespace orbitfl::orbit
