#ifndef ORBITFL_SIM_REPORT_SVG_H_
#define ORBITFL_SIM_REPORT_SVG_H_

// What report.html's plots are drawn with: escaping, number and time
// formatting, axes and their scales, and grouped bar charts. Everything here
// returns markup or text; nothing knows about runs.
//
// Internal to the report (sim/report.h): only sim/report*.cc include this.

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace orbitfl::sim::report_internal {

// ---------------------------------------------------------------- text

// For HTML text and attribute values: & < > " and ' as entities.
std::string Esc(absl::string_view text);

// An SVG coordinate: one decimal, no trailing ".0", no "-0".
std::string F(double v);

// "1,234,567" (rounded to a whole number).
std::string GroupThousands(double v);

// Decimal (SI) units, as network rates are quoted: "486 MB", "3.20 kB".
std::string FormatBytes(double bytes);

// 0.8069 -> "80.7%".
std::string FormatPercent(double fraction);

// "2026-03-20 06:30 UTC".
std::string FormatMinute(absl::Time t);

// "SAT-2" before "SAT-10": digit runs compare as numbers.
bool NaturalLess(const std::string& a, const std::string& b);

// ---------------------------------------------------------------- axes

struct Axis {
  double lo = 0;
  double hi = 1;
  double step = 1;

  std::vector<double> Ticks() const {
    std::vector<double> ticks;
    const int n = static_cast<int>(std::floor((hi - lo) / step + 1e-6));
    for (int i = 0; i <= n; ++i) ticks.push_back(lo + i * step);
    return ticks;
  }
};

// [lo, hi] widened to whole steps, about `ticks` of them.
Axis NiceAxis(double lo, double hi, int ticks);

// From 0 to exactly `hi` (a time axis ends where the data ends), with ticks
// at nice steps inside.
Axis TimeAxis(double hi, int ticks);

// A tick label with as many decimals as the step needs.
std::string TickText(double v, double step);

// A plot's size and margins in SVG units, and its scales.
struct Frame {
  double width, height, left, right, top, bottom;
  Axis x, y;

  double x0() const { return left; }
  double x1() const { return width - right; }
  double y0() const { return height - bottom; }  // the bottom edge
  double y1() const { return top; }
  double X(double v) const {
    return left + (v - x.lo) / (x.hi - x.lo) * (x1() - x0());
  }
  double Y(double v) const {
    return y0() - (v - y.lo) / (y.hi - y.lo) * (y0() - y1());
  }
};

using TickFormat = std::function<std::string(double)>;

// The opening <svg> tag of plot `plot` (its data-plot attribute, which the
// headless-browser test reads).
std::string SvgOpen(absl::string_view plot, double width, double height,
                    absl::string_view label);

// Grid lines, ticks, labels and titles. No x ticks when `x_label` is null
// (category axes label themselves).
std::string Axes(const Frame& f, absl::string_view x_title,
                 absl::string_view y_title, const TickFormat& x_label,
                 const TickFormat& y_label);

// ---------------------------------------------------------------- bars

// Bars of `values[series][slot]` grouped by slot, one colour per series.
struct BarChart {
  std::string id, title, x_title, y_title;
  std::vector<std::string> slot_labels;
  std::vector<std::string> colours;
  std::vector<std::vector<double>> values;
  std::vector<std::vector<std::string>> tooltips;  // same shape as values
};

// The chart as one <svg>: the y axis from 0 to the largest value; `f`'s
// axes are set here, and its bottom margin grows for rotated slot labels.
std::string DrawBars(const BarChart& c, Frame f);

}  // namespace orbitfl::sim::report_internal

#endif  // ORBITFL_SIM_REPORT_SVG_H_
