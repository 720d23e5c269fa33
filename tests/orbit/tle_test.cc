#include "orbit/tle.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace orbitfl::orbit {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::HasSubstr;

// CelesTrak's documented example (ISS, 2008).
constexpr char kIssName[] = "ISS (ZARYA)";
constexpr char kIss1[] =
    "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927";
constexpr char kIss2[] =
    "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537";
// Vanguard 1 (SGP4-VER.TLE's first object).
constexpr char kVanguard1[] =
    "1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753";
constexpr char kVanguard2[] =
    "2 00005  34.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667";

std::string Iss3() {
  return absl::StrCat(kIssName, "\n", kIss1, "\n", kIss2, "\n");
}

// `line` with columns [first, first + text.size()) replaced (1-based) and
// its checksum recomputed, so that only the intended fault remains.
std::string Edit(std::string line, int first, const std::string& text) {
  line.replace(first - 1, text.size(), text);
  line[68] = static_cast<char>('0' + TleChecksum(line));
  return line;
}

absl::Status ParseError(const std::string& text) {
  return ParseTles(text, "sats.tle").status();
}

TEST(TleTest, ParsesThreeLineSet) {
  auto tles = ParseTles(Iss3(), "iss.tle");
  ASSERT_THAT(tles, IsOk());
  ASSERT_EQ(tles->size(), 1u);
  const Tle& t = (*tles)[0];
  EXPECT_EQ(t.name, "ISS (ZARYA)");
  EXPECT_EQ(t.catalog_number, 25544);
  EXPECT_EQ(t.classification, 'U');
  EXPECT_EQ(t.international_designator, "98067A");
  EXPECT_EQ(t.epoch_year, 2008);
  EXPECT_DOUBLE_EQ(t.epoch_day, 264.51782528);
  // Day 264 of 2008 (a leap year) is 20 September; 0.51782528 day is
  // 12:25:40.104192.
  const absl::Time expected_epoch =
      absl::FromCivil(absl::CivilSecond(2008, 9, 20, 12, 25, 40),
                      absl::UTCTimeZone()) +
      absl::Microseconds(104192);
  EXPECT_LT(absl::AbsDuration(t.epoch - expected_epoch), absl::Microseconds(1));
  EXPECT_DOUBLE_EQ(t.mean_motion_dot_over_2_rev_per_day2, -0.00002182);
  EXPECT_DOUBLE_EQ(t.mean_motion_ddot_over_6_rev_per_day3, 0.0);
  EXPECT_DOUBLE_EQ(t.bstar_per_earth_radius, -0.11606e-4);
  EXPECT_DOUBLE_EQ(t.inclination_deg, 51.6416);
  EXPECT_DOUBLE_EQ(t.raan_deg, 247.4627);
  EXPECT_DOUBLE_EQ(t.eccentricity, 0.0006703);
  EXPECT_DOUBLE_EQ(t.arg_perigee_deg, 130.5360);
  EXPECT_DOUBLE_EQ(t.mean_anomaly_deg, 325.0288);
  EXPECT_DOUBLE_EQ(t.mean_motion_rev_per_day, 15.72125391);
  EXPECT_EQ(t.element_set_number, 292);
  EXPECT_EQ(t.revolution_number, 56353);
}

TEST(TleTest, ParsesTwoLineSetsAndTwoDigitYears) {
  auto tles = ParseTles(absl::StrCat(kVanguard1, "\n", kVanguard2, "\n", kIss1,
                                     "\n", kIss2, "\n"),
                        "two.tle");
  ASSERT_THAT(tles, IsOk());
  ASSERT_EQ(tles->size(), 2u);
  EXPECT_EQ((*tles)[0].name, "");
  EXPECT_EQ((*tles)[0].catalog_number, 5);
  EXPECT_EQ((*tles)[0].epoch_year, 2000);
  EXPECT_DOUBLE_EQ((*tles)[0].eccentricity, 0.1859667);
  EXPECT_DOUBLE_EQ((*tles)[0].bstar_per_earth_radius, 0.28098e-4);
  EXPECT_EQ((*tles)[1].catalog_number, 25544);

  // Years 57..99 are the 1900s.
  auto old = ParseTles(
      absl::StrCat(Edit(kVanguard1, 19, "80"), "\n", kVanguard2, "\n"),
      "old.tle");
  ASSERT_THAT(old, IsOk());
  EXPECT_EQ((*old)[0].epoch_year, 1980);
}

TEST(TleTest, ToleratesCrlfBlankLinesTrailingBlanksAndZeroPrefix) {
  const std::string text =
      absl::StrCat("\r\n0 ISS (ZARYA)            \r\n", kIss1, "  \r\n\r\n",
                   kIss2, "\r\n\n", kVanguard1, "\r\n", kVanguard2);
  auto tles = ParseTles(text, "crlf.tle");
  ASSERT_THAT(tles, IsOk());
  ASSERT_EQ(tles->size(), 2u);
  EXPECT_EQ((*tles)[0].name, "ISS (ZARYA)");
  EXPECT_EQ((*tles)[0].revolution_number, 56353);
  EXPECT_EQ((*tles)[1].name, "");
}

TEST(TleTest, EmptyTextHasNoSets) {
  auto tles = ParseTles("\n \r\n", "empty.tle");
  ASSERT_THAT(tles, IsOk());
  EXPECT_TRUE(tles->empty());
}

TEST(TleTest, ChecksumErrorNamesLineAndColumn) {
  std::string bad2 = kIss2;
  bad2[68] = '3';
  EXPECT_THAT(
      ParseError(absl::StrCat("\n", kIssName, "\n", kIss1, "\n", bad2, "\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "sats.tle:4:69: checksum is 3, expected 7"));
  std::string bad1 = kIss1;
  bad1[68] = 'x';
  EXPECT_THAT(ParseError(absl::StrCat(bad1, "\n", kIss2, "\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:1:69: checksum: expected a digit, got 'x'"));
  // A minus sign counts 1: flipping "-.00002182" to " .00002182" changes
  // the sum.
  EXPECT_THAT(ParseError(absl::StrCat(kIssName, "\n",
                                      std::string(kIss1).replace(33, 1, " "),
                                      "\n", kIss2, "\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:2:69: checksum is 7, expected 6"));
}

TEST(TleTest, RejectsLinesOutOfOrder) {
  EXPECT_THAT(ParseError(absl::StrCat("SAT A\nSAT B\n", kIss1, "\n", kIss2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:2:1: expected line 1 of a TLE (starts with "
                       "'1 ') after the name on line 1"));
  EXPECT_THAT(ParseError(absl::StrCat(kIss2, "\n", kIss1, "\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:1:1: expected line 1 of a TLE (starts with "
                       "'1 ')"));
  EXPECT_THAT(ParseError(absl::StrCat(kIss1, "\n", kIssName, "\n", kIss2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:2:1: expected line 2 of the TLE begun on "
                       "line 1 (starts with '2 ')"));
  EXPECT_THAT(ParseError(absl::StrCat(kIssName, "\n", kIss1, "\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:3:1: expected line 2 of the TLE begun on "
                       "line 2, got the end of the file"));
  EXPECT_THAT(ParseError(absl::StrCat(kIss1, "\n", kIss2, "\nLONELY NAME\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:4:1: expected line 1 of a TLE (starts with "
                       "'1 ') after the name on line 3, got the end of the "
                       "file"));
}

TEST(TleTest, RejectsWrongLengthsAndMissingBlanks) {
  EXPECT_THAT(ParseError(absl::StrCat(std::string(kIss1, 60), "\n", kIss2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:1:61: line 1 is 60 characters long, "
                       "expected 69"));
  EXPECT_THAT(ParseError(absl::StrCat(kIss1, "\n", kIss2, "   12.0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:2:70: line 2 is 76 characters long, "
                       "expected 69"));
  EXPECT_THAT(ParseError(absl::StrCat(kIss1, "\n", Edit(kIss2, 17, "7"))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sats.tle:2:17: expected a blank between fields, got "
                       "'7'"));
}

TEST(TleTest, RejectsEachMalformedField) {
  const struct {
    int line;  // 1 or 2
    int column;
    const char* text;
    const char* message;
  } cases[] = {
      {1, 3, "25x44", "sats.tle:1:3: catalog number: expected 5 digits"},
      {1, 8, "X", "sats.tle:1:8: classification: expected U, C or S"},
      {1, 19, "0x", "sats.tle:1:19: epoch year: expected two digits"},
      {1, 21, "264.5178252a",
       "sats.tle:1:21: epoch day: expected a number, got '264.5178252a'"},
      {1, 21, "000.51782528", "sats.tle:1:21: epoch day 0.517825 out of range"},
      {1, 21, "367.51782528",
       "sats.tle:1:21: epoch day 367.518 out of range: expected [1, 367)"},
      {1, 34, "-.000021.2",
       "sats.tle:1:34: first derivative of mean motion: expected a number"},
      {1, 45, " 0000a-0",
       "sats.tle:1:45: second derivative of mean motion: expected a sign"},
      {1, 54, "-11606x4", "sats.tle:1:54: bstar: expected a sign"},
      {1, 63, "x", "sats.tle:1:63: ephemeris type: expected a digit"},
      {1, 65, " 2a2", "sats.tle:1:65: element set number: expected digits"},
      {2, 3, "25545",
       "sats.tle:2:3: catalog number 25545 differs from line 1's 25544"},
      {2, 9, " 51.6a16",
       "sats.tle:2:9: inclination: expected a number, got ' 51.6a16'"},
      {2, 9, "190.0000", "sats.tle:2:9: inclination 190 deg out of range"},
      {2, 18, "-47.4627",
       "sats.tle:2:18: right ascension of the ascending node -47.4627 deg "
       "out of range: expected [0, 360]"},
      {2, 27, "00067a3", "sats.tle:2:27: eccentricity: expected 7 digits"},
      {2, 27, "-006703",
       "sats.tle:2:27: eccentricity -0.006703 out of range: expected [0, 1)"},
      {2, 35, "130.53.0", "sats.tle:2:35: argument of perigee: expected a"},
      {2, 44, "365.0288", "sats.tle:2:44: mean anomaly 365.029 deg out of"},
      {2, 53, "18.72125391",
       "sats.tle:2:53: mean motion 18.7213 rev/day out of range"},
      {2, 53, " 0.00000000",
       "sats.tle:2:53: mean motion 0 rev/day out of range"},
      {2, 53, "15.7212539x", "sats.tle:2:53: mean motion: expected a number"},
      {2, 64, "5635a", "sats.tle:2:64: revolution number: expected digits"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    const std::string line1 =
        c.line == 1 ? Edit(kIss1, c.column, c.text) : std::string(kIss1);
    const std::string line2 =
        c.line == 2 ? Edit(kIss2, c.column, c.text) : std::string(kIss2);
    EXPECT_THAT(ParseError(absl::StrCat(line1, "\n", line2, "\n")),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message));
  }
}

TEST(TleTest, ReadsAlpha5CatalogNumbers) {
  auto tles = ParseTles(absl::StrCat(Edit(kIss1, 3, "A0001"), "\n",
                                     Edit(kIss2, 3, "A0001"), "\n"),
                        "alpha5.tle");
  ASSERT_THAT(tles, IsOk());
  EXPECT_EQ((*tles)[0].catalog_number, 100001);
  EXPECT_THAT(FormatTle((*tles)[0]), HasSubstr("1 A0001U "));
}

TEST(TleTest, FormatReproducesCelesTrakText) {
  auto tles = ParseTles(Iss3(), "iss.tle");
  ASSERT_THAT(tles, IsOk());
  EXPECT_EQ(FormatTle((*tles)[0]), Iss3());
  auto vanguard = ParseTles(absl::StrCat(kVanguard1, "\n", kVanguard2, "\n"),
                            "vanguard.tle");
  ASSERT_THAT(vanguard, IsOk());
  EXPECT_EQ(FormatTle((*vanguard)[0]),
            absl::StrCat(kVanguard1, "\n", kVanguard2, "\n"));
}

TEST(TleTest, DesignedElementsRoundTrip) {
  Tle tle;
  tle.name = "fl-03-07";
  tle.catalog_number = 99001;
  tle.classification = 'U';
  tle.international_designator = "26042C";
  SetTleEpoch(absl::FromCivil(absl::CivilSecond(2026, 12, 31, 23, 59, 59),
                              absl::UTCTimeZone()) +
                  absl::Milliseconds(500),
              &tle);
  tle.mean_motion_dot_over_2_rev_per_day2 = -0.00001234;
  tle.mean_motion_ddot_over_6_rev_per_day3 = 0.54321e-7;
  tle.bstar_per_earth_radius = -0.99999e-3;
  tle.inclination_deg = 97.5935;
  tle.raan_deg = 359.99996;  // rounds to 360.0000, still in range
  tle.eccentricity = 0.0001234;
  tle.arg_perigee_deg = 0.0;
  tle.mean_anomaly_deg = 123.45678;
  tle.mean_motion_rev_per_day = 15.21912345;
  tle.element_set_number = 999;
  tle.revolution_number = 12;
  ASSERT_THAT(ValidateTle(tle), IsOk());
  const std::string text = FormatTle(tle);
  auto parsed = ParseTles(text, "designed.tle");
  ASSERT_THAT(parsed, IsOk()) << text;
  ASSERT_EQ(parsed->size(), 1u);
  const Tle& p = (*parsed)[0];
  EXPECT_EQ(p.name, tle.name);
  EXPECT_EQ(p.catalog_number, tle.catalog_number);
  EXPECT_EQ(p.international_designator, tle.international_designator);
  EXPECT_EQ(p.epoch_year, 2026);
  EXPECT_LT(absl::AbsDuration(p.epoch - tle.epoch), absl::Milliseconds(1));
  EXPECT_NEAR(p.mean_motion_dot_over_2_rev_per_day2, -0.00001234, 1e-15);
  EXPECT_NEAR(p.mean_motion_ddot_over_6_rev_per_day3, 0.54321e-7, 1e-15);
  EXPECT_NEAR(p.bstar_per_earth_radius, -0.99999e-3, 1e-15);
  EXPECT_NEAR(p.inclination_deg, 97.5935, 1e-9);
  EXPECT_NEAR(p.raan_deg, 360.0, 1e-9);
  EXPECT_NEAR(p.eccentricity, 0.0001234, 1e-12);
  EXPECT_NEAR(p.mean_anomaly_deg, 123.4568, 1e-9);
  EXPECT_NEAR(p.mean_motion_rev_per_day, 15.21912345, 1e-12);
  EXPECT_EQ(p.element_set_number, 999);
  EXPECT_EQ(p.revolution_number, 12);
  // Formatting what was parsed gives the same text again.
  EXPECT_EQ(FormatTle(p), text);
}

TEST(TleTest, EpochDayRoundingCanReachTheNextYear) {
  Tle tle;
  tle.mean_motion_rev_per_day = 15;
  SetTleEpoch(
      absl::FromCivil(absl::CivilSecond(2027, 1, 1), absl::UTCTimeZone()) -
          absl::Microseconds(100),
      &tle);
  EXPECT_EQ(tle.epoch_year, 2026);
  auto parsed = ParseTles(FormatTle(tle), "rounded.tle");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ((*parsed)[0].epoch_year, 2027);
  EXPECT_DOUBLE_EQ((*parsed)[0].epoch_day, 1.0);
}

TEST(TleTest, ValidateNamesTheField) {
  Tle tle;
  tle.mean_motion_rev_per_day = 15;
  SetTleEpoch(absl::FromUnixSeconds(1774000000), &tle);
  ASSERT_THAT(ValidateTle(tle), IsOk());
  Tle bad = tle;
  bad.eccentricity = 1.0;
  EXPECT_THAT(ValidateTle(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "tle.eccentricity: expected [0, 1)"));
  bad = tle;
  bad.mean_motion_rev_per_day = 20;
  EXPECT_THAT(ValidateTle(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "tle.mean_motion_rev_per_day"));
  bad = tle;
  bad.name = "1 LOOKS LIKE LINE 1";
  EXPECT_THAT(ValidateTle(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, "tle.name"));
  // Parsed from the middle of a file, a name may begin with a byte order
  // mark; written first in a file, the mark would be dropped and the name
  // taken for line 2 (found by fuzzing).
  auto parsed = ParseTles(absl::StrCat(FormatTle(tle), "\xEF\xBB\xBF" "2 -DEEP\n",
                                       FormatTle(tle)),
                          "bom.tle");
  ASSERT_THAT(parsed, IsOk());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[1].name, "\xEF\xBB\xBF" "2 -DEEP");
  EXPECT_THAT(ValidateTle((*parsed)[1]),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "or a UTF-8 byte order mark"));
  bad = tle;
  bad.catalog_number = 340000;
  EXPECT_THAT(ValidateTle(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "tle.catalog_number"));
  bad = tle;
  bad.epoch += absl::Seconds(1);
  EXPECT_THAT(ValidateTle(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "set all three with SetTleEpoch"));
}

TEST(TleTest, LoadsFilesAndNamesMissingOnes) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  const std::string path = absl::StrCat(tmp, "/iss.tle");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const std::string text = Iss3();
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  auto tles = LoadTleFile(path);
  ASSERT_THAT(tles, IsOk());
  EXPECT_EQ((*tles)[0].name, "ISS (ZARYA)");
  EXPECT_THAT(
      LoadTleFile(absl::StrCat(tmp, "/missing.tle")),
      StatusIs(absl::StatusCode::kNotFound, absl::StrCat(tmp, "/missing.tle")));
}

}  // namespace
}  // namespace orbitfl::orbit
