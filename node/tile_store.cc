#include "node/tile_store.h"

#include <algorithm>

namespace orbitfl::node {

TileStore::TileStore(int pixels, int bands, int capacity)
    : capacity_(std::max(1, capacity)) {
  data_.pixels = pixels;
  data_.bands = bands;
}

void TileStore::Add(const float* values, int64_t label) {
  const int64_t per = data_.tile_values();
  if (data_.size() < capacity_) {
    data_.Add(values, label);
  } else {
    const int64_t slot = captured_ % capacity_;  // the oldest tile
    std::copy(values, values + per, data_.x.begin() + slot * per);
    data_.y[slot] = label;
  }
  ++captured_;
}

}  // namespace orbitfl::node
