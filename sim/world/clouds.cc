#include "sim/world/clouds.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "sim/world/land_cover.h"
#include "sim/world/noise.h"

namespace orbitfl::world {
namespace {

// Octaves of the cloud noise: synoptic systems, mesoscale bands, cloud
// streets and cells. Weights fall with scale so large systems dominate.
constexpr int kOctaves = 6;
constexpr std::array<double, kOctaves> kOctaveKm = {1200, 400, 120,
                                                    35,   10,  3};
constexpr std::array<float, kOctaves> kOctaveWeight = {1.0f,  0.7f,  0.5f,
                                                       0.35f, 0.25f, 0.15f};

// Standard deviation of one octave of value noise: lattice values uniform
// on [-1, 1] (variance 1/3) times the mean squared smoothstep weights of a
// bilinear blend, (integral of (1-s)^2 + s^2 over the cell = 26/35) per
// axis.
double OctaveStddev() {
  constexpr double kAxis = 26.0 / 35.0;
  return std::sqrt(kAxis * kAxis / 3.0);
}

double FieldStddev() {
  double sum_sq = 0;
  for (float w : kOctaveWeight) sum_sq += static_cast<double>(w) * w;
  return OctaveStddev() * std::sqrt(sum_sq);
}

// Deserts see a fraction of the cloud of their latitude (the Sahara's mean
// cover is ~0.1-0.2 against ~0.45 for its zone).
constexpr double kDesertDrying = 0.6;

constexpr int kDryCols = 180;  // 2-degree boxes
constexpr int kDryRows = 90;

uint64_t OctaveKey(uint64_t seed, int octave, int64_t slice) {
  return Mix(seed ^ Mix(0xC10D0000ULL + octave) ^
             Mix(static_cast<uint64_t>(slice) * 0x9E3779B97F4A7C15ULL));
}

// ExpectedCover splits into a part that depends on latitude only and one
// that depends on longitude only, so a grid of points computes each once
// per row or column (OpacityGrid), with the same arithmetic as one point.
struct CoverRow {
  int r0;        // dryness box row above the point
  double fy;     // fraction of the way to the row below
  double zonal;  // ZonalCover
};
struct CoverCol {
  int c0, c1;  // dryness box columns west and east of the point
  double fx;   // fraction of the way east
};

CoverRow CoverRowAt(double lat_deg) {
  // Bilinear in the dryness boxes (centres at odd degrees).
  const double y =
      std::clamp((90.0 - lat_deg) / 2.0 - 0.5, 0.0, kDryRows - 1.0);
  const int r0 = std::min(static_cast<int>(y), kDryRows - 2);
  return {r0, y - r0, CloudField::ZonalCover(lat_deg)};
}

CoverCol CoverColAt(double lon_deg) {
  double x = (lon_deg + 180.0) / 2.0 - 0.5;
  x -= kDryCols * std::floor(x / kDryCols);
  const int c0 = static_cast<int>(x) % kDryCols;
  return {c0, (c0 + 1) % kDryCols, x - std::floor(x)};
}

// ExpectedCover from its two parts, given the dryness boxes.
double Cover(const std::vector<float>& dryness, double cover_scale,
             const CoverRow& row, const CoverCol& col) {
  auto at = [&](int r, int c) {
    return static_cast<double>(dryness[static_cast<size_t>(r) * kDryCols + c]);
  };
  const double fy = row.fy, fx = col.fx;
  const int r0 = row.r0, c0 = col.c0, c1 = col.c1;
  const double dry = (1 - fy) * ((1 - fx) * at(r0, c0) + fx * at(r0, c1)) +
                     fy * ((1 - fx) * at(r0 + 1, c0) + fx * at(r0 + 1, c1));
  const double cover = row.zonal * (1.0 - kDesertDrying * dry) * cover_scale;
  return std::clamp(cover, 0.0, 1.0);
}

}  // namespace

CloudField::CloudField(const LandCoverMap* map, const CloudOptions& options,
                       uint64_t seed)
    : dryness_(static_cast<size_t>(kDryRows) * kDryCols, 0.0f),
      options_(options),
      seed_(seed) {
  if (map == nullptr) return;
  constexpr int kSamples = 8;  // per box edge
  std::vector<float> raw(dryness_.size());
  for (int r = 0; r < kDryRows; ++r) {
    for (int c = 0; c < kDryCols; ++c) {
      int bare = 0;
      for (int i = 0; i < kSamples; ++i) {
        for (int j = 0; j < kSamples; ++j) {
          const double lat = 90.0 - 2.0 * (r + (i + 0.5) / kSamples);
          const double lon = -180.0 + 2.0 * (c + (j + 0.5) / kSamples);
          if (map->ClassAt(lat, lon) == LandCover::kBare) ++bare;
        }
      }
      raw[static_cast<size_t>(r) * kDryCols + c] =
          static_cast<float>(bare) / (kSamples * kSamples);
    }
  }
  // A 3x3 box blur (wrapping in longitude): weather does not stop at a
  // coastline.
  for (int r = 0; r < kDryRows; ++r) {
    for (int c = 0; c < kDryCols; ++c) {
      float sum = 0;
      int count = 0;
      for (int dr = -1; dr <= 1; ++dr) {
        const int rr = r + dr;
        if (rr < 0 || rr >= kDryRows) continue;
        for (int dc = -1; dc <= 1; ++dc) {
          const int cc = (c + dc + kDryCols) % kDryCols;
          sum += raw[static_cast<size_t>(rr) * kDryCols + cc];
          ++count;
        }
      }
      dryness_[static_cast<size_t>(r) * kDryCols + c] = sum / count;
    }
  }
}

double CloudField::ZonalCover(double lat_deg) {
  // Knots (latitude, cover), piecewise linear: a smooth reading of the
  // zonal-mean total cloud amount of the ISCCP and MODIS climatologies.
  static constexpr std::array<std::array<double, 2>, 15> kKnots = {{
      {-90, 0.45}, {-75, 0.62}, {-60, 0.86}, {-45, 0.80}, {-30, 0.58},
      {-20, 0.50}, {-10, 0.62}, {5, 0.74},   {15, 0.58},  {25, 0.45},
      {35, 0.55},  {50, 0.72},  {60, 0.76},  {75, 0.66},  {90, 0.60},
  }};
  const double lat = std::clamp(lat_deg, -90.0, 90.0);
  for (size_t k = 1; k < kKnots.size(); ++k) {
    if (lat <= kKnots[k][0]) {
      const double f = (lat - kKnots[k - 1][0]) / (kKnots[k][0] - kKnots[k - 1][0]);
      return kKnots[k - 1][1] + f * (kKnots[k][1] - kKnots[k - 1][1]);
    }
  }
  return kKnots.back()[1];
}

double CloudField::ExpectedCover(double lat_deg, double lon_deg) const {
  return Cover(dryness_, options_.cover_scale, CoverRowAt(lat_deg),
               CoverColAt(lon_deg));
}

void CloudField::OpacityGrid(const std::vector<double>& row_lat,
                             const std::vector<double>& col_lon,
                             double ref_lat_deg, absl::Time t,
                             std::vector<float>* out) const {
  const size_t rows = row_lat.size(), cols = col_lon.size();
  out->assign(rows * cols, 0.0f);
  if (rows == 0 || cols == 0 || !(options_.cover_scale > 0)) return;

  // The field at slice k and k+1, blended; dividing by the blend's norm
  // keeps the variance (and so the cover) constant through the blend.
  const double period_s =
      std::max(absl::ToDoubleSeconds(options_.evolution), 1.0);
  const double slices = absl::ToDoubleSeconds(t - absl::UnixEpoch()) / period_s;
  const auto slice = static_cast<int64_t>(std::floor(slices));
  const auto f = static_cast<float>(slices - std::floor(slices));
  const float norm = 1.0f / std::sqrt((1 - f) * (1 - f) + f * f);
  const auto w0 = (1 - f) * norm;
  const auto w1 = f * norm;
  std::vector<float>& field = *out;
  // Both slices of an octave share one lattice scale, so one call samples
  // the grid for both.
  for (int k = 0; k < kOctaves; ++k) {
    AddValueNoiseGrids(
        row_lat, col_lon, kOctaveKm[k], ref_lat_deg,
        {{OctaveKey(seed_, k, slice), kOctaveWeight[k] * w0},
         {OctaveKey(seed_, k, slice + 1), kOctaveWeight[k] * w1}},
        &field);
  }
  // The noise is near-Gaussian (a sum of independent octaves); its CDF
  // makes it uniform on [0, 1], so `u < cover` is cloudy with probability
  // `cover`, and a soft edge around the threshold makes thin cloud.
  const double inv_sd = 1.0 / FieldStddev();
  const double inv_edge = 1.0 / std::max(options_.edge_softness, 1e-6);
  // ExpectedCover by rows and columns, in arrays kept per thread (no
  // allocation per grid).
  thread_local std::vector<CoverRow> cover_rows;
  thread_local std::vector<CoverCol> cover_cols;
  cover_rows.resize(rows);
  cover_cols.resize(cols);
  for (size_t i = 0; i < rows; ++i) cover_rows[i] = CoverRowAt(row_lat[i]);
  for (size_t j = 0; j < cols; ++j) cover_cols[j] = CoverColAt(col_lon[j]);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      float& v = field[i * cols + j];
      const double u = NormalCdf(v * inv_sd);
      const double cover =
          Cover(dryness_, options_.cover_scale, cover_rows[i], cover_cols[j]);
      const double a = std::clamp((cover - u) * inv_edge + 0.5, 0.0, 1.0);
      v = static_cast<float>(a * a * (3 - 2 * a));
    }
  }
}

float CloudField::OpacityAt(double lat_deg, double lon_deg, absl::Time t) const {
  std::vector<float> out;
  OpacityGrid({lat_deg}, {lon_deg}, LatitudeBand(lat_deg), t, &out);
  return out[0];
}

}  // namespace orbitfl::world
