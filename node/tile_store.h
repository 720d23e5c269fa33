#ifndef ORBITFL_NODE_TILE_STORE_H_
#define ORBITFL_NODE_TILE_STORE_H_

// Finite on-board tile storage: when full, the oldest tile is overwritten.
// Tiles live in one preallocated TileDataset, so training reads them in
// place with no copy.

#include <cstdint>

#include "node/dataset.h"

namespace orbitfl::node {

class TileStore {
 public:
  TileStore(int pixels, int bands, int capacity);

  void Add(const float* values, int64_t label);
  // The stored tiles (order is storage order, not capture order).
  const TileDataset& tiles() const { return data_; }
  int64_t size() const { return data_.size(); }
  int capacity() const { return capacity_; }
  // Tiles captured in total, and tiles evicted to make room.
  int64_t captured() const { return captured_; }
  int64_t evicted() const { return captured_ - data_.size(); }

 private:
  TileDataset data_;
  int capacity_;
  int64_t captured_ = 0;
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_TILE_STORE_H_
