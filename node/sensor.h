#ifndef ORBITFL_NODE_SENSOR_H_
#define ORBITFL_NODE_SENSOR_H_

// A satellite's imager: a tile under the ground track every capture
// interval, only while the Sun is high enough at the sub-satellite point,
// labelled for the task (land cover screens out cloudy tiles on board),
// into finite storage that evicts the oldest tile first.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/dataset.h"
#include "node/task.h"
#include "node/tile_store.h"
#include "orbit/propagator.h"
#include "sim/world/tile.h"

namespace orbitfl::node {

struct SensorOptions {
  absl::Duration capture_interval = absl::Seconds(60);
  // Captures only while the Sun is at least this high at the sub-satellite
  // point.
  double min_sun_elevation_deg = 10;
  int max_tiles = 2000;
  TaskOptions task;
};

class Sensor {
 public:
  // `orbit` and `tiles` are not owned and must outlive the sensor. The
  // first capture is at `epoch`. InvalidArgument for a non-positive
  // interval or storage.
  static absl::StatusOr<Sensor> Create(const SensorOptions& options,
                                       const orbit::Propagator* orbit,
                                       const world::TileSynthesizer* tiles,
                                       absl::Time epoch);
  // A satellite whose data is a share of a real dataset (a EuroSAT-style
  // folder), on board from the epoch: `tiles` fills the store (its
  // capacity grows to hold them all) and nothing is ever captured.
  static Sensor Preloaded(const SensorOptions& options,
                          const TileDataset& tiles, absl::Time epoch);

  // Captures every tile due in (last capture, t].
  void CaptureUntil(absl::Time t);

  const TileStore& store() const { return store_; }
  // Capture instants passed in darkness, and daylight tiles screened out
  // as no example of the task.
  int64_t dark() const { return dark_; }
  int64_t screened() const { return screened_; }
  const SensorOptions& options() const { return options_; }

 private:
  Sensor(const SensorOptions& options, const orbit::Propagator* orbit,
         const world::TileSynthesizer* tiles, absl::Time epoch);
  Sensor(const SensorOptions& options, const orbit::Propagator* orbit,
         const world::TileSynthesizer* tiles, absl::Time epoch, int pixels,
         int bands);

  SensorOptions options_;
  const orbit::Propagator* orbit_;
  const world::TileSynthesizer* tiles_;
  absl::Time epoch_;
  TileStore store_;
  int64_t next_capture_ = 0;  // index of the next capture instant
  int64_t dark_ = 0;
  int64_t screened_ = 0;
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_SENSOR_H_
