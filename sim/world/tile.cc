#include "sim/world/tile.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "orbit/frames.h"
#include "orbit/sun.h"
#include "sim/world/clouds.h"
#include "sim/world/land_cover.h"
#include "sim/world/noise.h"

namespace orbitfl::world {
namespace {

using Spectrum = std::array<float, kTileBands>;  // B, G, R, NIR

// Surface reflectance (B, G, R, NIR), rounded from typical Sentinel-2 and
// Landsat surface reflectance: water absorbs NIR almost completely; snow is
// bright across the visible and drops in NIR; desert sand rises from blue
// to NIR; leaves absorb blue and red and scatter NIR strongly (the "red
// edge"); asphalt and concrete are flat grey.
constexpr Spectrum kWater = {0.050f, 0.045f, 0.030f, 0.010f};
constexpr Spectrum kSediment = {0.010f, 0.018f, 0.022f, 0.006f};
constexpr Spectrum kIce = {0.820f, 0.800f, 0.770f, 0.620f};
constexpr Spectrum kSand = {0.200f, 0.270f, 0.340f, 0.400f};
constexpr Spectrum kRedSoil = {0.110f, 0.170f, 0.300f, 0.360f};
constexpr Spectrum kCrop = {0.030f, 0.070f, 0.040f, 0.420f};
constexpr Spectrum kGrass = {0.060f, 0.095f, 0.100f, 0.280f};
constexpr Spectrum kSoil = {0.110f, 0.150f, 0.190f, 0.250f};
constexpr Spectrum kForest = {0.025f, 0.050f, 0.030f, 0.320f};
constexpr Spectrum kAsphalt = {0.085f, 0.085f, 0.090f, 0.105f};
constexpr Spectrum kConcrete = {0.200f, 0.210f, 0.220f, 0.250f};
constexpr Spectrum kRedRoof = {0.100f, 0.120f, 0.220f, 0.260f};
constexpr Spectrum kDarkRoof = {0.065f, 0.070f, 0.080f, 0.100f};
constexpr Spectrum kPark = {0.040f, 0.080f, 0.050f, 0.350f};
constexpr Spectrum kCloud = {0.780f, 0.790f, 0.800f, 0.780f};
// Atmospheric path radiance under an overhead Sun: Rayleigh scattering
// falls steeply from blue to NIR.
constexpr Spectrum kPathRadiance = {0.035f, 0.022f, 0.012f, 0.004f};
// Sky (diffuse) light relative to direct sunlight, and how much direct
// light an opaque cloud's shadow removes.
constexpr float kDiffuse = 0.15f;
constexpr float kShadowDepth = 0.8f;

// Texture scales, km. Each class draws from the same few noise grids with
// its own weights: one grid per scale serves every class in the tile.
constexpr double kBroadKm = 1.5;
constexpr double kMidKm = 0.2;
constexpr double kFineKm = 0.07;
constexpr double kCrownKm = 0.04;
// City blocks and fields: cell sizes, km.
constexpr double kBlockKm = 0.16;
constexpr double kStreetKm = 0.035;
constexpr double kParcelXKm = 0.27;
constexpr double kParcelYKm = 0.21;
constexpr double kDuneKm = 0.5;
// Scale of weather systems over which cloud thickness varies, km.
constexpr double kThicknessKm = 300.0;
// Class boundaries are warped by noise of this scale and amplitude so they
// are ragged rather than the map's 20 km pixel steps.
constexpr double kWarpKm = 12.0;
constexpr double kWarpDeg = 0.06;

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
// 16-bit slice of a 64-bit hash picks one of 4096 equiprobable
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

// A pixel's four bands (B, G, R, NIR) in one SIMD register, a GCC and
// Clang vector extension: +, -, * act element-wise with IEEE semantics,
// exactly as four scalar operations would. Compositing is the same
// arithmetic for every band, so a pixel is one vector; the compiler's own
// vectorisation instead spread 4 pixels across registers band by band and
// spent most of its time reshuffling them.
using Float4 = float __attribute__((vector_size(16)));
static_assert(kTileBands == 4, "a pixel is one Float4");

inline Float4 Load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void Store4(float* p, Float4 v) { std::memcpy(p, &v, sizeof v); }

// Clamp to [0, 1] by two selects, which compile to compare-and-mask: a
// branchy clamp of noisy pixels near 0 (water, night) mispredicted on
// about every other value, and was the largest single cost of a tile.
inline Float4 ClampUnit(Float4 v) {
  const Float4 zero = {0, 0, 0, 0};
  const Float4 one = {1, 1, 1, 1};
  v = v > zero ? v : zero;
  return v < one ? v : one;
}

// Points at which slowly varying fields are evaluated: k per edge, spanning
// the first to the last pixel centre, then interpolated to every pixel.
void CoarseAxis(const std::vector<double>& fine, int k,
                std::vector<double>* coarse) {
  coarse->resize(k);
  const int n = static_cast<int>(fine.size());
  for (int m = 0; m < k; ++m) {
    const double x = k == 1 ? 0 : m * (n - 1.0) / (k - 1);
    const int i = std::min(static_cast<int>(x), n - 1);
    const int j = std::min(i + 1, n - 1);
    (*coarse)[m] = fine[i] + (fine[j] - fine[i]) * (x - i);
  }
}

// Bilinear interpolation of a k x k grid (on CoarseAxis points) to n x n.
// East-west first: the k coarse rows are interpolated to n columns, then
// each output row blends two of them, a contiguous loop that vectorises.
// The arithmetic per pixel is that of a plain bilinear blend.
void Upsample(const std::vector<float>& coarse, int k, int n,
              std::vector<float>* out) {
  thread_local std::vector<int> lo;
  thread_local std::vector<float> f, wide;
  out->resize(static_cast<size_t>(n) * n);
  lo.resize(n);
  f.resize(n);
  for (int i = 0; i < n; ++i) {
    const double x = n == 1 ? 0 : i * (k - 1.0) / (n - 1);
    lo[i] = std::min(static_cast<int>(x), std::max(k - 2, 0));
    f[i] = static_cast<float>(x - lo[i]);
  }
  const int step = k > 1 ? 1 : 0;
  wide.resize(static_cast<size_t>(k) * n);
  for (int r = 0; r < k; ++r) {
    const float* a = &coarse[static_cast<size_t>(r) * k];
    float* w = &wide[static_cast<size_t>(r) * n];
    for (int j = 0; j < n; ++j) {
      const int c = lo[j];
      w[j] = a[c] + (a[c + step] - a[c]) * f[j];
    }
  }
  for (int i = 0; i < n; ++i) {
    const float* top = &wide[static_cast<size_t>(lo[i]) * n];
    const float* bottom = top + static_cast<size_t>(step) * n;
    const float fi = f[i];
    float* row = out->data() + static_cast<size_t>(i) * n;
    for (int j = 0; j < n; ++j) row[j] = top[j] + (bottom[j] - top[j]) * fi;
  }
}

// Coarse evaluation points per edge for fields smooth on `scale_km`.
int CoarsePoints(int n, double extent_km, double scale_km) {
  const int k = static_cast<int>(std::ceil(extent_km / scale_km)) + 1;
  return std::clamp(k, std::min(2, n), n);
}

void SetScaled(const Spectrum& s, float scale, float* out) {
  for (int b = 0; b < kTileBands; ++b) out[b] = s[b] * scale;
}

void Blend(const Spectrum& a, const Spectrum& b, float t, float* out) {
  for (int k = 0; k < kTileBands; ++k) out[k] = a[k] + (b[k] - a[k]) * t;
}

uint64_t Key(uint64_t seed, uint64_t what) { return Mix(seed ^ Mix(what)); }

// sin(2 pi t) of a phase in turns, |t| < 2^31, to within 4e-6: a degree-9
// Taylor polynomial on a quarter turn. Replaces a per-pixel std::sin, a
// libm call in double that the compiler cannot vectorise (glibc also
// picks its implementation by CPU); dune ripples need far less accuracy.
inline float SinTurns(float t) {
  // Nearest whole turn, with a floor that vectorises (see FloorToInt).
  const float h = t + 0.5f;
  const auto whole = static_cast<int32_t>(h);
  t -= static_cast<float>(whole - (h < static_cast<float>(whole) ? 1 : 0));
  // t is in [-1/2, 1/2): fold onto [0, 1/4] (sin(2 pi t) is odd and
  // symmetric about a quarter turn), then put the sign back.
  const float a = std::abs(t);
  const float q = std::min(a, 0.5f - a);
  const float x = 2 * static_cast<float>(kPi) * q;
  const float x2 = x * x;
  // Horner form of x - x^3/3! + x^5/5! - x^7/7! + x^9/9!.
  float p = 1.0f / 362880;
  p = p * x2 - 1.0f / 5040;
  p = p * x2 + 1.0f / 120;
  p = p * x2 - 1.0f / 6;
  p = p * x2 + 1;
  return std::copysign(x * p, t);
}

// Everything the per-class shading reads: texture fields (n x n,
// row-major) and per-row / per-column terms of the class patterns, which
// depend on one coordinate each because latitude follows the row and
// longitude the column.
struct Texture {
  int n = 0;
  const float* broad = nullptr;
  const float* mid = nullptr;
  const float* fine = nullptr;
  const float* crown = nullptr;
  const float* regional = nullptr;
  // Dune ripple phase in turns, column part plus row part (each reduced by
  // whole turns, so float keeps its precision anywhere on the Earth).
  const float* dune_col = nullptr;
  const float* dune_row = nullptr;
  // Field parcel lattice index of each column and row.
  const int64_t* parcel_col = nullptr;
  const int64_t* parcel_row = nullptr;
  uint64_t parcel_key = 0;
  // City grid coordinates (km, rotated to the grid): u = u_col + u_row,
  // v = v_col + v_row.
  const double* grid_u_col = nullptr;
  const double* grid_u_row = nullptr;
  const double* grid_v_col = nullptr;
  const double* grid_v_row = nullptr;
  uint64_t block_key = 0;
  // Sun glint on water, reflectance at the specular peak of this tile.
  float glint = 0;
};

// Shading of pixels [j0, j1) of row i, all of one class, into `surface`
// (n x n x kTileBands). Whole runs of one class keep each loop free of the
// class switch, so the compiler vectorises the smooth classes.
void ShadeWater(const Texture& t, int i, int j0, int j1, float* surface) {
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    const float turbid = std::max(0.0f, t.broad[p]);
    const float m = 1 + 0.25f * t.mid[p] + 0.05f * t.fine[p];
    // Glint is white and sparkles with the wave facets.
    const float sparkle = t.glint * (1 + 0.6f * t.fine[p]);
    for (int b = 0; b < kTileBands; ++b) {
      surface[p * kTileBands + b] =
          kWater[b] * m + kSediment[b] * turbid + sparkle;
    }
  }
}

void ShadeIce(const Texture& t, int i, int j0, int j1, float* surface) {
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    SetScaled(kIce, 1 + 0.05f * t.broad[p] + 0.03f * t.mid[p],
              &surface[p * kTileBands]);
  }
}

void ShadeBare(const Texture& t, int i, int j0, int j1, float* surface) {
  // Dunes: ripples across the regional wind direction, bent by the broad
  // noise (2.5 radians per unit of it).
  constexpr float kBendTurns = static_cast<float>(2.5 / (2 * kPi));
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    const float dune =
        SinTurns(t.dune_col[j] + t.dune_row[i] + kBendTurns * t.broad[p]);
    float* out = &surface[p * kTileBands];
    Blend(kSand, kRedSoil, 0.5f + 0.5f * t.regional[p], out);
    const float m = 1 + 0.12f * dune + 0.08f * t.fine[p];
    for (int b = 0; b < kTileBands; ++b) out[b] *= m;
  }
}

void ShadeSparseVegetation(const Texture& t, int i, int j0, int j1,
                           float* surface) {
  // A patchwork of parcels: crops, grass, bare soil. Along a row the parcel
  // changes every ~9 pixels: hash only when it does.
  const int64_t iy = t.parcel_row[i];
  int64_t ix = 0;
  const Spectrum* s = nullptr;
  for (int j = j0; j < j1; ++j) {
    if (s == nullptr || t.parcel_col[j] != ix) {
      ix = t.parcel_col[j];
      const float h = HashToUnit(CellHash(t.parcel_key, ix, iy));
      s = h < 0.45f ? &kCrop : (h < 0.75f ? &kGrass : &kSoil);
    }
    const size_t p = static_cast<size_t>(i) * t.n + j;
    SetScaled(*s, 1 + 0.10f * t.mid[p] + 0.06f * t.fine[p],
              &surface[p * kTileBands]);
  }
}

void ShadeDenseVegetation(const Texture& t, int i, int j0, int j1,
                          float* surface) {
  // Tree crowns and the shade between them darken every band; canopy
  // vigour moves NIR on its own.
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    float* out = &surface[p * kTileBands];
    SetScaled(kForest, 1 + 0.22f * t.crown[p] + 0.12f * t.fine[p], out);
    out[3] *= 1 + 0.12f * t.broad[p];
  }
}

void ShadeUrban(const Texture& t, int i, int j0, int j1, float* surface) {
  // Blocks and streets on a grid at the city's orientation. A block spans
  // ~5 pixels: its roof is hashed only when the block changes.
  int64_t last_iu = 0, last_iv = 0;
  const Spectrum* roof = nullptr;
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    float* out = &surface[p * kTileBands];
    const double u = (t.grid_u_col[j] + t.grid_u_row[i]) / kBlockKm;
    const double v = (t.grid_v_col[j] + t.grid_v_row[i]) / kBlockKm;
    const int64_t iu = FloorToInt(u), iv = FloorToInt(v);
    const double fu = (u - static_cast<double>(iu)) * kBlockKm;
    const double fv = (v - static_cast<double>(iv)) * kBlockKm;
    if (fu < kStreetKm || fv < kStreetKm) {
      SetScaled(kAsphalt, 1 + 0.05f * t.fine[p], out);
      continue;
    }
    if (roof == nullptr || iu != last_iu || iv != last_iv) {
      last_iu = iu;
      last_iv = iv;
      const float h = HashToUnit(CellHash(t.block_key, iu, iv));
      roof = h < 0.45f
                 ? &kConcrete
                 : (h < 0.7f ? &kRedRoof : (h < 0.88f ? &kDarkRoof : &kPark));
    }
    SetScaled(*roof, 1 + 0.15f * t.crown[p], out);
  }
}

void ShadeRun(const Texture& t, LandCover c, int i, int j0, int j1,
              float* surface) {
  switch (c) {
    case LandCover::kWater:
      return ShadeWater(t, i, j0, j1, surface);
    case LandCover::kIce:
      return ShadeIce(t, i, j0, j1, surface);
    case LandCover::kBare:
      return ShadeBare(t, i, j0, j1, surface);
    case LandCover::kSparseVegetation:
      return ShadeSparseVegetation(t, i, j0, j1, surface);
    case LandCover::kDenseVegetation:
      return ShadeDenseVegetation(t, i, j0, j1, surface);
    case LandCover::kUrban:
      return ShadeUrban(t, i, j0, j1, surface);
  }
}

// Synthesize's working arrays, one set per thread, reused from tile to
// tile: a tile used to allocate ~40 vectors (malloc and free were ~6% of
// its time). Keeps the capacity of the largest tile the thread has made.
struct Scratch {
  std::vector<double> row_lat, col_lon, y_km, x_km;
  std::vector<double> coarse_lat, coarse_lon, shifted_lat, shifted_lon;
  std::vector<uint8_t> classes;
  std::vector<float> coarse, warp_lat, warp_lon;
  std::vector<float> broad, mid, fine, crown, regional;
  std::vector<float> dune_col, dune_row;
  std::vector<int64_t> parcel_col, parcel_row;
  std::vector<double> grid_u_col, grid_u_row, grid_v_col, grid_v_row;
  std::vector<float> surface, cloud, shadow, ground_light, sky_light;
};

}  // namespace

TileSynthesizer::TileSynthesizer(const LandCoverMap* map,
                                 const CloudField* clouds,
                                 const TileOptions& options, uint64_t seed)
    : map_(map), clouds_(clouds), options_(options), seed_(seed) {}

Tile TileSynthesizer::Synthesize(double lat_deg, double lon_deg,
                                 absl::Time t) const {
  Tile tile;
  tile.lat_deg = lat_deg;
  tile.lon_deg = lon_deg;
  // Non-finite inputs would make lattice indices undefined; such a tile is
  // drawn at (0, 0) and with zero extent rather than crash a run.
  const double lat = std::isfinite(lat_deg) ? lat_deg : 0.0;
  const double lon = std::isfinite(lon_deg) ? lon_deg : 0.0;
  const double gsd_m =
      std::isfinite(options_.gsd_m) ? std::max(options_.gsd_m, 0.0) : 0.0;

  // The Sun at the centre: elevation sets the light, azimuth the direction
  // in which cloud shadows fall.
  const orbit::Geodetic centre{lat * kPi / 180, lon * kPi / 180, 0};
  const orbit::Vec3 centre_ecef = orbit::GeodeticToEcef(centre);
  const orbit::LookAngles sun = orbit::LookFrom(
      centre, centre_ecef,
      orbit::InertialToEcef(orbit::SunPositionInertial(t), t));
  tile.sun_elevation_deg = sun.elevation_rad * 180 / kPi;

  const int n = std::max(options_.pixels, 0);
  if (n == 0) {
    tile.label = map_->ClassAt(lat, lon);
    tile.class_fraction[static_cast<int>(tile.label)] = 1;
    return tile;
  }
  const size_t count = static_cast<size_t>(n) * n;
  thread_local Scratch scratch;
  Scratch& s = scratch;

  // Local flat approximation, north-up: row 0 is the northern edge. One
  // cos(centre latitude) for the whole tile keeps columns on meridians, so
  // latitude depends only on the row and longitude only on the column. The
  // floor on the cosine stops longitudes exploding for a tile at a pole.
  const double pixel_km = gsd_m / 1000.0;
  const double extent_km = pixel_km * n;
  const double km_per_deg_lon =
      kKmPerDegree * std::max(std::cos(lat * kPi / 180.0), 1e-3);
  std::vector<double>& row_lat = s.row_lat;
  std::vector<double>& col_lon = s.col_lon;
  row_lat.resize(n);
  col_lon.resize(n);
  for (int i = 0; i < n; ++i) {
    const double offset_km = (i + 0.5 - 0.5 * n) * pixel_km;
    row_lat[i] = lat - offset_km / kKmPerDegree;
    col_lon[i] = lon + offset_km / km_per_deg_lon;
  }
  // Ground coordinates in km for texture: absolute (the ground looks the
  // same on every pass), on the metric of the tile's latitude band.
  const double band = LatitudeBand(lat);
  const double band_km_per_deg_lon =
      kKmPerDegree * std::max(std::cos(band * kPi / 180.0), 1e-3);
  s.y_km.resize(n);
  s.x_km.resize(n);
  for (int i = 0; i < n; ++i) {
    s.y_km[i] = row_lat[i] * kKmPerDegree;
    s.x_km[i] = col_lon[i] * band_km_per_deg_lon;
  }

  // Classes under the footprint, through the warped boundaries. Most tiles
  // lie well inside one class: when every map pixel the warped footprint
  // can reach has the same class, the per-pixel lookup is skipped.
  std::vector<uint8_t>& classes = s.classes;
  classes.resize(count);
  const double lon_scale = kKmPerDegree / km_per_deg_lon;
  if (std::optional<LandCover> uniform = map_->UniformIn(
          std::min(row_lat.front(), row_lat.back()) - kWarpDeg,
          std::max(row_lat.front(), row_lat.back()) + kWarpDeg,
          col_lon.front() - kWarpDeg * lon_scale,
          col_lon.back() + kWarpDeg * lon_scale)) {
    std::fill(classes.begin(), classes.end(), static_cast<uint8_t>(*uniform));
    tile.label = *uniform;
    tile.class_fraction[static_cast<int>(*uniform)] = 1;
  } else {
    const int k = CoarsePoints(n, extent_km, kWarpKm / 4);
    CoarseAxis(row_lat, k, &s.coarse_lat);
    CoarseAxis(col_lon, k, &s.coarse_lon);
    ValueNoiseGrid(s.coarse_lat, s.coarse_lon, kWarpKm, band, Key(seed_, 0x3A1),
                   &s.coarse);
    Upsample(s.coarse, k, n, &s.warp_lat);
    ValueNoiseGrid(s.coarse_lat, s.coarse_lon, kWarpKm, band, Key(seed_, 0x3A2),
                   &s.coarse);
    Upsample(s.coarse, k, n, &s.warp_lon);
    std::array<int, kNumLandCoverClasses> counts{};
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        const size_t p = static_cast<size_t>(i) * n + j;
        const auto c = static_cast<uint8_t>(
            map_->ClassAt(row_lat[i] + kWarpDeg * s.warp_lat[p],
                          col_lon[j] + kWarpDeg * lon_scale * s.warp_lon[p]));
        classes[p] = c;
        ++counts[c];
      }
    }
    tile.label = static_cast<LandCover>(
        std::max_element(counts.begin(), counts.end()) - counts.begin());
    for (int c = 0; c < kNumLandCoverClasses; ++c) {
      tile.class_fraction[c] = static_cast<float>(counts[c]) / count;
    }
  }

  // Texture noise at a few scales, shared by the classes; a scale no
  // class in the tile uses is not computed.
  std::array<bool, kNumLandCoverClasses> present{};
  for (int c = 0; c < kNumLandCoverClasses; ++c) {
    present[c] = tile.class_fraction[c] > 0;
  }
  auto any = [&](std::initializer_list<LandCover> cs) {
    for (LandCover c : cs) {
      if (present[static_cast<int>(c)]) return true;
    }
    return false;
  };
  using LC = LandCover;
  auto grid = [&](bool needed, double cell_km, uint64_t what,
                  std::vector<float>* out) {
    if (needed) {
      ValueNoiseGrid(row_lat, col_lon, cell_km, band, Key(seed_, what), out);
    } else {
      out->assign(count, 0.0f);
    }
  };
  grid(any({LC::kWater, LC::kIce, LC::kBare, LC::kDenseVegetation}), kBroadKm,
       0x7E1, &s.broad);
  // The mid scale also textures clouds.
  grid(clouds_ != nullptr || any({LC::kWater, LC::kIce, LC::kSparseVegetation}),
       kMidKm, 0x7E2, &s.mid);
  grid(any({LC::kWater, LC::kBare, LC::kSparseVegetation, LC::kDenseVegetation,
            LC::kUrban}),
       kFineKm, 0x7E3, &s.fine);
  grid(any({LC::kDenseVegetation, LC::kUrban}), kCrownKm, 0x7E4, &s.crown);
  {
    // Regional character (soil colour, dune and street orientation), on
    // 40 km: constant enough over a tile to evaluate coarsely.
    const int k = std::min(n, 2);
    CoarseAxis(row_lat, k, &s.coarse_lat);
    CoarseAxis(col_lon, k, &s.coarse_lon);
    ValueNoiseGrid(s.coarse_lat, s.coarse_lon, 40.0, band, Key(seed_, 0x7E5),
                   &s.coarse);
    Upsample(s.coarse, k, n, &s.regional);
  }

  Texture texture;
  texture.n = n;
  // Sun glint seen straight down: the share of wave facets tilted by half
  // the Sun's zenith angle, after Cox and Munk's slope distribution
  // (mean square slope 0.04, a ~7 m/s wind). Strong only with the Sun
  // high: the tropics around noon, where open water then reads as bright
  // as land.
  if (present[static_cast<int>(LC::kWater)] && sun.elevation_rad > 0) {
    const double half_zenith = 0.5 * (0.5 * kPi - sun.elevation_rad);
    const double tan_half = std::tan(half_zenith);
    texture.glint =
        static_cast<float>(0.25 * std::exp(-tan_half * tan_half / 0.04));
  }
  texture.broad = s.broad.data();
  texture.mid = s.mid.data();
  texture.fine = s.fine.data();
  texture.crown = s.crown.data();
  texture.regional = s.regional.data();
  // Dune and street-grid orientation: one per tile, from the regional
  // field at its centre (it changes over tens of km).
  const double centre_regional = s.regional[count / 2 + n / 2];
  if (present[static_cast<int>(LC::kBare)]) {
    // Ripple phase (x cos + y sin) / kDuneKm turns, split by axis.
    const double dune_theta = (centre_regional + 1) * 0.5 * kPi;
    const double dune_cos = std::cos(dune_theta),
                 dune_sin = std::sin(dune_theta);
    s.dune_col.resize(n);
    s.dune_row.resize(n);
    for (int i = 0; i < n; ++i) {
      const double col_turns = s.x_km[i] * dune_cos / kDuneKm;
      const double row_turns = s.y_km[i] * dune_sin / kDuneKm;
      s.dune_col[i] = static_cast<float>(col_turns - FloorToInt(col_turns));
      s.dune_row[i] = static_cast<float>(row_turns - FloorToInt(row_turns));
    }
    texture.dune_col = s.dune_col.data();
    texture.dune_row = s.dune_row.data();
  }
  if (present[static_cast<int>(LC::kSparseVegetation)]) {
    s.parcel_col.resize(n);
    s.parcel_row.resize(n);
    for (int i = 0; i < n; ++i) {
      s.parcel_col[i] = FloorToInt(s.x_km[i] / kParcelXKm);
      s.parcel_row[i] = FloorToInt(s.y_km[i] / kParcelYKm);
    }
    texture.parcel_col = s.parcel_col.data();
    texture.parcel_row = s.parcel_row.data();
    texture.parcel_key = Key(seed_, 0xF1E1D);
  }
  if (present[static_cast<int>(LC::kUrban)]) {
    const double grid_theta = (centre_regional + 1) * 0.25 * kPi;
    const double grid_cos = std::cos(grid_theta),
                 grid_sin = std::sin(grid_theta);
    s.grid_u_col.resize(n);
    s.grid_u_row.resize(n);
    s.grid_v_col.resize(n);
    s.grid_v_row.resize(n);
    for (int i = 0; i < n; ++i) {
      s.grid_u_col[i] = s.x_km[i] * grid_cos;
      s.grid_v_col[i] = -s.x_km[i] * grid_sin;
      s.grid_u_row[i] = s.y_km[i] * grid_sin;
      s.grid_v_row[i] = s.y_km[i] * grid_cos;
    }
    texture.grid_u_col = s.grid_u_col.data();
    texture.grid_u_row = s.grid_u_row.data();
    texture.grid_v_col = s.grid_v_col.data();
    texture.grid_v_row = s.grid_v_row.data();
    texture.block_key = Key(seed_, 0xB10C);
  }

  // Shade each row run by run of one class; a tile of one class (most
  // tiles) is one run per row.
  s.surface.resize(count * kTileBands);
  const bool uniform = tile.class_fraction[static_cast<int>(tile.label)] == 1;
  for (int i = 0; i < n; ++i) {
    const uint8_t* row = &classes[static_cast<size_t>(i) * n];
    for (int j0 = 0; j0 < n;) {
      int j1 = uniform ? n : j0 + 1;
      while (j1 < n && row[j1] == row[j0]) ++j1;
      ShadeRun(texture, static_cast<LandCover>(row[j0]), i, j0, j1,
               s.surface.data());
      j0 = j1;
    }
  }

  // Clouds at each pixel and the cloud that shades it: the one a
  // cloud_top_km-high layer holds toward the Sun. Cloud cells are a few km
  // across, so the field is evaluated every ~250 m and interpolated.
  const double sin_sun = std::max(std::sin(sun.elevation_rad), 0.0);
  bool shaded = false;
  if (clouds_ != nullptr) {
    const int k = CoarsePoints(n, extent_km, 0.25);
    CoarseAxis(row_lat, k, &s.coarse_lat);
    CoarseAxis(col_lon, k, &s.coarse_lon);
    clouds_->OpacityGrid(s.coarse_lat, s.coarse_lon, band, t, &s.coarse);
    Upsample(s.coarse, k, n, &s.cloud);
    if (sin_sun > 0) {
      const double reach_km = std::min(
          options_.cloud_top_km / std::max(std::tan(sun.elevation_rad), 1e-3),
          50.0);
      const double dlat = reach_km * std::cos(sun.azimuth_rad) / kKmPerDegree;
      const double dlon = reach_km * std::sin(sun.azimuth_rad) / km_per_deg_lon;
      s.shifted_lat = s.coarse_lat;
      s.shifted_lon = s.coarse_lon;
      for (double& x : s.shifted_lat) x += dlat;
      for (double& x : s.shifted_lon) x += dlon;
      clouds_->OpacityGrid(s.shifted_lat, s.shifted_lon, band, t, &s.coarse);
      Upsample(s.coarse, k, n, &s.shadow);
      shaded = true;
    }
  }
  if (clouds_ == nullptr) s.cloud.assign(count, 0.0f);
  if (!shaded) s.shadow.assign(count, 0.0f);
  const float* cloud = s.cloud.data();
  const float* shadow = s.shadow.data();
  int cloudy = 0;
  for (size_t p = 0; p < count; ++p) cloudy += cloud[p] >= 0.5f ? 1 : 0;
  tile.cloud_fraction = static_cast<double>(cloudy) / count;

  // Sensor noise changes with every exposure: its stream is keyed by the
  // seed, the centre (quantised to micro-degrees) and the time. Each pixel
  // takes 64 bits of a counter-based stream (splitmix64 of the exposure key
  // and the pixel index; it passes BigCrush as a counter hash), and each
  // 16-bit slice of them picks a normal from the quantile table.
  const auto sigma = static_cast<float>(options_.noise_stddev);
  uint64_t exposure = 0;
  if (sigma != 0) {
    const auto lat_q = static_cast<uint64_t>(std::llround(lat * 1e6));
    const auto lon_q = static_cast<uint64_t>(std::llround(lon * 1e6));
    const auto t_ms = static_cast<uint64_t>(absl::ToUnixMillis(t));
    exposure = Mix(Mix(Mix(seed_ ^ 0x5E115E11ULL) ^ lat_q) ^ lon_q) ^ Mix(t_ms);
  }
  const float* normal = NormalTable().data();

  // Light: direct sunlight (less where shaded) plus sky light, scaled so an
  // unshaded surface under an overhead Sun reads its reflectance; clouds
  // reflect the same light; the atmosphere adds path radiance. Then the
  // sensor's noise and its range, in the same pass: a pixel's four bands
  // are one SIMD register, and the only branch (on sigma) always goes the
  // same way.
  const auto direct = static_cast<float>(sin_sun);
  const float diffuse = kDiffuse * std::sqrt(direct);
  const float norm = 1.0f / (1.0f + kDiffuse);
  const float cloud_light = (direct + diffuse) * norm;
  // The light on the ground and on the clouds of each pixel first, in a
  // loop over whole arrays that the compiler vectorises 4 pixels at a time.
  s.ground_light.resize(count);
  s.sky_light.resize(count);
  float* ground_light = s.ground_light.data();
  float* sky_light = s.sky_light.data();
  const float* mid = s.mid.data();
  for (size_t p = 0; p < count; ++p) {
    ground_light[p] =
        (direct * (1 - kShadowDepth * shadow[p]) + diffuse) * norm;
    sky_light[p] = (0.88f + 0.12f * mid[p]) * cloud_light;
  }
  const Float4 path = Load4(kPathRadiance.data()) * std::sqrt(direct);
  // Cloud optical thickness varies by weather system (~300 km): thick
  // convective and frontal cloud is bright and hides the ground; thin
  // stratus and cirrus is dimmer and lets the ground show through, so
  // brightness alone does not tell a thin-cloud tile from a bright clear
  // one (snow, sand).
  const float thickness =
      clouds_ == nullptr
          ? 1.0f
          : std::clamp(0.6f + 0.7f * ValueNoiseAt(lat, lon, kThicknessKm, band,
                                                  Key(seed_, 0xC1D7)),
                       0.2f, 1.0f);
  const Float4 cloud_colour =
      Load4(kCloud.data()) * (0.3f + 0.7f * thickness);
  const float veil = 0.35f + 0.65f * thickness;
  const float* surface = s.surface.data();
  tile.pixels.resize(count * kTileBands);
  float* out = tile.pixels.data();
  for (size_t p = 0; p < count; ++p) {
    const float a = cloud[p] * veil;
    const Float4 ground = Load4(&surface[p * kTileBands]) * ground_light[p];
    const Float4 sky = cloud_colour * sky_light[p];
    Float4 v = ground + (sky - ground) * a + path;
    if (sigma != 0) {
      uint64_t bits = Mix(exposure + p * 0x9E3779B97F4A7C15ULL);
      Float4 z;
      for (int b = 0; b < kTileBands; ++b) {
        z[b] = normal[bits & (kNormalTableSize - 1)];
        bits >>= 16;
      }
      v += sigma * z;
    }
    Store4(&out[p * kTileBands], ClampUnit(v));
  }
  return tile;
}

}  // namespace orbitfl::world
