// Ground tracks and stations over the Earth: MapSection
// (sim/report_sections.h), and its background, EarthThumbnailPng
// (sim/report.h).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/report.h"
#include "sim/report_sections.h"
#include "sim/report_svg.h"
#include "sim/world/image_io.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace report_internal {
namespace {

std::string LonLabel(double lon) {
  if (lon == 0 || std::fabs(lon) == 180)
    return absl::StrFormat("%.0f°", std::fabs(lon));
  return absl::StrFormat("%.0f°%s", std::fabs(lon), lon < 0 ? "W" : "E");
}
std::string LatLabel(double lat) {
  if (lat == 0) return "0°";
  return absl::StrFormat("%.0f°%s", std::fabs(lat), lat < 0 ? "S" : "N");
}

double WrapLon(double lon) {
  lon = std::fmod(lon + 180, 360);
  if (lon < 0) lon += 360;
  return lon - 180;
}

constexpr int kMaxTracks = 60;
constexpr size_t kMaxTrackPoints = 600;

}  // namespace

std::string MapSection(const ReportInput& input) {
  const char* const kTitle = "Ground tracks and stations";
  if (input.ground_tracks.empty() && input.stations.empty()) {
    return Card("map", kTitle, "",
                Note("No ground tracks or stations given: no map."));
  }
  const double x0 = 40, y0 = 8, mw = 568, mh = 284;
  const double width = x0 + mw + 12, height = y0 + mh + 24;
  auto X = [&](double lon) { return x0 + (lon + 180) / 360 * mw; };
  auto Y = [&](double lat) { return y0 + (90 - lat) / 180 * mh; };
  std::string svg = SvgOpen("map", width, height, kTitle);
  absl::StrAppend(&svg, "<defs><clipPath id=\"mapclip\"><rect x=\"", F(x0),
                  "\" y=\"", F(y0), "\" width=\"", F(mw), "\" height=\"", F(mh),
                  "\"/></clipPath></defs>");
  if (!input.earth_png.empty()) {
    absl::StrAppend(&svg, "<image x=\"", F(x0), "\" y=\"", F(y0), "\" width=\"",
                    F(mw), "\" height=\"", F(mh),
                    "\" preserveAspectRatio=\"none\" href=\"data:image/png;"
                    "base64,",
                    absl::Base64Escape(input.earth_png), "\"/>");
  } else {
    absl::StrAppend(&svg, "<rect x=\"", F(x0), "\" y=\"", F(y0), "\" width=\"",
                    F(mw), "\" height=\"", F(mh), "\" fill=\"#dfeaf5\"/>");
  }
  std::string grid;
  for (int lon = -150; lon <= 150; lon += 30) {
    absl::StrAppend(&grid, "M", F(X(lon)), " ", F(y0), "V", F(y0 + mh));
  }
  for (int lat = -60; lat <= 60; lat += 30) {
    absl::StrAppend(&grid, "M", F(x0), " ", F(Y(lat)), "H", F(x0 + mw));
  }
  absl::StrAppend(&svg, "<path class=\"graticule\" d=\"", grid, "\"/>");
  for (int lon = -180; lon <= 180; lon += 60) {
    absl::StrAppend(&svg, "<text x=\"", F(X(lon)), "\" y=\"", F(y0 + mh + 15),
                    "\" text-anchor=\"middle\">", LonLabel(lon), "</text>");
  }
  for (int lat = -60; lat <= 60; lat += 30) {
    absl::StrAppend(&svg, "<text x=\"", F(x0 - 5), "\" y=\"", F(Y(lat) + 4),
                    "\" text-anchor=\"end\">", LatLabel(lat), "</text>");
  }
  const int tracks =
      std::min(static_cast<int>(input.ground_tracks.size()), kMaxTracks);
  absl::StrAppend(&svg, "<g clip-path=\"url(#mapclip)\">");
  std::vector<std::string> legend;
  for (int i = 0; i < tracks; ++i) {
    const auto& [name, points] = input.ground_tracks[i];
    if (points.empty()) continue;
    // Golden-angle hues: neighbours in the list get distant colours.
    const std::string colour =
        absl::StrFormat("hsl(%.0f,80%%,42%%)", std::fmod(i * 137.508, 360));
    const size_t stride =
        (points.size() + kMaxTrackPoints - 1) / kMaxTrackPoints;
    std::vector<std::string> segments(1);
    double prev_lon = 0, prev_lat = 0;
    for (size_t k = 0; k < points.size(); k += stride) {
      const double lon = WrapLon(points[k].lon_deg);
      const double lat = points[k].lat_deg;
      if (k > 0 && std::fabs(lon - prev_lon) > 180) {
        // Crosses the antimeridian: end at the edge, resume on the other.
        const double edge = prev_lon > 0 ? 180 : -180;
        const double next = lon + (prev_lon > 0 ? 360 : -360);
        const double frac = (edge - prev_lon) / (next - prev_lon);
        const double lat_edge = prev_lat + frac * (lat - prev_lat);
        absl::StrAppend(&segments.back(), " ", F(X(edge)), ",", F(Y(lat_edge)));
        segments.push_back(absl::StrCat(F(X(-edge)), ",", F(Y(lat_edge))));
      }
      if (!segments.back().empty()) segments.back() += ' ';
      absl::StrAppend(&segments.back(), F(X(lon)), ",", F(Y(lat)));
      prev_lon = lon;
      prev_lat = lat;
    }
    absl::StrAppend(&svg, "<g class=\"track\" stroke=\"", colour, "\"><title>",
                    Esc(name), "</title>");
    for (const std::string& s : segments) {
      absl::StrAppend(&svg, "<polyline class=\"mark\" points=\"", s, "\"/>");
    }
    svg += "</g>";
    if (input.ground_tracks.size() <= 12) {
      legend.push_back(LegendItem(colour, Esc(name), true));
    }
  }
  const bool labels = input.stations.size() <= 30;
  for (const ReportInput::Station& s : input.stations) {
    const double x = X(WrapLon(s.lon_deg)), y = Y(s.lat_deg);
    absl::StrAppend(&svg, "<g class=\"station\"><title>", Esc(s.name),
                    absl::StrFormat(" (%.2f°, %.2f°)", s.lat_deg, s.lon_deg),
                    "</title><path class=\"mark\" d=\"M", F(x), " ", F(y - 5),
                    "l4.5 8h-9z\"/>");
    if (labels) {
      // Right of the marker unless that runs off the map (11 px text is
      // about 6.2 px a character).
      const bool right = x + 8 + 6.2 * s.name.size() < x0 + mw;
      absl::StrAppend(&svg, "<text x=\"", F(x + (right ? 6 : -6)), "\" y=\"",
                      F(y + 4), "\" text-anchor=\"", right ? "start" : "end",
                      "\">", Esc(s.name), "</text>");
    }
    svg += "</g>";
  }
  absl::StrAppend(&svg, "</g><rect class=\"frame\" x=\"", F(x0), "\" y=\"",
                  F(y0), "\" width=\"", F(mw), "\" height=\"", F(mh),
                  "\"/></svg>");
  if (!input.stations.empty()) {
    legend.push_back(LegendItem(
        "#d62728", absl::StrCat(input.stations.size(), " ground stations")));
  }
  std::string notes;
  if (static_cast<int>(input.ground_tracks.size()) > tracks) {
    notes = Note(absl::StrCat("Showing the first ", tracks, " of ",
                              input.ground_tracks.size(), " ground tracks."));
  }
  return Card("map", kTitle, "Equirectangular; tracks over one orbit.",
              Legend(legend) + svg + notes);
}

}  // namespace report_internal

absl::StatusOr<std::string> EarthThumbnailPng(const std::string& image_path,
                                              int width, Env* env) {
  if (width < 2 || width > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("thumbnail width: expected 2..4096 pixels, got ", width));
  }
  ORBITFL_ASSIGN_OR_RETURN(std::string bytes, env->ReadFile(image_path));
  ORBITFL_ASSIGN_OR_RETURN(world::Image image,
                           world::DecodeImage(bytes, image_path));
  image = world::DropAlpha(image);
  const int height =
      std::max(1, static_cast<int>(std::lround(static_cast<double>(width) *
                                               image.height / image.width)));
  if (width > image.width) {
    return absl::InvalidArgumentError(
        absl::StrCat(image_path, ": ", image.width,
                     " pixels wide, smaller than the thumbnail's ", width));
  }
  world::Image out;
  out.width = width;
  out.height = height;
  out.channels = image.channels;
  out.pixels.resize(out.num_bytes());
  const int ch = image.channels;
  // Box filter: each output pixel averages the source pixels it covers.
  for (int y = 0; y < height; ++y) {
    const int sy0 =
        static_cast<int>(static_cast<int64_t>(y) * image.height / height);
    const int sy1 = std::max(
        sy0 + 1,
        static_cast<int>(static_cast<int64_t>(y + 1) * image.height / height));
    for (int x = 0; x < width; ++x) {
      const int sx0 =
          static_cast<int>(static_cast<int64_t>(x) * image.width / width);
      const int sx1 = std::max(
          sx0 + 1,
          static_cast<int>(static_cast<int64_t>(x + 1) * image.width / width));
      for (int c = 0; c < ch; ++c) {
        int64_t sum = 0;
        for (int sy = sy0; sy < sy1; ++sy) {
          const uint8_t* row =
              image.pixels.data() + static_cast<size_t>(sy) * image.width * ch;
          for (int sx = sx0; sx < sx1; ++sx) sum += row[sx * ch + c];
        }
        const double mean =
            static_cast<double>(sum) / ((sy1 - sy0) * (sx1 - sx0));
        // Faded a quarter toward white, and 4-level steps: tracks stand
        // out, and the PNG compresses to about half.
        const int faded =
            static_cast<int>(std::lround(0.75 * mean + 0.25 * 255));
        out.pixels[(static_cast<size_t>(y) * width + x) * ch + c] =
            static_cast<uint8_t>(std::min(255, faded / 4 * 4));
      }
    }
  }
  return world::EncodePng(out);
}

}  // namespace orbitfl::sim
