// The contact timeline: TimelineSection (sim/report_sections.h).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/report_sections.h"
#include "sim/report_svg.h"

namespace orbitfl::sim::report_internal {
namespace {

// Timeline colours (not strategy colours: they show link kinds).
constexpr char kGroundWindow[] = "#b9d3ec";
constexpr char kIslWindow[] = "#f9d2a8";
constexpr char kUpdateTransfer[] = "#1b4f8a";
constexpr char kModelTransfer[] = "#2a9d57";
constexpr char kAggregation[] = "#555";

constexpr int kMaxTimelineRows = 40;

// Intervals painted onto pixel bins of the shown rows, then written as one
// SVG path per layer: linear in the intervals plus rows x bins, and bounded
// in size however many intervals there are.
class BinLayer {
 public:
  BinLayer(int rows, int bins) : bins_(bins), diff_(rows * (bins + 1), 0) {}
  void Add(int row, double b0, double b1) {
    int first = static_cast<int>(std::floor(b0));
    int last = static_cast<int>(std::ceil(b1)) - 1;
    first = std::clamp(first, 0, bins_ - 1);
    last = std::clamp(last, first, bins_ - 1);
    ++diff_[row * (bins_ + 1) + first];
    --diff_[row * (bins_ + 1) + last + 1];
    any_ = true;
  }
  bool any() const { return any_; }
  // Rectangles of covered bins: row r spans y(r) .. y(r) + height.
  std::string Path(double x0, double bin_px,
                   const std::function<double(int)>& y, double height) const {
    std::string d;
    const int rows = static_cast<int>(diff_.size()) / (bins_ + 1);
    for (int r = 0; r < rows; ++r) {
      int depth = 0, start = -1;
      for (int b = 0; b <= bins_; ++b) {
        if (b < bins_) depth += diff_[r * (bins_ + 1) + b];
        const bool on = b < bins_ && depth > 0;
        if (on && start < 0) start = b;
        if (!on && start >= 0) {
          absl::StrAppend(&d, "M", F(x0 + start * bin_px), " ", F(y(r)), "h",
                          F((b - start) * bin_px), "v", F(height), "h-",
                          F((b - start) * bin_px), "z");
          start = -1;
        }
      }
    }
    return d;
  }

 private:
  int bins_;
  std::vector<int32_t> diff_;
  bool any_ = false;
};

}  // namespace

std::string TimelineSection(const ReportInput& input,
                            const std::vector<RunData>& runs,
                            const Timeline& tl) {
  const char* const kTitle = "Contact timeline";
  if (input.contacts_csv.empty()) {
    return Card("timeline", kTitle, "",
                Note("No contacts.csv given: no contact timeline."), true);
  }
  const RunData& first = runs.front();
  // Satellites: every one named by a contact or a transfer.
  std::vector<std::string> sats;
  {
    std::unordered_map<std::string, bool> seen;
    auto add = [&](const std::string& s) {
      if (seen.emplace(s, true).second) sats.push_back(s);
    };
    for (const Interval& c : tl.contacts) {
      add(c.a);
      if (c.isl) add(c.b);
    }
    for (const Interval& x : first.transfers) {
      add(x.a);
      if (x.isl) add(x.b);
    }
  }
  std::sort(sats.begin(), sats.end(), NaturalLess);
  if (sats.empty() || !tl.t0) {
    return Card("timeline", kTitle, "",
                Note("contacts.csv holds no windows: nothing to draw."), true);
  }
  const int total = static_cast<int>(sats.size());
  const int rows = std::min(total, kMaxTimelineRows);
  std::unordered_map<std::string, int> row_of;
  for (int r = 0; r < rows; ++r) row_of[sats[r]] = r;

  const double row_h = rows <= 16 ? 20 : 14;
  const double hours_total =
      std::max(absl::ToDoubleHours(tl.t_end - *tl.t0), 1e-3);
  Frame f{1280, 0, 118, 16, 16, 40, TimeAxis(hours_total, 12), Axis{}};
  f.height = f.top + rows * row_h + f.bottom;
  f.y = Axis{0, static_cast<double>(rows), 1};
  const int bins_per_px = 2;
  const int bins = static_cast<int>(f.x1() - f.x0()) * bins_per_px;
  const double bin_px = 1.0 / bins_per_px;
  auto bin = [&](absl::Time t) {
    return (absl::ToDoubleHours(t - *tl.t0) - f.x.lo) / (f.x.hi - f.x.lo) *
           bins;
  };
  enum { kGroundWin, kIslWin, kGroundUpd, kGroundModel, kIslUpd, kIslModel };
  std::vector<BinLayer> layers(6, BinLayer(rows, bins));
  BinLayer aggregations(1, bins);
  auto paint = [&](int layer, const Interval& iv) {
    const double b0 = bin(iv.start), b1 = bin(iv.end);
    if (b1 < 0 || b0 > bins) return;
    for (const std::string* sat : {&iv.a, &iv.b}) {
      if (sat == &iv.b && !iv.isl) break;
      auto it = row_of.find(*sat);
      if (it != row_of.end()) layers[layer].Add(it->second, b0, b1);
    }
  };
  for (const Interval& c : tl.contacts) paint(c.isl ? kIslWin : kGroundWin, c);
  for (const Interval& x : first.transfers) {
    paint(x.isl ? (x.model ? kIslModel : kIslUpd)
                : (x.model ? kGroundModel : kGroundUpd),
          x);
  }
  for (absl::Time t : first.aggregations) {
    const double b = bin(t);
    if (b >= 0 && b <= bins) aggregations.Add(0, b - 1, b + 1);
  }

  std::string svg = SvgOpen("timeline", f.width, f.height, kTitle);
  for (int r = 0; r < rows; ++r) {
    const double y = f.top + r * row_h;
    if (r % 2 == 1) {
      absl::StrAppend(&svg, "<rect class=\"stripe\" x=\"", F(f.x0()), "\" y=\"",
                      F(y), "\" width=\"", F(f.x1() - f.x0()), "\" height=\"",
                      F(row_h), "\"/>");
    }
    absl::StrAppend(&svg, "<text x=\"", F(f.x0() - 6), "\" y=\"",
                    F(y + row_h - 3.5), "\" text-anchor=\"end\">", Esc(sats[r]),
                    "</text>");
  }
  svg += Axes(
      f, absl::StrCat("Hours since ", FormatMinute(*tl.t0)), "",
      [&](double v) { return TickText(v, f.x.step); },
      [](double) { return std::string(); });
  // Ground windows and transfers in the upper half of a row, ISL in the
  // lower half.
  struct Paint {
    int layer;
    const char* colour;
    double dy, height;
    const char* title;
  };
  const double band = (row_h - 3) / 2;
  const double lower = 1.5 + band;  // top of the ISL band
  const Paint paints[] = {
      {kGroundWin, kGroundWindow, 1.5, band, "ground windows"},
      {kIslWin, kIslWindow, lower, band, "inter-satellite windows"},
      {kGroundUpd, kUpdateTransfer, 1.5 + band * 0.2, band * 0.6,
       "update transfers (ground)"},
      {kGroundModel, kModelTransfer, 1.5 + band * 0.2, band * 0.6,
       "model transfers (ground)"},
      {kIslUpd, kUpdateTransfer, lower + band * 0.2, band * 0.6,
       "update transfers (ISL)"},
      {kIslModel, kModelTransfer, lower + band * 0.2, band * 0.6,
       "model transfers (ISL)"},
  };
  for (const Paint& p : paints) {
    if (!layers[p.layer].any()) continue;
    absl::StrAppend(
        &svg, "<path class=\"mark\" data-layer=\"", p.title, "\" fill=\"",
        p.colour, "\" d=\"",
        layers[p.layer].Path(
            f.x0(), bin_px, [&](int r) { return f.top + r * row_h + p.dy; },
            p.height),
        "\"><title>", p.title, "</title></path>");
  }
  if (aggregations.any()) {
    absl::StrAppend(&svg, "<path fill=\"", kAggregation, "\" d=\"",
                    aggregations.Path(
                        f.x0(), bin_px, [&](int) { return f.top - 9; }, 6),
                    "\"><title>aggregations</title></path>");
  }
  svg += "</svg>";

  std::vector<std::string> legend = {
      LegendItem(kGroundWindow, "ground window"),
      LegendItem(kIslWindow, "inter-satellite window")};
  if (!first.transfers.empty()) {
    legend.push_back(LegendItem(kUpdateTransfer, "update transfer"));
    legend.push_back(LegendItem(kModelTransfer, "model transfer"));
  }
  if (!first.aggregations.empty()) {
    legend.push_back(LegendItem(kAggregation, "aggregation (top)"));
  }
  std::string caption = absl::StrCat(
      GroupThousands(static_cast<double>(tl.contacts.size())),
      " contact windows. Upper half of a row: ground-station passes; lower "
      "half: inter-satellite links.");
  if (first.has_events) {
    absl::StrAppend(&caption, " Transfers and aggregations of <b>",
                    Esc(first.label), "</b>.");
  }
  std::string notes;
  if (total > rows) {
    notes += Note(absl::StrCat("Showing the first ", rows, " of ", total,
                               " satellites."));
  }
  if (!first.has_events) {
    notes +=
        Note(absl::StrCat("<b>", Esc(first.label),
                          "</b> has no events.jsonl: no transfers drawn."));
  }
  return Card("timeline", kTitle, caption, Legend(legend) + svg + notes, true);
}

}  // namespace orbitfl::sim::report_internal
