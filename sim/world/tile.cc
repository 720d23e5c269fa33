#include "sim/world/tile.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "sim/world/land_cover.h"

namespace orbitfl::world {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Mean Earth radius 6371 km: kilometres per degree of latitude.
constexpr double kKmPerDegree = 6371.0 * kPi / 180.0;

// Mean reflectance (B, G, R, NIR) per class, rounded from typical Sentinel-2
// surface reflectance: water absorbs NIR almost completely; snow is bright
// across the visible and drops in NIR; desert sand rises from blue to NIR;
// leaves absorb blue and red for photosynthesis and scatter NIR strongly
// (the "red edge").
constexpr float kSpectrum[kNumLandCoverClasses][kTileBands] = {
    {0.080f, 0.060f, 0.040f, 0.020f},  // water
    {0.850f, 0.830f, 0.800f, 0.650f},  // ice
    {0.200f, 0.280f, 0.360f, 0.420f},  // bare
    {0.040f, 0.080f, 0.050f, 0.400f},  // vegetation
};

// Texture: value noise at three ground scales. The weights say how much of
// each scale a class shows: open water varies only broadly (turbidity,
// sun glint), ice is smooth, bare ground has dunes and outcrops at every
// scale, vegetation is the patchiest (fields, clearings).
constexpr int kOctaves = 3;
constexpr double kOctaveKm[kOctaves] = {25.0, 8.0, 2.5};
constexpr float kOctaveWeight[kNumLandCoverClasses][kOctaves] = {
    {0.15f, 0.05f, 0.00f},  // water
    {0.05f, 0.04f, 0.02f},  // ice
    {0.12f, 0.10f, 0.08f},  // bare
    {0.15f, 0.15f, 0.12f},  // vegetation
};
// How the texture scales each band's reflectance. Ground other than plants
// just gets brighter or darker. For vegetation the texture stands for
// canopy vigour: denser canopy scatters more NIR and absorbs more red, so
// the bands move against each other as in real NDVI variation.
constexpr float kBandGain[kNumLandCoverClasses][kTileBands] = {
    {1.0f, 1.0f, 1.0f, 1.0f},
    {1.0f, 1.0f, 1.0f, 1.0f},
    {1.0f, 1.0f, 1.0f, 1.0f},
    {-0.5f, -0.3f, -0.6f, 1.0f},
};

// splitmix64's finaliser: a cheap, well-mixed hash for lattice values.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Lattice value in [-1, 1] for one octave at integer cell (ix, iy).
float LatticeValue(uint64_t octave_key, int64_t ix, int64_t iy) {
  const uint64_t h =
      Mix(octave_key ^ Mix(static_cast<uint64_t>(ix) * 0x100000001B3ULL ^
                           Mix(static_cast<uint64_t>(iy))));
  return static_cast<float>(h >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

// Inverse standard-normal CDF (Acklam's rational approximation, relative
// error below 1.2e-9), used once to build the noise table.
double InverseNormalCdf(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549671058254290e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  if (p < kLow || p > 1 - kLow) {
    const double q = std::sqrt(-2 * std::log(p < kLow ? p : 1 - p));
    const double x =
        (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < kLow ? x : -x;
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) *
         q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// Sensor noise needs 4 normals per pixel; std::normal_distribution costs
// ~15 ns each, which alone would blow the tile's time budget. Instead each
// 16-bit slice of an mt19937_64 draw picks one of 4096 equiprobable
// standard-normal quantiles, so one draw yields four normals. The table is
// 16 KiB, small enough to stay in L1 cache; the tails are cut at 3.5 sigma
// and the table is rescaled to unit variance so noise_stddev stays exact.
constexpr int kNormalTableSize = 4096;
const std::vector<float>& NormalTable() {
  static const std::vector<float>* table = [] {
    std::vector<double> q(kNormalTableSize);
    double sum_sq = 0;
    for (int i = 0; i < kNormalTableSize; ++i) {
      q[i] = InverseNormalCdf((i + 0.5) / kNormalTableSize);
      sum_sq += q[i] * q[i];
    }
    const double scale = 1.0 / std::sqrt(sum_sq / kNormalTableSize);
    auto* t = new std::vector<float>(kNormalTableSize);
    for (int i = 0; i < kNormalTableSize; ++i) {
      (*t)[i] = static_cast<float>(q[i] * scale);
    }
    return t;
  }();
  return *table;
}

// Branch-free (minss/maxss) clamp to [0, 1]: noisy pixels near the bounds
// make std::clamp's branches mispredict.
inline float ClampUnit(float v) { return std::min(std::max(v, 0.0f), 1.0f); }

// One octave's lattice along one axis, for one row or column of pixels:
// indices of the lower and upper lattice lines in the compact list of lines
// the tile touches, and the smoothstep-faded fraction between them.
struct AxisSample {
  int lower;
  int upper;
  float fade;
};

// Fills `samples` for pixel coordinates `coord` (monotonic, either way) on a
// lattice of spacing `cell`, and `lines` with the distinct lattice lines used,
// ascending. At most 2n lines, however small the cell: a polar tile spanning
// hundreds of degrees of longitude costs no more than any other.
void SampleAxis(const std::vector<double>& coord, double cell,
                std::vector<int64_t>* lines, std::vector<AxisSample>* samples) {
  const int n = static_cast<int>(coord.size());
  const bool ascending = coord.front() <= coord.back();
  lines->clear();
  samples->resize(n);
  for (int step = 0; step < n; ++step) {
    const int i = ascending ? step : n - 1 - step;
    const double x = coord[i] / cell;
    const double floor_x = std::floor(x);
    const auto line = static_cast<int64_t>(floor_x);
    if (lines->empty() || lines->back() < line) lines->push_back(line);
    if (lines->back() < line + 1) lines->push_back(line + 1);
    const int upper = static_cast<int>(lines->size()) - 1;
    const auto f = static_cast<float>(x - floor_x);
    (*samples)[i] = {upper - 1, upper, f * f * (3 - 2 * f)};
  }
}

}  // namespace

TileSynthesizer::TileSynthesizer(const LandCoverMap* map,
                                 const TileOptions& options, uint64_t seed)
    : map_(map), options_(options), seed_(seed) {}

Tile TileSynthesizer::Synthesize(double lat_deg, double lon_deg,
                                 absl::Time t) const {
  Tile tile;
  tile.lat_deg = lat_deg;
  tile.lon_deg = lon_deg;
  const int n = std::max(options_.pixels, 0);
  if (n == 0) {
    tile.label = map_->ClassAt(lat_deg, lon_deg);
    return tile;
  }

  // Non-finite inputs would make lattice indices undefined; such a tile is
  // drawn at (0, 0) and with zero extent rather than crash a run.
  const double lat = std::isfinite(lat_deg) ? lat_deg : 0.0;
  const double lon = std::isfinite(lon_deg) ? lon_deg : 0.0;
  const double ground_km =
      std::isfinite(options_.ground_km) ? options_.ground_km : 0.0;

  // Local flat approximation, north-up: row 0 is the northern edge. One
  // cos(centre latitude) for the whole tile keeps columns on meridians, so
  // latitude depends only on the row and longitude only on the column. The
  // floor on the cosine stops longitudes exploding for a tile at a pole.
  const double pixel_km = ground_km / n;
  const double km_per_deg_lon =
      kKmPerDegree * std::max(std::cos(lat * kPi / 180.0), 1e-3);
  std::vector<double> row_lat(n), col_lon(n);
  for (int i = 0; i < n; ++i) {
    const double offset_km = (i + 0.5 - 0.5 * n) * pixel_km;
    row_lat[i] = lat - offset_km / kKmPerDegree;
    col_lon[i] = lon + offset_km / km_per_deg_lon;
  }

  std::vector<uint8_t> classes(static_cast<size_t>(n) * n);
  std::array<int, kNumLandCoverClasses> counts{};
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const auto c =
          static_cast<uint8_t>(map_->ClassAt(row_lat[i], col_lon[j]));
      classes[static_cast<size_t>(i) * n + j] = c;
      ++counts[c];
    }
  }
  // Ties go to the lower class index, so the label is deterministic.
  tile.label = static_cast<LandCover>(
      std::max_element(counts.begin(), counts.end()) - counts.begin());

  // Texture is a function of the ground position and the seed only (not of
  // time or the tile centre), so the ground looks the same on every pass and
  // overlapping tiles agree. Cells are square in degrees with an integer
  // number of cells around a parallel, so the field wraps at the
  // antimeridian without a seam; they narrow east-west toward the poles.
  std::vector<float> modulation(static_cast<size_t>(n) * n, 0.0f);
  std::vector<AxisSample> ys, xs;
  std::vector<int64_t> y_lines, x_lines;
  std::vector<float> lattice;
  for (int k = 0; k < kOctaves; ++k) {
    const double cell_deg = kOctaveKm[k] / kKmPerDegree;
    const int64_t cells_around =
        std::max<int64_t>(1, std::llround(360.0 / cell_deg));
    const uint64_t octave_key = Mix(seed_ ^ Mix(0x7E47u + k));
    SampleAxis(row_lat, cell_deg, &y_lines, &ys);
    SampleAxis(col_lon, 360.0 / cells_around, &x_lines, &xs);
    const int ny = static_cast<int>(y_lines.size());
    const int nx = static_cast<int>(x_lines.size());
    lattice.resize(static_cast<size_t>(ny) * nx);
    for (int r = 0; r < ny; ++r) {
      for (int s = 0; s < nx; ++s) {
        int64_t ix = x_lines[s] % cells_around;
        if (ix < 0) ix += cells_around;
        lattice[static_cast<size_t>(r) * nx + s] =
            LatticeValue(octave_key, ix, y_lines[r]);
      }
    }
    for (int i = 0; i < n; ++i) {
      const float* south = &lattice[static_cast<size_t>(ys[i].lower) * nx];
      const float* north = &lattice[static_cast<size_t>(ys[i].upper) * nx];
      const float fy = ys[i].fade;
      const uint8_t* row_classes = &classes[static_cast<size_t>(i) * n];
      float* row_modulation = &modulation[static_cast<size_t>(i) * n];
      for (int j = 0; j < n; ++j) {
        const AxisSample& x = xs[j];
        const float s =
            south[x.lower] + (south[x.upper] - south[x.lower]) * x.fade;
        const float t =
            north[x.lower] + (north[x.upper] - north[x.lower]) * x.fade;
        row_modulation[j] +=
            kOctaveWeight[row_classes[j]][k] * (s + (t - s) * fy);
      }
    }
  }

  tile.pixels.resize(static_cast<size_t>(n) * n * kTileBands);
  float* out = tile.pixels.data();
  for (size_t p = 0; p < classes.size(); ++p) {
    const int c = classes[p];
    for (int b = 0; b < kTileBands; ++b) {
      out[p * kTileBands + b] =
          kSpectrum[c][b] * (1.0f + kBandGain[c][b] * modulation[p]);
    }
  }

  // Sensor noise changes with every exposure: its stream is keyed by the
  // seed, the centre (quantised to micro-degrees) and the time. Seeding
  // mt19937_64 costs more than the rest of a small tile, so a noiseless
  // sensor skips it.
  const auto sigma = static_cast<float>(options_.noise_stddev);
  if (sigma != 0) {
    const auto lat_q = static_cast<uint64_t>(std::llround(lat * 1e6));
    const auto lon_q = static_cast<uint64_t>(std::llround(lon * 1e6));
    const auto t_ms = static_cast<uint64_t>(absl::ToUnixMillis(t));
    std::seed_seq seq{
        static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32),
        static_cast<uint32_t>(lat_q), static_cast<uint32_t>(lat_q >> 32),
        static_cast<uint32_t>(lon_q), static_cast<uint32_t>(lon_q >> 32),
        static_cast<uint32_t>(t_ms),  static_cast<uint32_t>(t_ms >> 32)};
    std::mt19937_64 rng(seq);
    const float* normal = NormalTable().data();
    for (size_t p = 0; p < classes.size(); ++p) {
      uint64_t bits = rng();
      for (int b = 0; b < kTileBands; ++b) {
        const float z = normal[bits & (kNormalTableSize - 1)];
        bits >>= 16;
        float& v = out[p * kTileBands + b];
        v = ClampUnit(v + sigma * z);
      }
    }
  } else {
    for (float& v : tile.pixels) v = ClampUnit(v);
  }
  return tile;
}

}  // namespace orbitfl::world
