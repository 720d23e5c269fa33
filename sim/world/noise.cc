#include "sim/world/noise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace orbitfl::world {
namespace {

// One axis of the lattice for a row or column of pixels: indices of the
// lower and upper lattice lines in the compact list of lines the grid
// touches, and the smoothstep-faded fraction between them.
struct AxisSample {
  int lower;
  int upper;
  float fade;
};

// Fills `samples` for coordinates `coord` (monotonic, either way) on a
// lattice of spacing `cell`, and `lines` with the lattice lines they
// index, ascending: every line from the lowest used to the highest (at
// most 2n of them), or, for cells much finer than the coordinates'
// spacing, only the distinct lines used. `line_of` is working space.
void SampleAxis(const std::vector<double>& coord, double cell,
                std::vector<int64_t>* lines, std::vector<AxisSample>* samples,
                std::vector<int64_t>* line_of) {
  const int n = static_cast<int>(coord.size());
  lines->clear();
  samples->resize(n);
  line_of->resize(n);
  if (n == 0) return;
  // The per-coordinate loop has no data-dependent branch: growing `lines`
  // coordinate by coordinate mispredicted on every new line.
  const double inv_cell = 1.0 / cell;
  for (int i = 0; i < n; ++i) {
    const double x = coord[i] * inv_cell;
    const int64_t line = FloorToInt(x);
    const auto f = static_cast<float>(x - static_cast<double>(line));
    (*line_of)[i] = line;
    (*samples)[i].fade = f * f * (3 - 2 * f);
  }
  const int64_t first = std::min(line_of->front(), line_of->back());
  const int64_t last = std::max(line_of->front(), line_of->back()) + 1;
  if (last - first + 1 <= 2 * static_cast<int64_t>(n)) {
    for (int64_t line = first; line <= last; ++line) lines->push_back(line);
    for (int i = 0; i < n; ++i) {
      const auto lower = static_cast<int>((*line_of)[i] - first);
      (*samples)[i].lower = lower;
      (*samples)[i].upper = lower + 1;
    }
    return;
  }
  const bool ascending = coord.front() <= coord.back();
  for (int step = 0; step < n; ++step) {
    const int i = ascending ? step : n - 1 - step;
    const int64_t line = (*line_of)[i];
    if (lines->empty() || lines->back() < line) lines->push_back(line);
    if (lines->back() < line + 1) lines->push_back(line + 1);
    const int upper = static_cast<int>(lines->size()) - 1;
    (*samples)[i].lower = upper - 1;
    (*samples)[i].upper = upper;
  }
}

// A grid's working arrays. A tile samples ~30 grids, and malloc and free
// of these (and of the tile's own arrays) were ~6% of its time. Kept
// thread_local, so the functions stay pure and safe to call from many
// threads; the arrays keep the capacity of the largest grid a thread has
// sampled.
struct GridScratch {
  std::vector<AxisSample> ys, xs;
  std::vector<int64_t> y_lines, x_lines, x_wrapped, line_of;
  std::vector<float> lattice;
  // Lattice rows blended to every column: y_lines.size() x cols.
  std::vector<float> lattice_rows;
};

// Samples the grid's axes on the lattice of `cell_km` into `s`.
void SampleGrid(const std::vector<double>& row_lat,
                const std::vector<double>& col_lon, double cell_km,
                double ref_lat_deg, GridScratch* s) {
  const double cell_deg = cell_km / kKmPerDegree;
  const int64_t cells_around = CellsAround(cell_km, ref_lat_deg);
  SampleAxis(row_lat, cell_deg, &s->y_lines, &s->ys, &s->line_of);
  SampleAxis(col_lon, 360.0 / cells_around, &s->x_lines, &s->xs, &s->line_of);
  // Wrap the columns at the antimeridian once per column rather than once
  // per lattice node (a 64-bit division each).
  const int nx = static_cast<int>(s->x_lines.size());
  s->x_wrapped.resize(nx);
  for (int c = 0; c < nx; ++c) {
    int64_t ix = s->x_lines[c] % cells_around;
    if (ix < 0) ix += cells_around;
    s->x_wrapped[c] = ix;
  }
}

// The field of `key` on the grid sampled into `s`: stored to `out` when
// `add` is false, else added to it times `weight`.
void BlendField(uint64_t key, bool add, float weight, GridScratch* s,
                float* out) {
  const int rows = static_cast<int>(s->ys.size());
  const int cols = static_cast<int>(s->xs.size());
  const int ny = static_cast<int>(s->y_lines.size());
  const int nx = static_cast<int>(s->x_lines.size());
  s->lattice.resize(static_cast<size_t>(ny) * nx);
  for (int r = 0; r < ny; ++r) {
    for (int c = 0; c < nx; ++c) {
      s->lattice[static_cast<size_t>(r) * nx + c] =
          HashToSigned(CellHash(key, s->x_wrapped[c], s->y_lines[r]));
    }
  }
  // Bilinear blend, east-west first: each lattice row is blended to every
  // column (ny x cols lookups; ny is a few for all but the finest cells),
  // then each pixel row is a blend of two of those rows, a loop over
  // contiguous arrays that the compiler vectorises. A point's value is the
  // same arithmetic whatever grid it is part of.
  s->lattice_rows.resize(static_cast<size_t>(ny) * cols);
  for (int r = 0; r < ny; ++r) {
    const float* lattice = &s->lattice[static_cast<size_t>(r) * nx];
    float* blended = &s->lattice_rows[static_cast<size_t>(r) * cols];
    for (int j = 0; j < cols; ++j) {
      const AxisSample& x = s->xs[j];
      const float west = lattice[x.lower];
      blended[j] = west + (lattice[x.upper] - west) * x.fade;
    }
  }
  for (int i = 0; i < rows; ++i) {
    const AxisSample& y = s->ys[i];
    const float* south = &s->lattice_rows[static_cast<size_t>(y.lower) * cols];
    const float* north = &s->lattice_rows[static_cast<size_t>(y.upper) * cols];
    float* row = out + static_cast<size_t>(i) * cols;
    if (add) {
      for (int j = 0; j < cols; ++j) {
        row[j] += weight * (south[j] + (north[j] - south[j]) * y.fade);
      }
    } else {
      for (int j = 0; j < cols; ++j) {
        row[j] = south[j] + (north[j] - south[j]) * y.fade;
      }
    }
  }
}

}  // namespace

int64_t CellsAround(double cell_km, double ref_lat_deg) {
  // Every grid of a tile shares one latitude band: remember its cosine
  // rather than recompute it for each of the tile's ~30 grids.
  thread_local double cached_lat_deg = 0;
  thread_local double cached_cos = 1;  // cos(0)
  if (ref_lat_deg != cached_lat_deg) {
    cached_lat_deg = ref_lat_deg;
    cached_cos = std::cos(ref_lat_deg * kPi / 180.0);
  }
  const double circumference_km = 360.0 * kKmPerDegree * cached_cos;
  return std::max<int64_t>(1, std::llround(circumference_km / cell_km));
}

void ValueNoiseGrid(const std::vector<double>& row_lat,
                    const std::vector<double>& col_lon, double cell_km,
                    double ref_lat_deg, uint64_t key, std::vector<float>* out) {
  out->resize(row_lat.size() * col_lon.size());
  if (out->empty()) return;
  thread_local GridScratch scratch;
  SampleGrid(row_lat, col_lon, cell_km, ref_lat_deg, &scratch);
  BlendField(key, /*add=*/false, 1.0f, &scratch, out->data());
}

void AddValueNoiseGrids(const std::vector<double>& row_lat,
                        const std::vector<double>& col_lon, double cell_km,
                        double ref_lat_deg,
                        std::initializer_list<NoiseLayer> layers,
                        std::vector<float>* out) {
  if (out->empty()) return;
  thread_local GridScratch scratch;
  SampleGrid(row_lat, col_lon, cell_km, ref_lat_deg, &scratch);
  for (const NoiseLayer& layer : layers) {
    if (layer.weight == 0) continue;
    BlendField(layer.key, /*add=*/true, layer.weight, &scratch, out->data());
  }
}

float ValueNoiseAt(double lat_deg, double lon_deg, double cell_km,
                   double ref_lat_deg, uint64_t key) {
  std::vector<float> out;
  ValueNoiseGrid({lat_deg}, {lon_deg}, cell_km, ref_lat_deg, key, &out);
  return out[0];
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace orbitfl::world
