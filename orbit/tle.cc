#include "orbit/tle.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace orbitfl::orbit {
namespace {

constexpr int kLineLength = 69;
// Alpha-5 catalog numbers: a letter for the ten-thousands (A = 10 .. Z = 33,
// skipping I and O, which read like digits), then four digits.
constexpr char kAlpha5Letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";

int DaysInYear(int year) {
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return leap ? 366 : 365;
}

// One line of the file, for located error messages. Columns are 1-based
// and inclusive, as the TLE format documents them.
class Line {
 public:
  Line(const std::string& filename, int number, absl::string_view text)
      : filename_(filename), number_(number), text_(text) {}

  absl::Status Error(int column, absl::string_view reason) const {
    return absl::InvalidArgumentError(
        absl::StrCat(filename_, ":", number_, ":", column, ": ", reason));
  }
  absl::string_view Columns(int first, int last) const {
    return text_.substr(first - 1, last - first + 1);
  }
  char Column(int column) const { return text_[column - 1]; }
  absl::string_view text() const { return text_; }
  int number() const { return number_; }

 private:
  const std::string& filename_;
  int number_;
  absl::string_view text_;
};

bool IsDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// [+-]?digits[.digits], at least one digit on either side of the point.
bool IsDecimal(absl::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  int digits = 0, points = 0;
  for (char c : s) {
    if (c == '.') {
      ++points;
    } else if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && points <= 1;
}

absl::Status ParseDecimal(const Line& line, int first, int last,
                          absl::string_view field, double* out) {
  const absl::string_view raw = line.Columns(first, last);
  absl::string_view s = absl::StripAsciiWhitespace(raw);
  if (!IsDecimal(s)) {
    return line.Error(
        first, absl::StrCat(field, ": expected a number, got '", raw, "'"));
  }
  absl::ConsumePrefix(&s, "+");
  if (!absl::SimpleAtod(s, out)) {
    return line.Error(
        first, absl::StrCat(field, ": expected a number, got '", raw, "'"));
  }
  return absl::OkStatus();
}

// Unsigned integer, right-justified; an all-blank field reads as 0.
absl::Status ParseCount(const Line& line, int first, int last,
                        absl::string_view field, int* out) {
  const absl::string_view raw = line.Columns(first, last);
  const absl::string_view s = absl::StripLeadingAsciiWhitespace(raw);
  if (s.empty()) {
    *out = 0;
    return absl::OkStatus();
  }
  if (!IsDigits(s) || !absl::SimpleAtoi(s, out)) {
    return line.Error(
        first, absl::StrCat(field, ": expected digits, got '", raw, "'"));
  }
  return absl::OkStatus();
}

// "SMMMMMSE": sign (blank, + or -), five digits after an assumed leading
// decimal point, and a power of ten (sign and one digit), e.g. " 28098-4"
// for 0.28098e-4.
absl::Status ParseExponential(const Line& line, int first,
                              absl::string_view field, double* out) {
  const absl::string_view raw = line.Columns(first, first + 7);
  const char sign = raw[0], exp_sign = raw[6], exp_digit = raw[7];
  const absl::string_view mantissa = raw.substr(1, 5);
  if ((sign != ' ' && sign != '+' && sign != '-') || !IsDigits(mantissa) ||
      (exp_sign != '+' && exp_sign != '-' && exp_sign != ' ') ||
      !absl::ascii_isdigit(static_cast<unsigned char>(exp_digit))) {
    return line.Error(
        first, absl::StrCat(field,
                            ": expected a sign, five digits with an assumed "
                            "leading decimal point and an exponent, like "
                            "' 12345-4', got '",
                            raw, "'"));
  }
  double value = 0;
  if (!absl::SimpleAtod(absl::StrCat("0.", mantissa), &value)) {
    return line.Error(first, absl::StrCat(field, ": unreadable '", raw, "'"));
  }
  const int exponent = (exp_sign == '-' ? -1 : 1) * (exp_digit - '0');
  *out = (sign == '-' ? -value : value) * std::pow(10.0, exponent);
  return absl::OkStatus();
}

absl::Status ParseCatalog(const Line& line, int* out) {
  const absl::string_view raw = line.Columns(3, 7);
  const char lead = raw[0];
  const size_t letter = absl::string_view(kAlpha5Letters).find(lead);
  if (letter != absl::string_view::npos && IsDigits(raw.substr(1))) {
    int low = 0;
    if (absl::SimpleAtoi(raw.substr(1), &low)) {
      *out = (10 + static_cast<int>(letter)) * 10000 + low;
      return absl::OkStatus();
    }
  }
  const absl::string_view digits = absl::StripLeadingAsciiWhitespace(raw);
  if (!IsDigits(digits) || !absl::SimpleAtoi(digits, out)) {
    return line.Error(3, absl::StrCat("catalog number: expected 5 digits (or "
                                      "a letter and 4 digits, Alpha-5), got '",
                                      raw, "'"));
  }
  return absl::OkStatus();
}

absl::Status CheckShape(const Line& line, char tag) {
  const int length = line.text().size();
  if (length < kLineLength) {
    return line.Error(length + 1,
                      absl::StrCat("line ", std::string(1, tag), " is ", length,
                                   " characters long, expected ", kLineLength));
  }
  if (length > kLineLength) {
    return line.Error(kLineLength + 1,
                      absl::StrCat("line ", std::string(1, tag), " is ", length,
                                   " characters long, expected ", kLineLength));
  }
  return absl::OkStatus();
}

absl::Status CheckBlanks(const Line& line, std::initializer_list<int> cols) {
  for (int col : cols) {
    if (line.Column(col) != ' ') {
      return line.Error(col,
                        absl::StrCat("expected a blank between fields, "
                                     "got '",
                                     std::string(1, line.Column(col)), "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckChecksum(const Line& line) {
  const char c = line.Column(kLineLength);
  if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
    return line.Error(kLineLength,
                      absl::StrCat("checksum: expected a digit, got '",
                                   std::string(1, c), "'"));
  }
  const int expected = TleChecksum(line.text());
  if (c - '0' != expected) {
    return line.Error(kLineLength, absl::StrCat("checksum is ", c - '0',
                                                ", expected ", expected));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(const Line& line, int column, absl::string_view field,
                        double value, double lo, double hi,
                        absl::string_view unit) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return line.Error(
      column, absl::StrCat(field, " ", value, unit, " out of range: expected [",
                           lo, ", ", hi, "]"));
}

absl::Status ParseLine1(const Line& line, Tle* tle) {
  if (absl::Status s = CheckShape(line, '1'); !s.ok()) return s;
  if (absl::Status s = CheckBlanks(line, {2, 9, 18, 33, 44, 53, 62, 64});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ParseCatalog(line, &tle->catalog_number); !s.ok()) {
    return s;
  }
  tle->classification = line.Column(8);
  if (tle->classification != 'U' && tle->classification != 'C' &&
      tle->classification != 'S') {
    return line.Error(8,
                      absl::StrCat("classification: expected U, C or S, "
                                   "got '",
                                   std::string(1, tle->classification), "'"));
  }
  tle->international_designator =
      std::string(absl::StripAsciiWhitespace(line.Columns(10, 17)));

  const absl::string_view year_text = line.Columns(19, 20);
  if (!IsDigits(year_text)) {
    return line.Error(19, absl::StrCat("epoch year: expected two digits, got '",
                                       year_text, "'"));
  }
  const int yy = (year_text[0] - '0') * 10 + (year_text[1] - '0');
  // Two-digit years: 57..99 are 1957..1999 (Sputnik 1 flew in 1957).
  tle->epoch_year = yy < 57 ? 2000 + yy : 1900 + yy;
  if (absl::Status s = ParseDecimal(line, 21, 32, "epoch day", &tle->epoch_day);
      !s.ok()) {
    return s;
  }
  const double last_day = DaysInYear(tle->epoch_year) + 1;
  if (!(tle->epoch_day >= 1.0 && tle->epoch_day < last_day)) {
    return line.Error(21, absl::StrCat("epoch day ", tle->epoch_day,
                                       " out of range: expected [1, ", last_day,
                                       ") in ", tle->epoch_year));
  }
  tle->epoch = TleEpochTime(tle->epoch_year, tle->epoch_day);

  if (absl::Status s =
          ParseDecimal(line, 34, 43, "first derivative of mean motion",
                       &tle->mean_motion_dot_over_2_rev_per_day2);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ParseExponential(line, 45, "second derivative of mean motion",
                           &tle->mean_motion_ddot_over_6_rev_per_day3);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ParseExponential(line, 54, "bstar", &tle->bstar_per_earth_radius);
      !s.ok()) {
    return s;
  }
  const char ephemeris_type = line.Column(63);
  if (ephemeris_type != ' ' &&
      !absl::ascii_isdigit(static_cast<unsigned char>(ephemeris_type))) {
    return line.Error(63, absl::StrCat("ephemeris type: expected a digit, "
                                       "got '",
                                       std::string(1, ephemeris_type), "'"));
  }
  if (absl::Status s = ParseCount(line, 65, 68, "element set number",
                                  &tle->element_set_number);
      !s.ok()) {
    return s;
  }
  return CheckChecksum(line);
}

absl::Status ParseLine2(const Line& line, Tle* tle) {
  if (absl::Status s = CheckShape(line, '2'); !s.ok()) return s;
  if (absl::Status s = CheckBlanks(line, {2, 8, 17, 26, 34, 43, 52}); !s.ok()) {
    return s;
  }
  int catalog = 0;
  if (absl::Status s = ParseCatalog(line, &catalog); !s.ok()) return s;
  if (catalog != tle->catalog_number) {
    return line.Error(
        3, absl::StrCat("catalog number ", catalog, " differs from line 1's ",
                        tle->catalog_number));
  }
  const struct {
    int first, last;
    const char* field;
    double* value;
    double max;
  } angles[] = {
      {9, 16, "inclination", &tle->inclination_deg, 180},
      {18, 25, "right ascension of the ascending node", &tle->raan_deg, 360},
      {35, 42, "argument of perigee", &tle->arg_perigee_deg, 360},
      {44, 51, "mean anomaly", &tle->mean_anomaly_deg, 360},
  };
  for (const auto& a : angles) {
    if (absl::Status s = ParseDecimal(line, a.first, a.last, a.field, a.value);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            CheckRange(line, a.first, a.field, *a.value, 0, a.max, " deg");
        !s.ok()) {
      return s;
    }
  }
  // Seven digits after an assumed leading decimal point. A sign is read
  // (so that "-000123" is reported as out of range, not as unreadable).
  const absl::string_view ecc_raw = line.Columns(27, 33);
  absl::string_view ecc_digits = ecc_raw;
  const bool negative = absl::ConsumePrefix(&ecc_digits, "-");
  if (!negative) absl::ConsumePrefix(&ecc_digits, "+");
  if (!IsDigits(ecc_digits)) {
    return line.Error(27, absl::StrCat("eccentricity: expected 7 digits with "
                                       "an assumed leading decimal point, "
                                       "got '",
                                       ecc_raw, "'"));
  }
  double ecc = 0;
  if (!absl::SimpleAtod(absl::StrCat("0.", ecc_digits), &ecc)) {
    return line.Error(27,
                      absl::StrCat("eccentricity: unreadable '", ecc_raw, "'"));
  }
  tle->eccentricity = negative ? -ecc : ecc;
  if (!(tle->eccentricity >= 0 && tle->eccentricity < 1)) {
    return line.Error(27, absl::StrCat("eccentricity ", tle->eccentricity,
                                       " out of range: expected [0, 1)"));
  }
  if (absl::Status s = ParseDecimal(line, 53, 63, "mean motion",
                                    &tle->mean_motion_rev_per_day);
      !s.ok()) {
    return s;
  }
  if (!(tle->mean_motion_rev_per_day > 0 &&
        tle->mean_motion_rev_per_day <= kMaxTleMeanMotionRevPerDay)) {
    return line.Error(
        53, absl::StrCat("mean motion ", tle->mean_motion_rev_per_day,
                         " rev/day out of range: expected (0, ",
                         kMaxTleMeanMotionRevPerDay,
                         "] (a larger one puts the orbit inside the Earth)"));
  }
  if (absl::Status s = ParseCount(line, 64, 68, "revolution number",
                                  &tle->revolution_number);
      !s.ok()) {
    return s;
  }
  return CheckChecksum(line);
}

// Lines of the text with their 1-based numbers, CR and trailing blanks
// removed, blank lines dropped.
std::vector<std::pair<int, absl::string_view>> NonBlankLines(
    absl::string_view text) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // a UTF-8 byte order mark
  std::vector<std::pair<int, absl::string_view>> lines;
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++number;
    const absl::string_view line = absl::StripTrailingAsciiWhitespace(raw);
    if (!line.empty()) lines.emplace_back(number, line);
  }
  return lines;
}

}  // namespace

int TleChecksum(absl::string_view line) {
  int sum = 0;
  for (size_t i = 0; i < line.size() && i < kLineLength - 1; ++i) {
    const char c = line[i];
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) sum += c - '0';
    if (c == '-') sum += 1;
  }
  return sum % 10;
}

absl::Time TleEpochTime(int year, double day_of_year) {
  const absl::Time jan1 =
      absl::FromCivil(absl::CivilSecond(year, 1, 1), absl::UTCTimeZone());
  // Whole days and the fraction separately, so the fraction keeps its
  // sub-microsecond precision.
  const double whole = std::floor(day_of_year);
  return jan1 + absl::Hours(24 * (static_cast<int64_t>(whole) - 1)) +
         absl::Seconds((day_of_year - whole) * 86400.0);
}

void SetTleEpoch(absl::Time epoch, Tle* tle) {
  const absl::CivilSecond civil =
      absl::ToCivilSecond(epoch, absl::UTCTimeZone());
  const int year = static_cast<int>(civil.year());
  const absl::Time jan1 =
      absl::FromCivil(absl::CivilSecond(year, 1, 1), absl::UTCTimeZone());
  tle->epoch = epoch;
  tle->epoch_year = year;
  tle->epoch_day = 1.0 + absl::FDivDuration(epoch - jan1, absl::Hours(24));
}

absl::StatusOr<std::vector<Tle>> ParseTles(absl::string_view text,
                                           const std::string& filename) {
  const std::vector<std::pair<int, absl::string_view>> lines =
      NonBlankLines(text);
  // Where a missing line is reported: just after the last one.
  const int end_line = lines.empty() ? 1 : lines.back().first + 1;
  std::vector<Tle> tles;
  size_t i = 0;
  while (i < lines.size()) {
    Tle tle;
    int name_line = 0;
    const auto& [number, content] = lines[i];
    if (!absl::StartsWith(content, "1 ") && !absl::StartsWith(content, "2 ")) {
      absl::string_view name = content;
      absl::ConsumePrefix(&name, "0 ");
      tle.name = std::string(absl::StripAsciiWhitespace(name));
      name_line = number;
      ++i;
    }
    if (i >= lines.size()) {
      return Line(filename, end_line, "")
          .Error(1, absl::StrCat("expected line 1 of a TLE (starts with "
                                 "'1 ') after the name on line ",
                                 name_line, ", got the end of the file"));
    }
    const Line line1(filename, lines[i].first, lines[i].second);
    if (!absl::StartsWith(line1.text(), "1 ")) {
      return line1.Error(
          1, name_line > 0
                 ? absl::StrCat("expected line 1 of a TLE (starts with '1 ') "
                                "after the name on line ",
                                name_line)
                 : std::string("expected line 1 of a TLE (starts with '1 ')"));
    }
    if (absl::Status s = ParseLine1(line1, &tle); !s.ok()) return s;
    ++i;
    if (i >= lines.size()) {
      return Line(filename, end_line, "")
          .Error(1, absl::StrCat("expected line 2 of the TLE begun on line ",
                                 line1.number(), ", got the end of the file"));
    }
    const Line line2(filename, lines[i].first, lines[i].second);
    if (!absl::StartsWith(line2.text(), "2 ")) {
      return line2.Error(1,
                         absl::StrCat("expected line 2 of the TLE begun on "
                                      "line ",
                                      line1.number(), " (starts with '2 ')"));
    }
    if (absl::Status s = ParseLine2(line2, &tle); !s.ok()) return s;
    ++i;
    tles.push_back(std::move(tle));
  }
  return tles;
}

absl::StatusOr<std::vector<Tle>> LoadTleFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("TLE file ", path, ": cannot be opened"));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(
        absl::StrCat("TLE file ", path, ": read failed"));
  }
  return ParseTles(contents.str(), path);
}

}  // namespace orbitfl::orbit
