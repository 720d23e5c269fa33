#include "sim/csv_table.h"

#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sim/time_format.h"

namespace orbitfl::sim {
namespace {

// Splits `text` into records of fields, with the 1-based line each record
// starts on. Quotes follow RFC 4180.
absl::Status SplitRecords(absl::string_view text, const std::string& name,
                          std::vector<std::vector<std::string>>* records,
                          std::vector<int>* record_lines) {
  std::vector<std::string> fields;
  std::string field;
  bool in_quotes = false;
  bool quoted = false;  // this field began with a quote
  bool record_blank = true;
  int line = 1;
  int record_line = 1;
  auto end_record = [&]() {
    if (record_blank && fields.empty() && field.empty() && !quoted) return;
    fields.push_back(std::move(field));
    records->push_back(std::move(fields));
    record_lines->push_back(record_line);
    fields.clear();
    field.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_quotes) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (ch == '\n') ++line;
        field += ch;
      }
      continue;
    }
    switch (ch) {
      case '"':
        if (!field.empty() || quoted) {
          return absl::InvalidArgumentError(absl::StrCat(
              name, ": line ", line, ": a quote inside an unquoted field"));
        }
        in_quotes = quoted = true;
        record_blank = false;
        break;
      case ',':
        fields.push_back(std::move(field));
        field.clear();
        quoted = false;
        record_blank = false;
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;
        field += ch;
        record_blank = false;
        break;
      case '\n':
        end_record();
        quoted = false;
        record_blank = true;
        record_line = ++line;
        break;
      default:
        if (quoted) {
          return absl::InvalidArgumentError(absl::StrCat(
              name, ": line ", line, ": text after a closing quote"));
        }
        field += ch;
        record_blank = false;
    }
  }
  if (in_quotes) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": line ", record_line, ": a quoted field is not closed"));
  }
  end_record();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CsvTable> CsvTable::Parse(absl::string_view text,
                                         std::string name) {
  std::vector<std::vector<std::string>> records;
  std::vector<int> lines;
  absl::Status split = SplitRecords(text, name, &records, &lines);
  if (!split.ok()) return split;
  if (records.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": empty, expected a header line"));
  }
  CsvTable table;
  table.name_ = std::move(name);
  table.header_ = std::move(records[0]);
  const size_t width = table.header_.size();
  table.cells_.reserve((records.size() - 1) * width);
  table.lines_.reserve(records.size() - 1);
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != width) {
      return absl::InvalidArgumentError(
          absl::StrCat(table.name_, ": line ", lines[r], ": expected ", width,
                       " fields as in the header, got ", records[r].size()));
    }
    for (std::string& cell : records[r]) {
      table.cells_.push_back(std::move(cell));
    }
    table.lines_.push_back(lines[r]);
  }
  return table;
}

int CsvTable::FindColumn(absl::string_view column) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == column) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<int> CsvTable::RequireColumn(absl::string_view column) const {
  const int index = FindColumn(column);
  if (index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": line 1: the header has no column \"", column, "\""));
  }
  return index;
}

absl::Status CsvTable::RowError(int row, int column,
                                absl::string_view what) const {
  return absl::InvalidArgumentError(absl::StrCat(
      name_, ": line ", lines_[row], ": column ", header_[column], ": ", what));
}

absl::StatusOr<double> CsvTable::Double(int row, int column) const {
  const std::string& text = Cell(row, column);
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
    return RowError(row, column,
                    absl::StrCat("expected a number, got \"", text, "\""));
  }
  return value;
}

absl::StatusOr<int64_t> CsvTable::Int(int row, int column) const {
  const std::string& text = Cell(row, column);
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return RowError(row, column,
                    absl::StrCat("expected an integer, got \"", text, "\""));
  }
  return value;
}

absl::StatusOr<absl::Time> CsvTable::Time(int row, int column) const {
  const std::string& text = Cell(row, column);
  absl::StatusOr<absl::Time> t = ParseUtc(text);
  if (!t.ok()) {
    return RowError(row, column,
                    absl::StrCat("expected an ISO 8601 UTC time like "
                                 "2026-03-20T00:00:00.000Z, got \"",
                                 text, "\""));
  }
  return t;
}

}  // namespace orbitfl::sim
