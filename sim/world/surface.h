#ifndef ORBITFL_SIM_WORLD_SURFACE_H_
#define ORBITFL_SIM_WORLD_SURFACE_H_

// The ground's reflectance under a tile, class by class: spectra and
// textures (ocean turbidity and glint, ice, dunes, field parcels, tree
// crowns, city blocks). Internal to tile synthesis (tile.cc), split out to
// keep each file to one job.

#include <cstdint>

#include "sim/world/land_cover.h"

namespace orbitfl::world::internal {

// Bands per pixel: B, G, R, NIR (world::kTileBands).
inline constexpr int kSurfaceBands = 4;

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

// Everything the per-class shading reads: texture fields (n x n,
// row-major) and per-row / per-column terms of the class patterns, which
// depend on one coordinate each because latitude follows the row and
// longitude the column.
struct SurfaceTexture {
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

// Shades pixels [j0, j1) of row i, all of class `c`, into `surface`
// (n x n x 4 reflectances, B, G, R, NIR). Whole runs of one class keep
// each loop free of the class switch, so the compiler vectorises the
// smooth classes.
void ShadeRun(const SurfaceTexture& t, LandCover c, int i, int j0, int j1,
              float* surface);

}  // namespace orbitfl::world::internal

#endif  // ORBITFL_SIM_WORLD_SURFACE_H_
