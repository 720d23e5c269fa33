#ifndef ORBITFL_NODE_DATASET_H_
#define ORBITFL_NODE_DATASET_H_

// Labelled tiles in a flat, LibTorch-free layout, so that headers which
// carry data between layers stay cheap to include.

#include <cstdint>
#include <vector>

namespace orbitfl::node {

struct TileDataset {
  int pixels = 0;  // tile edge
  int bands = 0;   // channels per pixel
  // N x H x W x C floats, row-major.
  std::vector<float> x;
  std::vector<int64_t> y;

  int64_t size() const { return static_cast<int64_t>(y.size()); }
  int64_t tile_values() const {
    return static_cast<int64_t>(pixels) * pixels * bands;
  }
  // Appends one tile; `values` holds tile_values() floats.
  void Add(const float* values, int64_t label) {
    x.insert(x.end(), values, values + tile_values());
    y.push_back(label);
  }
};

// The tiles at `indices`, in that order. Indices must be in [0, size()).
inline TileDataset Subset(const TileDataset& data,
                          const std::vector<int64_t>& indices) {
  TileDataset out;
  out.pixels = data.pixels;
  out.bands = data.bands;
  out.x.reserve(indices.size() * data.tile_values());
  out.y.reserve(indices.size());
  for (int64_t i : indices) {
    out.Add(data.x.data() + i * data.tile_values(), data.y[i]);
  }
  return out;
}

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_DATASET_H_
