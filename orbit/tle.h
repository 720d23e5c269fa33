#ifndef ORBITFL_ORBIT_TLE_H_
#define ORBITFL_ORBIT_TLE_H_

// NORAD two-line element sets: parsing of 2- and 3-line files as CelesTrak
// serves them, and formatting of designed orbits as TLEs. Column layout and
// checksum rule: Hoots & Roehrich, Spacetrack Report #3 (1980), and
// CelesTrak's "NORAD Two-Line Element Set Format" (Kelso).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace orbitfl::orbit {

// One element set, with the fields as the TLE carries them (mean elements
// in the SGP4 sense: use them with SGP4 only).
struct Tle {
  std::string name;  // the name line, "" for a 2-line set
  // NORAD catalog number, 0..339999 (above 99999 written in Alpha-5 form,
  // a letter A-Z without I and O followed by four digits).
  int catalog_number = 0;
  char classification = 'U';             // U, C or S
  std::string international_designator;  // e.g. "98067A", may be ""
  // The epoch as an instant (UTC), and the same epoch as the TLE writes it:
  // four-digit year (two-digit years 57..99 are 1957..1999, 00..56 are
  // 2000..2056) and day of year with fraction, 1.0 = 1 January 00:00 UTC.
  // SetTleEpoch keeps the three consistent.
  absl::Time epoch;
  int epoch_year = 2000;
  double epoch_day = 1.0;
  // Line 1 carries the first derivative of mean motion divided by two and
  // the second divided by six; they are stored as written. SGP4 does not
  // use them.
  double mean_motion_dot_over_2_rev_per_day2 = 0;
  double mean_motion_ddot_over_6_rev_per_day3 = 0;
  double bstar_per_earth_radius = 0;   // SGP4 drag term B*, 1/Earth radii
  double inclination_deg = 0;          // [0, 180]
  double raan_deg = 0;                 // [0, 360]
  double eccentricity = 0;             // [0, 1)
  double arg_perigee_deg = 0;          // [0, 360]
  double mean_anomaly_deg = 0;         // [0, 360]
  double mean_motion_rev_per_day = 0;  // (0, kMaxTleMeanMotionRevPerDay]
  int element_set_number = 0;          // 0..9999
  int revolution_number = 0;           // at epoch, 0..99999
};

// A mean motion above this puts the whole orbit inside the Earth (semi-major
// axis below the WGS-72 equatorial radius), so no TLE carries one.
inline constexpr double kMaxTleMeanMotionRevPerDay = 17.0436;

// Parses every element set in `text`, which holds 2-line sets, 3-line sets
// (a name line first) or a mix. A leading "0 " on a name line is stripped
// (space-track's 3LE form); blank lines, trailing blanks and CRLF line ends
// are tolerated. Every other deviation is an InvalidArgument of the form
// "<filename>:<line>:<column>: <reason>", e.g.
//   "sats.tle:7:69: checksum is 3, expected 5"
//   "sats.tle:4:1: expected line 1 of a TLE (starts with '1 ')"
// Checked: line lengths (69 columns), blanks between fields, every field's
// syntax (named in the message), the checksum of each line (column 69: the
// sum of the digits of columns 1-68, '-' counting 1, modulo 10), equal
// catalog numbers on both lines, and ranges (epoch day, angles,
// eccentricity in [0, 1), mean motion in (0, kMaxTleMeanMotionRevPerDay]).
absl::StatusOr<std::vector<Tle>> ParseTles(absl::string_view text,
                                           const std::string& filename);

// Reads and parses a TLE file; NotFound naming the path when it cannot be
// opened. Library code below sim/ has no Env; sim/ should read through its
// Env and call ParseTles.
absl::StatusOr<std::vector<Tle>> LoadTleFile(const std::string& path);

// The element set as TLE text: a name line (omitted when the name is empty)
// and lines 1 and 2 with valid checksums, each ending in '\n'. Values are
// rounded to the precision of their columns (epoch to 1e-8 day, angles to
// 1e-4 deg, eccentricity to 1e-7, mean motion to 1e-8 rev/day, B* and the
// second derivative to 5 significant digits). Requires ValidateTle(tle) to
// be OK; otherwise the text may not parse.
std::string FormatTle(const Tle& tle);

// OK when FormatTle can write `tle` and ParseTles reads it back; otherwise
// InvalidArgument naming the field and its allowed range.
absl::Status ValidateTle(const Tle& tle);

// The instant of a TLE epoch (four-digit year, day of year 1.0 = 1 January
// 00:00 UTC).
absl::Time TleEpochTime(int year, double day_of_year);

// Sets tle->epoch to `epoch` and epoch_year/epoch_day to match it.
void SetTleEpoch(absl::Time epoch, Tle* tle);

// The checksum digit of a TLE line: digits of the first 68 columns summed,
// '-' counting 1, modulo 10.
int TleChecksum(absl::string_view line);

}  // namespace orbitfl::orbit

#endif  // ORBITFL_ORBIT_TLE_H_
