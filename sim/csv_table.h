#ifndef ORBITFL_SIM_CSV_TABLE_H_
#define ORBITFL_SIM_CSV_TABLE_H_

// A CSV file read whole: a header line of column names, then rows with as
// many fields each. Columns are found by name, so readers tolerate columns
// they do not know and any column order. Fields may be quoted ("a,b", with ""
// for a quote); lines end in LF or CRLF. Every error names the file and the
// 1-based line.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace orbitfl::sim {

class CsvTable {
 public:
  // `name` is the file named in errors ("runs/a/metrics.csv"). Empty `text`
  // is an error (there is no header); blank lines are skipped.
  // InvalidArgument naming `name` and the line for a row with another number
  // of fields than the header, or an unterminated quote.
  static absl::StatusOr<CsvTable> Parse(absl::string_view text,
                                        std::string name);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& header() const { return header_; }
  int num_rows() const { return static_cast<int>(lines_.size()); }
  int num_columns() const { return static_cast<int>(header_.size()); }

  // The column's index, or -1 when the header has no such column.
  int FindColumn(absl::string_view column) const;
  // InvalidArgument naming the file and the column when it is missing.
  absl::StatusOr<int> RequireColumn(absl::string_view column) const;

  const std::string& Cell(int row, int column) const {
    return cells_[static_cast<size_t>(row) * header_.size() + column];
  }
  // The 1-based line of `row` in the file (the header is line 1).
  int Line(int row) const { return lines_[row]; }

  // The cell as a finite number / integer / ISO 8601 UTC time.
  // InvalidArgument "FILE: line N: column C: expected ..., got \"text\"".
  absl::StatusOr<double> Double(int row, int column) const;
  absl::StatusOr<int64_t> Int(int row, int column) const;
  absl::StatusOr<absl::Time> Time(int row, int column) const;

  // InvalidArgument naming the file, the row's line and `column`'s name.
  absl::Status RowError(int row, int column, absl::string_view what) const;

 private:
  std::string name_;
  std::vector<std::string> header_;
  std::vector<std::string> cells_;  // row-major
  std::vector<int> lines_;
};

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_CSV_TABLE_H_
