// FormatTle and ValidateTle (declared in tle.h): element sets written in the
// column layout of Spacetrack Report #3, with checksums.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "orbit/tle.h"

namespace orbitfl::orbit {
namespace {

constexpr char kAlpha5Letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";

int DaysInYear(int year) {
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return leap ? 366 : 365;
}

absl::Status Invalid(absl::string_view field, absl::string_view expected,
                     double got) {
  return absl::InvalidArgumentError(
      absl::StrCat("tle.", field, ": expected ", expected, ", got ", got));
}

// Columns 3-7: five digits, or Alpha-5 above 99999.
std::string CatalogText(int catalog) {
  if (catalog <= 99999) return absl::StrFormat("%05d", catalog);
  return absl::StrFormat("%c%04d", kAlpha5Letters[catalog / 10000 - 10],
                         catalog % 10000);
}

// " .00000023" / "-.00000084": sign and eight decimals, no leading zero.
std::string FirstDerivativeText(double value) {
  const int64_t scaled = std::llround(std::fabs(value) * 1e8);
  return absl::StrFormat("%c.%08d", value < 0 && scaled != 0 ? '-' : ' ',
                         scaled);
}

// " 12345-4": sign, five digits after an assumed "0.", power of ten. Values
// below 1e-10 in magnitude are written as zero.
std::string ExponentialText(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude < 1e-10) return " 00000-0";
  int exponent = static_cast<int>(std::floor(std::log10(magnitude))) + 1;
  int64_t mantissa = std::llround(magnitude / std::pow(10.0, exponent) * 1e5);
  if (mantissa >= 100000) {  // rounded up to the next power of ten
    mantissa = 10000;
    ++exponent;
  }
  if (exponent < -9) return " 00000-0";
  return absl::StrFormat("%c%05d%c%d", value < 0 ? '-' : ' ', mantissa,
                         exponent < 0 ? '-' : '+', std::abs(exponent));
}

// An angle rounded to the 1e-4 deg of its column.
// Adding +0 turns a -0 into +0, which would print as "-0.0000".
double RoundAngleDeg(double deg) { return std::round(deg * 1e4) / 1e4 + 0.0; }

std::string WithChecksum(const std::string& line68) {
  return absl::StrCat(line68, TleChecksum(line68), "\n");
}

bool HasControlCharacters(absl::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

absl::Status ValidateTle(const Tle& tle) {
  if (HasControlCharacters(tle.name) ||
      absl::StripAsciiWhitespace(tle.name) != tle.name ||
      absl::StartsWith(tle.name, "0 ") || absl::StartsWith(tle.name, "1 ") ||
      absl::StartsWith(tle.name, "2 ") ||
      // First in a file, ParseTles takes it for a byte order mark.
      absl::StartsWith(tle.name, "\xEF\xBB\xBF")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tle.name: expected printable text without leading or trailing "
        "blanks that does not start with \"0 \", \"1 \", \"2 \" or a UTF-8 "
        "byte order mark, got \"",
        absl::CEscape(tle.name), "\""));
  }
  if (tle.catalog_number < 0 || tle.catalog_number > 339999) {
    return Invalid("catalog_number", "0..339999", tle.catalog_number);
  }
  if (tle.classification != 'U' && tle.classification != 'C' &&
      tle.classification != 'S') {
    return absl::InvalidArgumentError(
        absl::StrCat("tle.classification: expected U, C or S, got '",
                     std::string(1, tle.classification), "'"));
  }
  const std::string& designator = tle.international_designator;
  if (designator.size() > 8 || HasControlCharacters(designator) ||
      absl::StripAsciiWhitespace(designator) != designator) {
    return absl::InvalidArgumentError(
        absl::StrCat("tle.international_designator: expected at most 8 "
                     "printable characters without leading or trailing "
                     "blanks, got \"",
                     absl::CEscape(designator), "\""));
  }
  if (tle.epoch_year < 1957 || tle.epoch_year > 2056) {
    return Invalid("epoch_year", "1957..2056 (two-digit years)",
                   tle.epoch_year);
  }
  if (!(tle.epoch_day >= 1 && tle.epoch_day < DaysInYear(tle.epoch_year) + 1)) {
    return Invalid("epoch_day",
                   absl::StrCat("[1, ", DaysInYear(tle.epoch_year) + 1,
                                ") for ", tle.epoch_year),
                   tle.epoch_day);
  }
  const absl::Duration epoch_error =
      tle.epoch - TleEpochTime(tle.epoch_year, tle.epoch_day);
  if (absl::AbsDuration(epoch_error) > absl::Milliseconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tle.epoch: ", absl::FormatTime(tle.epoch, absl::UTCTimeZone()),
        " differs from epoch_year/epoch_day (", tle.epoch_year, " day ",
        tle.epoch_day, ") by ", absl::FormatDuration(epoch_error),
        "; set all three with SetTleEpoch"));
  }
  if (!(std::fabs(tle.mean_motion_dot_over_2_rev_per_day2) < 0.999999995)) {
    return Invalid("mean_motion_dot_over_2_rev_per_day2", "magnitude < 1",
                   tle.mean_motion_dot_over_2_rev_per_day2);
  }
  const struct {
    const char* field;
    double value;
  } exponentials[] = {{"mean_motion_ddot_over_6_rev_per_day3",
                       tle.mean_motion_ddot_over_6_rev_per_day3},
                      {"bstar_per_earth_radius", tle.bstar_per_earth_radius}};
  for (const auto& e : exponentials) {
    if (!(std::fabs(e.value) < 0.999995e9)) {
      return Invalid(e.field, "magnitude < 0.99999e9", e.value);
    }
  }
  const struct {
    const char* field;
    double value;
    double max;
  } angles[] = {{"inclination_deg", tle.inclination_deg, 180},
                {"raan_deg", tle.raan_deg, 360},
                {"arg_perigee_deg", tle.arg_perigee_deg, 360},
                {"mean_anomaly_deg", tle.mean_anomaly_deg, 360}};
  for (const auto& a : angles) {
    if (!(a.value >= 0 && RoundAngleDeg(a.value) <= a.max)) {
      return Invalid(a.field, absl::StrCat("[0, ", a.max, "]"), a.value);
    }
  }
  if (!(tle.eccentricity >= 0 && tle.eccentricity < 0.99999995)) {
    return Invalid("eccentricity", "[0, 1)", tle.eccentricity);
  }
  if (!(tle.mean_motion_rev_per_day >= 0.5e-8 &&
        tle.mean_motion_rev_per_day <= kMaxTleMeanMotionRevPerDay)) {
    return Invalid("mean_motion_rev_per_day",
                   absl::StrCat("(0, ", kMaxTleMeanMotionRevPerDay, "]"),
                   tle.mean_motion_rev_per_day);
  }
  if (tle.element_set_number < 0 || tle.element_set_number > 9999) {
    return Invalid("element_set_number", "0..9999", tle.element_set_number);
  }
  if (tle.revolution_number < 0 || tle.revolution_number > 99999) {
    return Invalid("revolution_number", "0..99999", tle.revolution_number);
  }
  return absl::OkStatus();
}

std::string FormatTle(const Tle& tle) {
  // The epoch day at its column's 1e-8 day; rounding may reach the next
  // year.
  int year = tle.epoch_year;
  double day = std::round(tle.epoch_day * 1e8) / 1e8;
  if (day >= DaysInYear(year) + 1) {
    day -= DaysInYear(year);
    ++year;
  }
  const std::string catalog = CatalogText(tle.catalog_number);
  const std::string line1 = absl::StrFormat(
      "1 %s%c %-8s %02d%012.8f %s %s %s 0 %4d", catalog, tle.classification,
      tle.international_designator, year % 100, day,
      FirstDerivativeText(tle.mean_motion_dot_over_2_rev_per_day2),
      ExponentialText(tle.mean_motion_ddot_over_6_rev_per_day3),
      ExponentialText(tle.bstar_per_earth_radius), tle.element_set_number);
  const std::string line2 = absl::StrFormat(
      "2 %s %8.4f %8.4f %07d %8.4f %8.4f %11.8f%5d", catalog,
      RoundAngleDeg(tle.inclination_deg), RoundAngleDeg(tle.raan_deg),
      std::llround(tle.eccentricity * 1e7), RoundAngleDeg(tle.arg_perigee_deg),
      RoundAngleDeg(tle.mean_anomaly_deg), tle.mean_motion_rev_per_day,
      tle.revolution_number);
  std::string text;
  if (!tle.name.empty()) absl::StrAppend(&text, tle.name, "\n");
  absl::StrAppend(&text, WithChecksum(line1), WithChecksum(line2));
  return text;
}

}  // namespace orbitfl::orbit
