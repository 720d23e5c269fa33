#ifndef ORBITFL_NODE_TILE_STORE_H_
#define ORBITFL_NODE_TILE_STORE_H_

// Finite on-board tile storage: when full, the oldest tile is overwritten.
// Tiles live in one preallocated TileDataset, so training reads them in
// place with no copy; each keeps where and when it was taken.

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "node/dataset.h"

namespace orbitfl::node {

struct TileMeta {
  absl::Time time;
  double lat_deg = 0;
  double lon_deg = 0;
  double cloud_fraction = 0;
  double sun_elevation_deg = 0;
};

class TileStore {
 public:
  TileStore(int pixels, int bands, int capacity);

  void Add(const float* values, int64_t label, const TileMeta& meta = {});
  // The stored tiles (order is storage order, not capture order).
  const TileDataset& tiles() const { return data_; }
  // Metadata, in the same order as tiles().
  const std::vector<TileMeta>& meta() const { return meta_; }
  // Storage slots from the oldest tile to the newest.
  std::vector<int64_t> CaptureOrder() const;
  int64_t size() const { return data_.size(); }
  int capacity() const { return capacity_; }
  // Tiles captured in total, and tiles evicted to make room.
  int64_t captured() const { return captured_; }
  int64_t evicted() const { return captured_ - data_.size(); }

 private:
  TileDataset data_;
  std::vector<TileMeta> meta_;
  int capacity_;
  int64_t captured_ = 0;
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_TILE_STORE_H_
