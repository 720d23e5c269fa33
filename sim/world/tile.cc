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
#include "sim/world/surface.h"

namespace orbitfl::world {
namespace {

using internal::kBroadKm;
using internal::kCrownKm;
using internal::kDuneKm;
using internal::kFineKm;
using internal::kMidKm;
using internal::kParcelXKm;
using internal::kParcelYKm;
using internal::SurfaceTexture;
static_assert(internal::kSurfaceBands == kTileBands);

using Spectrum = std::array<float, kTileBands>;  // B, G, R, NIR

constexpr Spectrum kCloud = {0.780f, 0.790f, 0.800f, 0.780f};
// Atmospheric path radiance under an overhead Sun: Rayleigh scattering
// falls steeply from blue to NIR.
constexpr Spectrum kPathRadiance = {0.035f, 0.022f, 0.012f, 0.004f};
// Sky (diffuse) light relative to direct sunlight, and how much direct
// light an opaque cloud's shadow removes.
constexpr float kDiffuse = 0.15f;
constexpr float kShadowDepth = 0.8f;

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

uint64_t Key(uint64_t seed, uint64_t what) { return Mix(seed ^ Mix(what)); }

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

  SurfaceTexture texture;
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
      internal::ShadeRun(texture, static_cast<LandCover>(row[j0]), i, j0, j1,
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
