#include "sim/world/tile.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
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

// Branch-free (minss/maxss) clamp to [0, 1]: noisy pixels near the bounds
// make std::clamp's branches mispredict.
inline float ClampUnit(float v) {
  v = v > 0.0f ? v : 0.0f;
  return v < 1.0f ? v : 1.0f;
}


// Points at which slowly varying fields are evaluated: k per edge, spanning
// the first to the last pixel centre, then interpolated to every pixel.
std::vector<double> CoarseAxis(const std::vector<double>& fine, int k) {
  std::vector<double> coarse(k);
  const int n = static_cast<int>(fine.size());
  for (int m = 0; m < k; ++m) {
    const double x = k == 1 ? 0 : m * (n - 1.0) / (k - 1);
    const int i = std::min(static_cast<int>(x), n - 1);
    const int j = std::min(i + 1, n - 1);
    coarse[m] = fine[i] + (fine[j] - fine[i]) * (x - i);
  }
  return coarse;
}

// Bilinear interpolation of a k x k grid (on CoarseAxis points) to n x n.
void Upsample(const std::vector<float>& coarse, int k, int n,
              std::vector<float>* out) {
  out->resize(static_cast<size_t>(n) * n);
  std::vector<int> lo(n);
  std::vector<float> f(n);
  for (int i = 0; i < n; ++i) {
    const double x = n == 1 ? 0 : i * (k - 1.0) / (n - 1);
    lo[i] = std::min(static_cast<int>(x), std::max(k - 2, 0));
    f[i] = static_cast<float>(x - lo[i]);
  }
  const int step = k > 1 ? 1 : 0;
  for (int i = 0; i < n; ++i) {
    const float* a = &coarse[static_cast<size_t>(lo[i]) * k];
    const float* b = a + step * k;
    for (int j = 0; j < n; ++j) {
      const int c = lo[j];
      const float top = a[c] + (a[c + step] - a[c]) * f[j];
      const float bottom = b[c] + (b[c + step] - b[c]) * f[j];
      (*out)[static_cast<size_t>(i) * n + j] = top + (bottom - top) * f[i];
    }
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

  // Local flat approximation, north-up: row 0 is the northern edge. One
  // cos(centre latitude) for the whole tile keeps columns on meridians, so
  // latitude depends only on the row and longitude only on the column. The
  // floor on the cosine stops longitudes exploding for a tile at a pole.
  const double pixel_km = gsd_m / 1000.0;
  const double extent_km = pixel_km * n;
  const double km_per_deg_lon =
      kKmPerDegree * std::max(std::cos(lat * kPi / 180.0), 1e-3);
  std::vector<double> row_lat(n), col_lon(n);
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
  std::vector<double> y_km(n), x_km(n);
  for (int i = 0; i < n; ++i) {
    y_km[i] = row_lat[i] * kKmPerDegree;
    x_km[i] = col_lon[i] * band_km_per_deg_lon;
  }

  // Classes under the footprint, through the warped boundaries. Most tiles
  // lie well inside one class: when every map pixel the warped footprint
  // can reach has the same class, the per-pixel lookup is skipped.
  std::vector<uint8_t> classes(count);
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
    const std::vector<double> clat = CoarseAxis(row_lat, k);
    const std::vector<double> clon = CoarseAxis(col_lon, k);
    std::vector<float> coarse, warp_lat, warp_lon;
    ValueNoiseGrid(clat, clon, kWarpKm, band, Key(seed_, 0x3A1), &coarse);
    Upsample(coarse, k, n, &warp_lat);
    ValueNoiseGrid(clat, clon, kWarpKm, band, Key(seed_, 0x3A2), &coarse);
    Upsample(coarse, k, n, &warp_lon);
    std::array<int, kNumLandCoverClasses> counts{};
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        const size_t p = static_cast<size_t>(i) * n + j;
        const auto c = static_cast<uint8_t>(
            map_->ClassAt(row_lat[i] + kWarpDeg * warp_lat[p],
                          col_lon[j] + kWarpDeg * lon_scale * warp_lon[p]));
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
  std::vector<float> broad, mid, fine, crown, regional;
  auto grid = [&](bool needed, double cell_km, uint64_t what,
                  std::vector<float>* out) {
    if (needed) {
      ValueNoiseGrid(row_lat, col_lon, cell_km, band, Key(seed_, what), out);
    } else {
      out->assign(count, 0.0f);
    }
  };
  grid(any({LC::kWater, LC::kIce, LC::kBare, LC::kDenseVegetation}), kBroadKm,
       0x7E1, &broad);
  // The mid scale also textures clouds.
  grid(clouds_ != nullptr ||
           any({LC::kWater, LC::kIce, LC::kSparseVegetation}),
       kMidKm, 0x7E2, &mid);
  grid(any({LC::kWater, LC::kBare, LC::kSparseVegetation,
            LC::kDenseVegetation, LC::kUrban}),
       kFineKm, 0x7E3, &fine);
  grid(any({LC::kDenseVegetation, LC::kUrban}), kCrownKm, 0x7E4, &crown);
  {
    // Regional character (soil colour, dune and street orientation), on
    // 40 km: constant enough over a tile to evaluate coarsely.
    const int k = std::min(n, 2);
    std::vector<float> coarse;
    ValueNoiseGrid(CoarseAxis(row_lat, k), CoarseAxis(col_lon, k), 40.0, band,
                   Key(seed_, 0x7E5), &coarse);
    Upsample(coarse, k, n, &regional);
  }
  // Dune and street-grid orientation: one per tile, from the regional
  // field at its centre (it changes over tens of km).
  const double centre_regional = regional[count / 2 + n / 2];
  const double dune_theta = (centre_regional + 1) * 0.5 * kPi;
  const double grid_theta = (centre_regional + 1) * 0.25 * kPi;
  const double dune_cos = std::cos(dune_theta), dune_sin = std::sin(dune_theta);
  const double grid_cos = std::cos(grid_theta), grid_sin = std::sin(grid_theta);
  const uint64_t parcel_key = Key(seed_, 0xF1E1D);
  const uint64_t block_key = Key(seed_, 0xB10C);

  std::vector<float> surface(count * kTileBands);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const size_t p = static_cast<size_t>(i) * n + j;
      float* out = &surface[p * kTileBands];
      const float r = regional[p];
      switch (static_cast<LandCover>(classes[p])) {
        case LandCover::kWater: {
          const float turbid = std::max(0.0f, broad[p]);
          for (int b = 0; b < kTileBands; ++b) {
            out[b] = kWater[b] * (1 + 0.25f * mid[p] + 0.05f * fine[p]) +
                     kSediment[b] * turbid;
          }
          break;
        }
        case LandCover::kIce:
          SetScaled(kIce, 1 + 0.05f * broad[p] + 0.03f * mid[p], out);
          break;
        case LandCover::kBare: {
          // Dunes: ripples across the regional wind direction, bent by
          // the broad noise.
          const double u = x_km[j] * dune_cos + y_km[i] * dune_sin;
          const auto dune = static_cast<float>(
              std::sin(2 * kPi * u / kDuneKm + 2.5 * broad[p]));
          Blend(kSand, kRedSoil, 0.5f + 0.5f * r, out);
          const float m = 1 + 0.12f * dune + 0.08f * fine[p];
          for (int b = 0; b < kTileBands; ++b) out[b] *= m;
          break;
        }
        case LandCover::kSparseVegetation: {
          // A patchwork of parcels: crops, grass, bare soil.
          const auto ix = static_cast<int64_t>(std::floor(x_km[j] / kParcelXKm));
          const auto iy = static_cast<int64_t>(std::floor(y_km[i] / kParcelYKm));
          const float h = HashToUnit(CellHash(parcel_key, ix, iy));
          const Spectrum& s = h < 0.45f ? kCrop : (h < 0.75f ? kGrass : kSoil);
          SetScaled(s, 1 + 0.10f * mid[p] + 0.06f * fine[p], out);
          break;
        }
        case LandCover::kDenseVegetation: {
          // Tree crowns and the shade between them darken every band;
          // canopy vigour moves NIR on its own.
          const float shade = 1 + 0.22f * crown[p] + 0.12f * fine[p];
          SetScaled(kForest, shade, out);
          out[3] *= 1 + 0.12f * broad[p];
          break;
        }
        case LandCover::kUrban: {
          // Blocks and streets on a grid at the city's orientation.
          const double u = (x_km[j] * grid_cos + y_km[i] * grid_sin) / kBlockKm;
          const double v = (-x_km[j] * grid_sin + y_km[i] * grid_cos) / kBlockKm;
          const double fu = (u - std::floor(u)) * kBlockKm;
          const double fv = (v - std::floor(v)) * kBlockKm;
          if (fu < kStreetKm || fv < kStreetKm) {
            SetScaled(kAsphalt, 1 + 0.05f * fine[p], out);
          } else {
            const float h = HashToUnit(CellHash(
                block_key, static_cast<int64_t>(std::floor(u)),
                static_cast<int64_t>(std::floor(v))));
            const Spectrum& roof =
                h < 0.45f ? kConcrete
                          : (h < 0.7f ? kRedRoof : (h < 0.88f ? kDarkRoof : kPark));
            SetScaled(roof, 1 + 0.15f * crown[p], out);
          }
          break;
        }
      }
    }
  }

  // Clouds at each pixel and the cloud that shades it: the one a
  // cloud_top_km-high layer holds toward the Sun. Cloud cells are a few km
  // across, so the field is evaluated every ~250 m and interpolated.
  std::vector<float> cloud(count, 0.0f), shadow(count, 0.0f);
  const double sin_sun = std::max(std::sin(sun.elevation_rad), 0.0);
  if (clouds_ != nullptr) {
    const int k = CoarsePoints(n, extent_km, 0.25);
    const std::vector<double> clat = CoarseAxis(row_lat, k);
    const std::vector<double> clon = CoarseAxis(col_lon, k);
    std::vector<float> coarse;
    clouds_->OpacityGrid(clat, clon, band, t, &coarse);
    Upsample(coarse, k, n, &cloud);
    if (sin_sun > 0) {
      const double reach_km = std::min(
          options_.cloud_top_km / std::max(std::tan(sun.elevation_rad), 1e-3),
          50.0);
      const double dlat = reach_km * std::cos(sun.azimuth_rad) / kKmPerDegree;
      const double dlon = reach_km * std::sin(sun.azimuth_rad) / km_per_deg_lon;
      std::vector<double> slat(clat), slon(clon);
      for (double& x : slat) x += dlat;
      for (double& x : slon) x += dlon;
      clouds_->OpacityGrid(slat, slon, band, t, &coarse);
      Upsample(coarse, k, n, &shadow);
    }
  }

  // Light: direct sunlight (less where shaded) plus sky light, scaled so an
  // unshaded surface under an overhead Sun reads its reflectance; clouds
  // reflect the same light; the atmosphere adds path radiance.
  const auto direct = static_cast<float>(sin_sun);
  const float diffuse = kDiffuse * std::sqrt(direct);
  const float norm = 1.0f / (1.0f + kDiffuse);
  const float cloud_light = (direct + diffuse) * norm;
  const float haze = std::sqrt(direct);
  tile.pixels.resize(count * kTileBands);
  float* out = tile.pixels.data();
  int cloudy = 0;
  for (size_t p = 0; p < count; ++p) {
    const float a = cloud[p];
    if (a >= 0.5f) ++cloudy;
    const float ground_light =
        (direct * (1 - kShadowDepth * shadow[p]) + diffuse) * norm;
    const float cloud_texture = 0.88f + 0.12f * mid[p];
    for (int b = 0; b < kTileBands; ++b) {
      const float ground = surface[p * kTileBands + b] * ground_light;
      const float sky = kCloud[b] * cloud_texture * cloud_light;
      out[p * kTileBands + b] =
          ground + (sky - ground) * a + kPathRadiance[b] * haze;
    }
  }
  tile.cloud_fraction = static_cast<double>(cloudy) / count;

  // Sensor noise changes with every exposure: its stream is keyed by the
  // seed, the centre (quantised to micro-degrees) and the time. Seeding
  // mt19937_64 costs more than a small tile's texture, so a noiseless
  // sensor skips it.
  const auto sigma = static_cast<float>(options_.noise_stddev);
  if (sigma != 0) {
    const auto lat_q = static_cast<uint64_t>(std::llround(lat * 1e6));
    const auto lon_q = static_cast<uint64_t>(std::llround(lon * 1e6));
    const auto t_ms = static_cast<uint64_t>(absl::ToUnixMillis(t));
    // A counter-based stream: pixel p's 64 bits are a hash of the exposure
    // key and p (splitmix64 passes BigCrush as a counter hash).
    const uint64_t exposure =
        Mix(Mix(Mix(seed_ ^ 0x5E115E11ULL) ^ lat_q) ^ lon_q) ^ Mix(t_ms);
    const float* normal = NormalTable().data();
    std::vector<float> z(count * kTileBands);
    for (size_t p = 0; p < count; ++p) {
      uint64_t bits = Mix(exposure + p * 0x9E3779B97F4A7C15ULL);
      for (int b = 0; b < kTileBands; ++b) {
        z[p * kTileBands + b] = normal[bits & (kNormalTableSize - 1)];
        bits >>= 16;
      }
    }
    // A separate, branch-free pass the compiler vectorises.
    for (size_t k = 0; k < z.size(); ++k) {
      out[k] = ClampUnit(out[k] + sigma * z[k]);
    }
  } else {
    for (float& v : tile.pixels) v = ClampUnit(v);
  }
  return tile;
}

}  // namespace orbitfl::world
