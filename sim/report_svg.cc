#include "sim/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace orbitfl::sim::report_internal {
namespace {

double NiceStep(double raw) {
  if (!(raw > 0)) return 1;
  const double power = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

}  // namespace

// ---------------------------------------------------------------- text

std::string Esc(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string F(double v) {
  std::string s = absl::StrFormat("%.1f", v);
  if (absl::EndsWith(s, ".0")) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

std::string GroupThousands(double v) {
  std::string digits = absl::StrFormat("%.0f", std::fabs(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 && digits != "0" ? "-" : "") + out;
}

std::string FormatBytes(double bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (std::fabs(bytes) >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  if (unit == 0) return absl::StrFormat("%.0f B", bytes);
  const char* format = std::fabs(bytes) < 10    ? "%.2f %s"
                       : std::fabs(bytes) < 100 ? "%.1f %s"
                                                : "%.0f %s";
  return absl::StrFormat(format, bytes, kUnits[unit]);
}

std::string FormatPercent(double fraction) {
  return absl::StrFormat("%.1f%%", fraction * 100);
}

std::string FormatMinute(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = absl::ascii_isdigit(static_cast<unsigned char>(a[i]));
    const bool db = absl::ascii_isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t ie = i, je = j;
      while (ie < a.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(a[ie])))
        ++ie;
      while (je < b.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(b[je])))
        ++je;
      size_t is = i, js = j;
      while (is + 1 < ie && a[is] == '0') ++is;
      while (js + 1 < je && b[js] == '0') ++js;
      if (ie - is != je - js) return ie - is < je - js;
      const int c = a.compare(is, ie - is, b, js, je - js);
      if (c != 0) return c < 0;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;
}

// ---------------------------------------------------------------- axes

Axis NiceAxis(double lo, double hi, int ticks) {
  if (!(hi > lo)) hi = lo + 1;
  Axis a;
  a.step = NiceStep((hi - lo) / ticks);
  a.lo = std::floor(lo / a.step + 1e-9) * a.step;
  a.hi = std::ceil(hi / a.step - 1e-9) * a.step;
  if (a.hi <= a.lo) a.hi = a.lo + a.step;
  return a;
}

Axis TimeAxis(double hi, int ticks) {
  Axis a = NiceAxis(0, hi, ticks);
  if (hi > 0) a.hi = hi;
  return a;
}

std::string TickText(double v, double step) {
  const int decimals =
      std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  if (std::fabs(v) < step * 1e-6) v = 0;
  return absl::StrFormat("%.*f", decimals, v);
}

std::string SvgOpen(absl::string_view plot, double width, double height,
                    absl::string_view label) {
  return absl::StrCat("<svg class=\"plot\" data-plot=\"", plot,
                      "\" viewBox=\"0 0 ", F(width), " ", F(height),
                      "\" role=\"img\" aria-label=\"", Esc(label), "\">");
}

std::string Axes(const Frame& f, absl::string_view x_title,
                 absl::string_view y_title, const TickFormat& x_label,
                 const TickFormat& y_label) {
  std::string out = "<g class=\"axes\">";
  for (double v : f.y.Ticks()) {
    const std::string y = F(f.Y(v));
    absl::StrAppend(&out, "<line class=\"gl\" x1=\"", F(f.x0()), "\" x2=\"",
                    F(f.x1()), "\" y1=\"", y, "\" y2=\"", y, "\"/>",
                    "<text x=\"", F(f.x0() - 6), "\" y=\"", F(f.Y(v) + 4),
                    "\" text-anchor=\"end\">", Esc(y_label(v)), "</text>");
  }
  if (x_label) {
    for (double v : f.x.Ticks()) {
      const std::string x = F(f.X(v));
      absl::StrAppend(&out, "<line class=\"gl\" x1=\"", x, "\" x2=\"", x,
                      "\" y1=\"", F(f.y1()), "\" y2=\"", F(f.y0()), "\"/>",
                      "<text x=\"", x, "\" y=\"", F(f.y0() + 16),
                      "\" text-anchor=\"middle\">", Esc(x_label(v)), "</text>");
    }
  }
  absl::StrAppend(&out, "<path class=\"ax\" d=\"M", F(f.x0()), " ", F(f.y1()),
                  "V", F(f.y0()), "H", F(f.x1()), "\"/>");
  absl::StrAppend(&out, "<text class=\"title\" x=\"", F((f.x0() + f.x1()) / 2),
                  "\" y=\"", F(f.height - 6), "\" text-anchor=\"middle\">",
                  Esc(x_title), "</text>");
  const std::string ym = F((f.y0() + f.y1()) / 2);
  absl::StrAppend(&out, "<text class=\"title\" x=\"14\" y=\"", ym,
                  "\" text-anchor=\"middle\" transform=\"rotate(-90 14 ", ym,
                  ")\">", Esc(y_title), "</text></g>");
  return out;
}

// ---------------------------------------------------------------- bars

std::string DrawBars(const BarChart& c, Frame f) {
  double max_v = 0;
  for (const auto& series : c.values) {
    for (double v : series) max_v = std::max(max_v, v);
  }
  f.y = NiceAxis(0, max_v > 0 ? max_v : 1, 5);
  const int slots = std::max(1, static_cast<int>(c.slot_labels.size()));
  f.x = Axis{0, static_cast<double>(slots), 1};
  const double slot_w = (f.x1() - f.x0()) / slots;
  // Slot labels: rotated when they do not fit a slot, thinned so they do not
  // overlap; the frame grows to hold rotated ones (11 px text is about
  // 6.2 px a character).
  size_t longest = 1;
  for (const std::string& l : c.slot_labels) {
    longest = std::max(longest, l.size());
  }
  const double label_px = 6.2 * longest + 4;
  const bool rotate = slot_w < label_px;
  const int every = std::max(
      1, static_cast<int>(std::ceil((rotate ? 18.0 : label_px) / slot_w)));
  if (rotate) {
    const double extra = std::max(0.0, 0.65 * label_px + 30 - f.bottom);
    f.bottom += extra;
    f.height += extra;
  }
  std::string svg = SvgOpen(c.id, f.width, f.height, c.title);
  svg += Axes(f, c.x_title, c.y_title, nullptr,
              [&](double v) { return TickText(v, f.y.step); });
  const int n = static_cast<int>(c.values.size());
  const double group_w = slot_w * (slots > 40 ? 0.95 : 0.8);
  const double bar_w = group_w / std::max(n, 1);
  for (int s = 0; s < n; ++s) {
    for (int k = 0; k < static_cast<int>(c.values[s].size()); ++k) {
      const double v = c.values[s][k];
      if (!(v > 0)) continue;
      const double x = f.x0() + k * slot_w + (slot_w - group_w) / 2 + s * bar_w;
      const double y = f.Y(v);
      const double w = std::max(bar_w - (bar_w > 4 ? 1 : 0), 0.6);
      absl::StrAppend(&svg, "<rect class=\"mark\" x=\"", F(x), "\" y=\"", F(y),
                      "\" width=\"", F(w), "\" height=\"", F(f.y0() - y),
                      "\" fill=\"", c.colours[s], "\"><title>",
                      Esc(c.tooltips[s][k]), "</title></rect>");
    }
  }
  for (int k = 0; k < static_cast<int>(c.slot_labels.size()); k += every) {
    const double x = f.x0() + (k + 0.5) * slot_w;
    if (rotate) {
      const std::string at = absl::StrCat(F(x + 3), " ", F(f.y0() + 10));
      absl::StrAppend(&svg, "<text x=\"", F(x + 3), "\" y=\"", F(f.y0() + 10),
                      "\" text-anchor=\"end\" transform=\"rotate(-40 ", at,
                      ")\">", Esc(c.slot_labels[k]), "</text>");
    } else {
      absl::StrAppend(&svg, "<text x=\"", F(x), "\" y=\"", F(f.y0() + 15),
                      "\" text-anchor=\"middle\">", Esc(c.slot_labels[k]),
                      "</text>");
    }
  }
  svg += "</svg>";
  return svg;
}

}  // namespace orbitfl::sim::report_internal
