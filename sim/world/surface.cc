#include "sim/world/surface.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "sim/world/noise.h"

namespace orbitfl::world::internal {
namespace {

using Spectrum = std::array<float, kSurfaceBands>;  // B, G, R, NIR

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

void SetScaled(const Spectrum& s, float scale, float* out) {
  for (int b = 0; b < kSurfaceBands; ++b) out[b] = s[b] * scale;
}

void Blend(const Spectrum& a, const Spectrum& b, float t, float* out) {
  for (int k = 0; k < kSurfaceBands; ++k) out[k] = a[k] + (b[k] - a[k]) * t;
}

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

// Shading of pixels [j0, j1) of row i, all of one class, into `surface`
// (n x n x kSurfaceBands). Whole runs of one class keep each loop free of the
// class switch, so the compiler vectorises the smooth classes.
void ShadeWater(const SurfaceTexture& t, int i, int j0, int j1, float* surface) {
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    const float turbid = std::max(0.0f, t.broad[p]);
    const float m = 1 + 0.25f * t.mid[p] + 0.05f * t.fine[p];
    // Glint is white and sparkles with the wave facets.
    const float sparkle = t.glint * (1 + 0.6f * t.fine[p]);
    for (int b = 0; b < kSurfaceBands; ++b) {
      surface[p * kSurfaceBands + b] =
          kWater[b] * m + kSediment[b] * turbid + sparkle;
    }
  }
}

void ShadeIce(const SurfaceTexture& t, int i, int j0, int j1, float* surface) {
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    SetScaled(kIce, 1 + 0.05f * t.broad[p] + 0.03f * t.mid[p],
              &surface[p * kSurfaceBands]);
  }
}

void ShadeBare(const SurfaceTexture& t, int i, int j0, int j1, float* surface) {
  // Dunes: ripples across the regional wind direction, bent by the broad
  // noise (2.5 radians per unit of it).
  constexpr float kBendTurns = static_cast<float>(2.5 / (2 * kPi));
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    const float dune =
        SinTurns(t.dune_col[j] + t.dune_row[i] + kBendTurns * t.broad[p]);
    float* out = &surface[p * kSurfaceBands];
    Blend(kSand, kRedSoil, 0.5f + 0.5f * t.regional[p], out);
    const float m = 1 + 0.12f * dune + 0.08f * t.fine[p];
    for (int b = 0; b < kSurfaceBands; ++b) out[b] *= m;
  }
}

void ShadeSparseVegetation(const SurfaceTexture& t, int i, int j0, int j1,
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
              &surface[p * kSurfaceBands]);
  }
}

void ShadeDenseVegetation(const SurfaceTexture& t, int i, int j0, int j1,
                          float* surface) {
  // Tree crowns and the shade between them darken every band; canopy
  // vigour moves NIR on its own.
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    float* out = &surface[p * kSurfaceBands];
    SetScaled(kForest, 1 + 0.22f * t.crown[p] + 0.12f * t.fine[p], out);
    out[3] *= 1 + 0.12f * t.broad[p];
  }
}

void ShadeUrban(const SurfaceTexture& t, int i, int j0, int j1, float* surface) {
  // Blocks and streets on a grid at the city's orientation. A block spans
  // ~5 pixels: its roof is hashed only when the block changes.
  int64_t last_iu = 0, last_iv = 0;
  const Spectrum* roof = nullptr;
  for (int j = j0; j < j1; ++j) {
    const size_t p = static_cast<size_t>(i) * t.n + j;
    float* out = &surface[p * kSurfaceBands];
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

}  // namespace

void ShadeRun(const SurfaceTexture& t, LandCover c, int i, int j0, int j1,
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

}  // namespace orbitfl::world::internal
