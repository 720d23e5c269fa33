#include "node/tile_store.h"

#include <algorithm>
#include <vector>

namespace orbitfl::node {

TileStore::TileStore(int pixels, int bands, int capacity)
    : capacity_(std::max(1, capacity)) {
  data_.pixels = pixels;
  data_.bands = bands;
}

void TileStore::Add(const float* values, int64_t label, const TileMeta& meta) {
  const int64_t per = data_.tile_values();
  if (data_.size() < capacity_) {
    data_.Add(values, label);
    meta_.push_back(meta);
  } else {
    const int64_t slot = captured_ % capacity_;  // the oldest tile
    std::copy(values, values + per, data_.x.begin() + slot * per);
    data_.y[slot] = label;
    meta_[slot] = meta;
  }
  ++captured_;
}

std::vector<int64_t> TileStore::CaptureOrder() const {
  const int64_t n = data_.size();
  std::vector<int64_t> order(n);
  // Until the store fills, slot order is capture order; after, the oldest
  // tile sits in the slot the next capture overwrites.
  const int64_t oldest = n < capacity_ ? 0 : captured_ % capacity_;
  for (int64_t i = 0; i < n; ++i) order[i] = (oldest + i) % n;
  return order;
}

}  // namespace orbitfl::node
