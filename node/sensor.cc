#include "node/sensor.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "orbit/frames.h"
#include "orbit/sun.h"

namespace orbitfl::node {

absl::StatusOr<Sensor> Sensor::Create(const SensorOptions& options,
                                      const orbit::Propagator* orbit,
                                      const world::TileSynthesizer* tiles,
                                      absl::Time epoch) {
  if (orbit == nullptr || tiles == nullptr) {
    return absl::InvalidArgumentError("sensor: no orbit or world");
  }
  if (options.capture_interval <= absl::ZeroDuration() ||
      options.max_tiles < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sensor: expected capture_interval_s > 0 and max_tiles >= 1, got ",
        absl::ToDoubleSeconds(options.capture_interval), " and ",
        options.max_tiles));
  }
  return Sensor(options, orbit, tiles, epoch);
}

Sensor Sensor::Preloaded(const SensorOptions& options, const TileDataset& tiles,
                         absl::Time epoch) {
  SensorOptions o = options;
  o.max_tiles = std::max<int64_t>(o.max_tiles, tiles.size());
  Sensor sensor(o, nullptr, nullptr, epoch, tiles.pixels, tiles.bands);
  for (int64_t i = 0; i < tiles.size(); ++i) {
    sensor.store_.Add(tiles.x.data() + i * tiles.tile_values(), tiles.y[i],
                      {epoch, 0, 0, 0, 0});
  }
  return sensor;
}

Sensor::Sensor(const SensorOptions& options, const orbit::Propagator* orbit,
               const world::TileSynthesizer* tiles, absl::Time epoch)
    : options_(options),
      orbit_(orbit),
      tiles_(tiles),
      epoch_(epoch),
      store_(tiles->options().pixels, world::kTileBands, options.max_tiles) {}

Sensor::Sensor(const SensorOptions& options, const orbit::Propagator* orbit,
               const world::TileSynthesizer* tiles, absl::Time epoch,
               int pixels, int bands)
    : options_(options),
      orbit_(orbit),
      tiles_(tiles),
      epoch_(epoch),
      store_(pixels, bands, options.max_tiles) {}

void Sensor::CaptureUntil(absl::Time t) {
  if (tiles_ == nullptr) return;  // preloaded: nothing to capture
  const double min_sun_rad = options_.min_sun_elevation_deg * orbit::kDegToRad;
  for (;; ++next_capture_) {
    const absl::Time at = epoch_ + next_capture_ * options_.capture_interval;
    if (at > t) break;
    const orbit::StateVector s = orbit_->Propagate(at);
    orbit::Geodetic ground =
        orbit::EcefToGeodetic(orbit::InertialToEcef(s.position_km, at));
    ground.alt_km = 0;
    if (orbit::SunElevationRad(ground, at) < min_sun_rad) {
      ++dark_;
      continue;
    }
    const world::Tile tile = tiles_->Synthesize(
        ground.lat_rad * orbit::kRadToDeg, ground.lon_rad * orbit::kRadToDeg,
        at);
    const std::optional<int64_t> label = LabelOf(options_.task, tile);
    if (!label) {
      ++screened_;
      continue;
    }
    store_.Add(tile.pixels.data(), *label,
               {at, tile.lat_deg, tile.lon_deg, tile.cloud_fraction,
                tile.sun_elevation_deg});
  }
}

}  // namespace orbitfl::node
