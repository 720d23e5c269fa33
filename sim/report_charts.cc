// The run-comparison plots: AccuracySection, StalenessSection, LinksSection
// and ParticipationSection (sim/report_sections.h).

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/report_sections.h"
#include "sim/report_svg.h"
#include "sim/time_format.h"

namespace orbitfl::sim::report_internal {
namespace {

// Keeps at most about 4 points per pixel column (first, min, max, last), so
// very long series stay small; short series are kept whole.
std::vector<std::pair<double, double>> Decimate(
    const std::vector<std::pair<double, double>>& points, int columns) {
  if (points.size() <= static_cast<size_t>(4 * columns)) return points;
  std::vector<std::pair<double, double>> out;
  size_t i = 0;
  while (i < points.size()) {
    const long column = std::lround(points[i].first);
    size_t j = i, lo = i, hi = i;
    while (j < points.size() && std::lround(points[j].first) == column) {
      if (points[j].second < points[lo].second) lo = j;
      if (points[j].second > points[hi].second) hi = j;
      ++j;
    }
    std::vector<size_t> keep = {i, lo, hi, j - 1};
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    for (size_t k : keep) out.push_back(points[k]);
    i = j;
  }
  return out;
}

// A dashed line across the plot at accuracy `target` (0..1), labelled
// "target 60%" at its right end: below the line, where the curves have
// usually risen past it, unless that would run into the x axis.
std::string TargetLine(const Frame& f, double target) {
  const double percent = target * 100;
  const std::string label = std::fabs(percent - std::round(percent)) < 1e-6
                                ? absl::StrFormat("target %.0f%%", percent)
                                : absl::StrFormat("target %.1f%%", percent);
  const double y = f.Y(percent);
  const double label_y = y + 14 < f.y0() ? y + 13 : y - 5;
  return absl::StrCat(
      "<g class=\"target\"><line x1=\"", F(f.x0()), "\" x2=\"", F(f.x1()),
      "\" y1=\"", F(y), "\" y2=\"", F(y),
      "\" stroke=\"#57606a\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/>"
      "<text x=\"",
      F(f.x1() - 4), "\" y=\"", F(label_y), "\" text-anchor=\"end\">", label,
      "</text></g>");
}

// Beyond this many satellites, consecutive ones share a participation bar.
constexpr int kMaxParticipationSlots = 80;

}  // namespace

// ----- accuracy

std::string AccuracySection(const std::vector<RunData>& runs) {
  double max_hours = 0, lo = 1, hi = 0;
  bool any = false;
  for (const RunData& run : runs) {
    for (size_t i = 0; i < run.metrics.hours.size(); ++i) {
      any = true;
      max_hours = std::max(max_hours, run.metrics.hours[i]);
      lo = std::min(lo, run.metrics.accuracy[i]);
      hi = std::max(hi, run.metrics.accuracy[i]);
    }
  }
  const std::string missing = MissingNote(runs, &RunData::has_metrics,
                                          "metrics.csv", "no accuracy curve");
  if (!any) {
    return Card(
        "accuracy", "Accuracy over simulated time", "",
        AnyHas(runs, &RunData::has_metrics)
            ? Note("No evaluations in metrics.csv: nothing to plot.") + missing
            : missing);
  }
  // The first run's target: the y axis always shows it.
  const std::optional<double> target = runs.front().target_accuracy;
  if (target) {
    lo = std::min(lo, *target);
    hi = std::max(hi, *target);
  }
  Frame f{
      620,
      330,
      54,
      18,
      12,
      42,
      TimeAxis(max_hours, 8),
      NiceAxis(std::max(0.0, lo * 100 - 2), std::min(100.0, hi * 100 + 2), 6)};
  std::string svg =
      SvgOpen("accuracy", f.width, f.height, "Accuracy against simulated time");
  svg += Axes(
      f, "Simulated time (h)", "Test accuracy (%)",
      [&](double v) { return TickText(v, f.x.step); },
      [&](double v) { return TickText(v, f.y.step); });
  if (target) svg += TargetLine(f, *target);
  std::vector<std::string> legend;
  for (const RunData& run : runs) {
    const MetricsSeries& m = run.metrics;
    if (m.hours.empty()) continue;
    std::vector<std::pair<double, double>> points;
    points.reserve(m.hours.size());
    for (size_t i = 0; i < m.hours.size(); ++i) {
      points.emplace_back(f.X(m.hours[i]), f.Y(m.accuracy[i] * 100));
    }
    points = Decimate(points, static_cast<int>(f.x1() - f.x0()));
    std::string coords;
    for (const auto& [x, y] : points) {
      if (!coords.empty()) coords += ' ';
      absl::StrAppend(&coords, F(x), ",", F(y));
    }
    absl::StrAppend(&svg, "<polyline class=\"mark series\" data-series=\"",
                    Esc(run.label), "\" fill=\"none\" stroke=\"", run.colour,
                    "\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"",
                    coords, "\"><title>", Esc(run.label), ": final ",
                    FormatPercent(m.accuracy.back()), "</title></polyline>");
    if (points.size() <= 60) {
      for (const auto& [x, y] : points) {
        absl::StrAppend(&svg, "<circle cx=\"", F(x), "\" cy=\"", F(y),
                        "\" r=\"2.6\" fill=\"", run.colour, "\"/>");
      }
    }
    legend.push_back(
        LegendItem(run.colour,
                   absl::StrCat(Esc(run.label), " <small>final ",
                                FormatPercent(m.accuracy.back()), "</small>"),
                   true));
  }
  svg += "</svg>";
  return Card("accuracy", "Accuracy over simulated time",
              "Global model on the held-out test set, at every evaluation.",
              Legend(legend) + svg + missing);
}

// ----- staleness

std::string StalenessSection(const std::vector<RunData>& runs) {
  const char* const kTitle = "Staleness of applied updates";
  const std::string missing =
      MissingNote(runs, &RunData::has_updates, "updates.csv", "not shown");
  double max_s = -1;
  for (const RunData& run : runs) {
    for (double s : run.staleness) max_s = std::max(max_s, s);
  }
  if (max_s < 0) {
    return Card("staleness", kTitle, "",
                AnyHas(runs, &RunData::has_updates)
                    ? Note("No applied updates in updates.csv.") + missing
                    : missing);
  }
  // At most 30 bins of whole versions.
  const int width = std::max(1, static_cast<int>(std::ceil((max_s + 1) / 30)));
  const int nbins = static_cast<int>(max_s) / width + 1;
  BarChart c;
  c.id = "staleness";
  c.title = kTitle;
  c.x_title = "Staleness (global versions behind)";
  c.y_title = "Share of updates (%)";
  for (int b = 0; b < nbins; ++b) {
    c.slot_labels.push_back(
        width == 1 ? absl::StrCat(b)
                   : absl::StrCat(b * width, "–", b * width + width - 1));
  }
  std::vector<std::string> legend;
  for (const RunData& run : runs) {
    if (run.staleness.empty()) continue;
    std::vector<double> counts(nbins, 0);
    double sum = 0;
    for (double s : run.staleness) {
      counts[static_cast<int>(s) / width] += 1;
      sum += s;
    }
    const double n = static_cast<double>(run.staleness.size());
    std::vector<std::string> tips;
    for (int b = 0; b < nbins; ++b) {
      tips.push_back(absl::StrFormat("%s, staleness %s: %.0f updates (%.1f%%)",
                                     run.label, c.slot_labels[b], counts[b],
                                     100 * counts[b] / n));
      counts[b] = 100 * counts[b] / n;
    }
    c.values.push_back(std::move(counts));
    c.tooltips.push_back(std::move(tips));
    c.colours.push_back(run.colour);
    std::string text =
        absl::StrCat(Esc(run.label), " <small>", GroupThousands(n),
                     " updates, mean ", absl::StrFormat("%.2f", sum / n));
    if (run.hops.size() == run.staleness.size()) {
      double relayed = 0;
      for (double h : run.hops) relayed += h > 0 ? 1 : 0;
      absl::StrAppend(&text, ", ", FormatPercent(relayed / n),
                      " relayed over ISL");
    }
    legend.push_back(LegendItem(run.colour, text + "</small>"));
  }
  const std::string svg =
      DrawBars(c, Frame{620, 290, 54, 12, 10, 46, Axis{}, Axis{}});
  return Card("staleness", kTitle,
              "How many global versions an update's base model lagged when it "
              "was applied.",
              Legend(legend) + svg + missing);
}

// ----- bytes per link kind

std::string LinksSection(const std::vector<RunData>& runs) {
  const char* const kTitle = "Bytes per link kind";
  const std::string missing =
      MissingNote(runs, &RunData::has_links, "links.csv", "not shown");
  std::vector<std::string> kinds = {"downlink", "uplink", "isl", "backhaul"};
  std::vector<bool> used(4, false);
  bool any = false;
  for (const RunData& run : runs) {
    for (const LinkRow& l : run.links) {
      any = true;
      auto it = std::find(kinds.begin(), kinds.end(), l.kind);
      if (it == kinds.end()) {
        kinds.push_back(l.kind);
        used.push_back(true);
      } else {
        used[it - kinds.begin()] = true;
      }
    }
  }
  if (!any) {
    return Card("links", kTitle, "",
                AnyHas(runs, &RunData::has_links)
                    ? Note("links.csv has no rows.") + missing
                    : missing);
  }
  // The four standard kinds always show, so runs line up across reports.
  BarChart c;
  c.id = "links";
  c.title = kTitle;
  c.x_title = "Link kind";
  c.slot_labels = kinds;
  double max_bytes = 0;
  std::vector<std::string> legend;
  for (const RunData& run : runs) {
    if (run.links.empty()) continue;
    std::vector<double> bytes(kinds.size(), 0);
    std::vector<std::string> tips(kinds.size());
    for (const LinkRow& l : run.links) {
      const size_t k =
          std::find(kinds.begin(), kinds.end(), l.kind) - kinds.begin();
      bytes[k] += l.bytes;
      max_bytes = std::max(max_bytes, bytes[k]);
      std::string tip =
          absl::StrCat(run.label, ", ", l.kind, ": ", FormatBytes(l.bytes));
      if (l.windows)
        absl::StrAppend(&tip, " in ", GroupThousands(*l.windows), " windows");
      if (l.open_s) absl::StrAppend(&tip, ", open ", FormatDuration(*l.open_s));
      if (l.busy_s) absl::StrAppend(&tip, ", busy ", FormatDuration(*l.busy_s));
      if (l.utilisation) {
        absl::StrAppend(&tip, ", utilisation ", FormatPercent(*l.utilisation));
      }
      tips[k] = tip;
    }
    c.values.push_back(std::move(bytes));
    c.tooltips.push_back(std::move(tips));
    c.colours.push_back(run.colour);
    legend.push_back(LegendItem(run.colour, Esc(run.label)));
  }
  // Ticks in one decimal unit, e.g. "MB".
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  double scale = 1;
  while (max_bytes / scale >= 1000 && unit < 4) {
    scale *= 1000;
    ++unit;
  }
  for (auto& series : c.values) {
    for (double& v : series) v /= scale;
  }
  c.y_title = absl::StrCat("Bytes (", kUnits[unit], ")");
  const Frame f{620, 290, 54, 12, 10, 42, Axis{}, Axis{}};
  return Card("links", kTitle,
              "Payload bytes carried per kind of link (hover a bar for windows "
              "and utilisation).",
              Legend(legend) + DrawBars(c, f) + missing);
}

// ----- participation

std::string ParticipationSection(const std::vector<RunData>& runs) {
  const char* const kTitle = "Participation per satellite";
  const std::string missing = MissingNote(runs, &RunData::has_participation,
                                          "participation.csv", "not shown");
  std::vector<std::string> sats;
  {
    std::unordered_map<std::string, bool> seen;
    for (const RunData& run : runs) {
      for (const ParticipationRow& p : run.participation) {
        if (seen.emplace(p.satellite, true).second) sats.push_back(p.satellite);
      }
    }
  }
  if (sats.empty()) {
    return Card("participation", kTitle, "",
                AnyHas(runs, &RunData::has_participation)
                    ? Note("participation.csv has no rows.") + missing
                    : missing);
  }
  std::sort(sats.begin(), sats.end(), NaturalLess);
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < sats.size(); ++i) index[sats[i]] = static_cast<int>(i);
  // Many satellites: consecutive ones share a bar (their mean).
  const int group = static_cast<int>(
      (sats.size() + kMaxParticipationSlots - 1) / kMaxParticipationSlots);
  const int slots = static_cast<int>((sats.size() + group - 1) / group);
  BarChart c;
  c.id = "participation";
  c.title = kTitle;
  c.x_title = group == 1 ? "Satellite"
                         : absl::StrCat("Satellites, ", group, " per bar");
  c.y_title = group == 1 ? "Updates applied" : "Updates applied (mean)";
  for (int k = 0; k < slots; ++k) {
    c.slot_labels.push_back(sats[k * group]);
  }
  std::vector<std::string> legend;
  for (const RunData& run : runs) {
    if (run.participation.empty()) continue;
    std::vector<double> sum(slots, 0), members(slots, 0);
    std::vector<std::string> tips(slots);
    int contributed = 0;
    for (const ParticipationRow& p : run.participation) {
      const int k = index[p.satellite] / group;
      sum[k] += p.updates_applied;
      members[k] += 1;
      contributed += p.updates_applied > 0 ? 1 : 0;
      if (group == 1) {
        std::string tip =
            absl::StrCat(run.label, ", ", p.satellite, ": ",
                         GroupThousands(p.updates_applied), " updates applied");
        if (p.updates_sent)
          absl::StrAppend(&tip, " of ", GroupThousands(*p.updates_sent),
                          " sent");
        if (p.trainings)
          absl::StrAppend(&tip, ", ", GroupThousands(*p.trainings),
                          " trainings");
        if (p.bytes_up)
          absl::StrAppend(&tip, ", ", FormatBytes(*p.bytes_up), " up");
        if (p.bytes_down)
          absl::StrAppend(&tip, ", ", FormatBytes(*p.bytes_down), " down");
        tips[k] = tip;
      }
    }
    for (int k = 0; k < slots; ++k) {
      if (members[k] > 0) sum[k] /= members[k];
      if (group > 1) {
        tips[k] = absl::StrFormat(
            "%s, %s … %s: %.1f updates applied (mean)", run.label,
            sats[k * group],
            sats[std::min<size_t>(sats.size(), (k + 1) * group) - 1], sum[k]);
      }
    }
    c.values.push_back(std::move(sum));
    c.tooltips.push_back(std::move(tips));
    c.colours.push_back(run.colour);
    legend.push_back(LegendItem(
        run.colour, absl::StrCat(Esc(run.label), " <small>", contributed,
                                 " of ", run.participation.size(),
                                 " satellites had an update applied</small>")));
  }
  const Frame f{620, 290, 54, 12, 10, 52, Axis{}, Axis{}};
  return Card("participation", kTitle,
              "Updates from each satellite that reached the global model.",
              Legend(legend) + DrawBars(c, f) + missing);
}

}  // namespace orbitfl::sim::report_internal
