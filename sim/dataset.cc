#include "sim/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "node/sensor.h"
#include "sim/contact_plan.h"
#include "sim/scenario_world.h"
#include "sim/time_format.h"
#include "sim/world/image_io.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {

absl::StatusOr<CollectedTiles> CollectTiles(const proto::Scenario& scenario,
                                            const CollectOptions& options) {
  ORBITFL_ASSIGN_OR_RETURN(absl::Time start, ParseUtc(scenario.epoch_utc()));
  const absl::Time stop =
      start + absl::Seconds(scenario.duration_hours() * 3600);
  ORBITFL_ASSIGN_OR_RETURN(ScenarioWorld world, BuildScenarioWorld(scenario));
  ORBITFL_ASSIGN_OR_RETURN(ScenarioSatellites sats,
                           BuildSatellites(scenario, start));
  CollectedTiles out;
  out.task = world.sensor.task.task;
  out.satellite_names = sats.satellite_names;
  out.tiles.pixels = world.tiles->options().pixels;
  out.tiles.bands = world::kTileBands;
  const auto& names = sats.satellite_names;
  if (!options.satellite.empty() &&
      std::find(names.begin(), names.end(), options.satellite) == names.end()) {
    return absl::NotFoundError(absl::StrCat(
        "--satellite: no satellite \"", options.satellite,
        "\" in the scenario; it has ", absl::StrJoin(names, ", ")));
  }
  // Stream 5 of entity "dataset tools": the split is the same whoever asks.
  std::seed_seq seq{scenario.seed(), uint64_t{0xFFFFFFFD}, uint64_t{5}};
  std::mt19937_64 gen(seq);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (size_t i = 0; i < names.size(); ++i) {
    if (!options.satellite.empty() && names[i] != options.satellite) continue;
    ORBITFL_ASSIGN_OR_RETURN(
        node::Sensor sensor,
        node::Sensor::Create(world.sensor, sats.orbits[i].get(),
                             world.tiles.get(), start));
    sensor.CaptureUntil(stop);
    const node::TileStore& store = sensor.store();
    for (int64_t slot : store.CaptureOrder()) {
      out.tiles.Add(store.tiles().x.data() + slot * store.tiles().tile_values(),
                    store.tiles().y[slot]);
      out.satellite.push_back(static_cast<int>(i));
      out.meta.push_back(store.meta()[slot]);
    }
    if (options.progress != nullptr) {
      *options.progress << absl::StrFormat(
          "[orbitfl] %s: %d tiles kept (%d screened as %s, %d evicted), %d "
          "capture times in darkness\n",
          names[i], store.size(), sensor.screened(),
          out.task == node::Task::kLandCover ? "too cloudy" : "unusable",
          store.evicted(), sensor.dark());
    }
  }
  for (int64_t k = 0; k < out.tiles.size(); ++k) {
    out.test.push_back(unit(gen) < options.test_fraction);
  }
  return out;
}

Accuracy Score(const std::vector<int64_t>& predicted,
               const std::vector<int64_t>& labels, int num_classes) {
  Accuracy a;
  a.examples = static_cast<int64_t>(labels.size());
  std::vector<int64_t> hits(num_classes, 0), counts(num_classes, 0);
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes) continue;
    ++counts[labels[i]];
    if (predicted[i] == labels[i]) {
      ++hits[labels[i]];
      ++correct;
    }
  }
  if (a.examples == 0) return a;
  a.accuracy = static_cast<double>(correct) / a.examples;
  int present = 0;
  for (int c = 0; c < num_classes; ++c) {
    if (counts[c] == 0) continue;
    ++present;
    a.balanced += static_cast<double>(hits[c]) / counts[c];
  }
  a.balanced /= std::max(present, 1);
  return a;
}

namespace {

std::vector<double> BandMeans(const node::TileDataset& data, int64_t row) {
  std::vector<double> m(data.bands, 0.0);
  const int64_t pixels = static_cast<int64_t>(data.pixels) * data.pixels;
  const float* x = data.x.data() + row * data.tile_values();
  for (int64_t p = 0; p < pixels; ++p) {
    for (int b = 0; b < data.bands; ++b) m[b] += x[p * data.bands + b];
  }
  for (double& v : m) v /= std::max<int64_t>(pixels, 1);
  return m;
}

}  // namespace

Accuracy NearestClassMean(const node::TileDataset& train,
                          const node::TileDataset& test, int num_classes) {
  std::vector<std::vector<double>> centroid(
      num_classes, std::vector<double>(train.bands, 0.0));
  std::vector<int64_t> count(num_classes, 0);
  for (int64_t i = 0; i < train.size(); ++i) {
    const int64_t c = train.y[i];
    if (c < 0 || c >= num_classes) continue;
    const std::vector<double> m = BandMeans(train, i);
    for (int b = 0; b < train.bands; ++b) centroid[c][b] += m[b];
    ++count[c];
  }
  for (int c = 0; c < num_classes; ++c) {
    for (double& v : centroid[c]) v /= std::max<int64_t>(count[c], 1);
  }
  std::vector<int64_t> predicted(test.size(), 0);
  for (int64_t i = 0; i < test.size(); ++i) {
    const std::vector<double> m = BandMeans(test, i);
    double best = INFINITY;
    for (int c = 0; c < num_classes; ++c) {
      if (count[c] == 0) continue;
      double d = 0;
      for (int b = 0; b < test.bands; ++b) {
        d += (m[b] - centroid[c][b]) * (m[b] - centroid[c][b]);
      }
      if (d < best) {
        best = d;
        predicted[i] = c;
      }
    }
  }
  return Score(predicted, test.y, num_classes);
}

absl::StatusOr<std::string> PreviewPng(const node::TileDataset& tiles,
                                       int num_classes, int per_class) {
  if (tiles.bands < 3 || tiles.pixels < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "preview: expected tiles with at least 3 bands (B, G, R), got ",
        tiles.bands));
  }
  constexpr int kScale = 2;  // each tile pixel drawn 2x2
  constexpr int kGap = 3;
  const int cell = tiles.pixels * kScale;
  world::Image image;
  image.channels = 3;
  image.width = per_class * (cell + kGap) + kGap;
  image.height = num_classes * (cell + kGap) + kGap;
  image.pixels.assign(image.num_bytes(), 255);
  // Tiles spread evenly over each class's captures, so the row shows the
  // class across places and times rather than one satellite's first pass.
  std::vector<std::vector<int64_t>> members(num_classes);
  for (int64_t i = 0; i < tiles.size(); ++i) {
    const int64_t c = tiles.y[i];
    if (c >= 0 && c < num_classes) members[c].push_back(i);
  }
  std::vector<int64_t> chosen;
  for (const std::vector<int64_t>& m : members) {
    const int64_t take = std::min<int64_t>(per_class, m.size());
    for (int64_t k = 0; k < take; ++k) chosen.push_back(m[k * m.size() / take]);
  }
  std::vector<int> drawn(num_classes, 0);
  for (int64_t i : chosen) {
    const int64_t c = tiles.y[i];
    const int x0 = kGap + drawn[c]++ * (cell + kGap);
    const int y0 = kGap + static_cast<int>(c) * (cell + kGap);
    const float* t = tiles.x.data() + i * tiles.tile_values();
    for (int y = 0; y < cell; ++y) {
      for (int x = 0; x < cell; ++x) {
        const float* px =
            t + ((y / kScale) * tiles.pixels + x / kScale) * tiles.bands;
        uint8_t* out =
            &image.pixels[(static_cast<size_t>(y0 + y) * image.width + x0 + x) * 3];
        // Bands are B, G, R: write R, G, B, brightened (x2.5, gamma 1/1.6)
        // the way true-colour satellite previews are stretched.
        for (int k = 0; k < 3; ++k) {
          const float v = std::min(1.0f, px[2 - k] * 2.5f);
          out[k] = static_cast<uint8_t>(
              std::lround(255 * std::pow(std::max(v, 0.0f), 1 / 1.6f)));
        }
      }
    }
  }
  return world::EncodePng(image);
}

}  // namespace orbitfl::sim
