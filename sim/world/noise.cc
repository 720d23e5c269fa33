#include "sim/world/noise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
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
// lattice of spacing `cell`, and `lines` with the distinct lattice lines
// used, ascending. At most 2n lines however small the cell.
void SampleAxis(const std::vector<double>& coord, double cell,
                std::vector<int64_t>* lines, std::vector<AxisSample>* samples) {
  const int n = static_cast<int>(coord.size());
  lines->clear();
  samples->resize(n);
  if (n == 0) return;
  const bool ascending = coord.front() <= coord.back();
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

int64_t CellsAround(double cell_km, double ref_lat_deg) {
  const double circumference_km =
      360.0 * kKmPerDegree * std::cos(ref_lat_deg * kPi / 180.0);
  return std::max<int64_t>(1, std::llround(circumference_km / cell_km));
}

void ValueNoiseGrid(const std::vector<double>& row_lat,
                    const std::vector<double>& col_lon, double cell_km,
                    double ref_lat_deg, uint64_t key, std::vector<float>* out) {
  const int rows = static_cast<int>(row_lat.size());
  const int cols = static_cast<int>(col_lon.size());
  out->resize(static_cast<size_t>(rows) * cols);
  if (rows == 0 || cols == 0) return;
  const double cell_deg = cell_km / kKmPerDegree;
  const int64_t cells_around = CellsAround(cell_km, ref_lat_deg);
  std::vector<AxisSample> ys, xs;
  std::vector<int64_t> y_lines, x_lines;
  SampleAxis(row_lat, cell_deg, &y_lines, &ys);
  SampleAxis(col_lon, 360.0 / cells_around, &x_lines, &xs);
  const int ny = static_cast<int>(y_lines.size());
  const int nx = static_cast<int>(x_lines.size());
  std::vector<float> lattice(static_cast<size_t>(ny) * nx);
  for (int r = 0; r < ny; ++r) {
    for (int s = 0; s < nx; ++s) {
      int64_t ix = x_lines[s] % cells_around;
      if (ix < 0) ix += cells_around;
      lattice[static_cast<size_t>(r) * nx + s] =
          HashToSigned(CellHash(key, ix, y_lines[r]));
    }
  }
  // Blend the two lattice rows of each pixel row first (nx values), then
  // each pixel blends two neighbours of that row: half the work of a
  // per-pixel bilinear blend.
  std::vector<float> row_values(nx);
  for (int i = 0; i < rows; ++i) {
    const float* south = &lattice[static_cast<size_t>(ys[i].lower) * nx];
    const float* north = &lattice[static_cast<size_t>(ys[i].upper) * nx];
    const float fy = ys[i].fade;
    for (int s = 0; s < nx; ++s) {
      row_values[s] = south[s] + (north[s] - south[s]) * fy;
    }
    float* row = out->data() + static_cast<size_t>(i) * cols;
    for (int j = 0; j < cols; ++j) {
      const AxisSample& x = xs[j];
      const float a = row_values[x.lower];
      row[j] = a + (row_values[x.upper] - a) * x.fade;
    }
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
