#include "sim/dataset_command.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/dataset.h"
#include "node/model.h"
#include "node/trainer.h"
#include "sim/dataset.h"
#include "sim/env.h"
#include "sim/npy.h"
#include "sim/scenario.h"
#include "sim/scenario_commands.h"
#include "sim/time_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// x.npy (uint8 N x H x W x C, reflectance x 255), y.npy (int64 N),
// meta.csv and classes.txt.
absl::Status Export(const CollectedTiles& c, const std::string& dir, Env* env) {
  ORBITFL_RETURN_IF_ERROR(env->CreateDirs(dir));
  const node::TileDataset& d = c.tiles;
  std::vector<uint8_t> x(d.x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<uint8_t>(std::lround(std::clamp(d.x[i], 0.0f, 1.0f) * 255));
  }
  ORBITFL_RETURN_IF_ERROR(
      WriteNpy(env, dir + "/x.npy", {d.size(), d.pixels, d.pixels, d.bands},
               absl::Span<const uint8_t>(x)));
  ORBITFL_RETURN_IF_ERROR(WriteNpy(env, dir + "/y.npy", {d.size()},
                                   absl::Span<const int64_t>(d.y)));
  std::string meta =
      "satellite,utc,lat_deg,lon_deg,cloud_fraction,sun_elevation_deg,split\n";
  for (int64_t i = 0; i < d.size(); ++i) {
    const node::TileMeta& m = c.meta[i];
    absl::StrAppendFormat(&meta, "%s,%s,%.5f,%.5f,%.4f,%.3f,%s\n",
                          c.satellite_names[c.satellite[i]], FormatUtc(m.time),
                          m.lat_deg, m.lon_deg, m.cloud_fraction,
                          m.sun_elevation_deg, c.test[i] ? "test" : "train");
  }
  ORBITFL_RETURN_IF_ERROR(env->WriteFile(dir + "/meta.csv", meta));
  std::string classes;
  for (int k = 0; k < node::NumClasses(c.task); ++k) {
    absl::StrAppend(&classes, k, " ", node::ClassName(c.task, k), "\n");
  }
  return env->WriteFile(dir + "/classes.txt", classes);
}

struct Split {
  node::TileDataset train, test;
};

Split SplitOf(const CollectedTiles& c) {
  std::vector<int64_t> train, test;
  for (int64_t i = 0; i < c.tiles.size(); ++i) {
    (c.test[i] ? test : train).push_back(i);
  }
  return {node::Subset(c.tiles, train), node::Subset(c.tiles, test)};
}

// The default CNN trained centrally on the train split: plain SGD with the
// scenario's batch size and learning rate.
absl::StatusOr<Accuracy> CentralCnn(const proto::Scenario& scenario,
                                    const Split& split, int num_classes,
                                    int steps) {
  node::TrainerOptions o;
  o.spec.pixels = split.train.pixels;
  o.spec.bands = split.train.bands;
  o.spec.num_classes = num_classes;
  o.local_steps = steps;
  o.batch_size = scenario.training().batch_size();
  o.learning_rate = scenario.training().learning_rate();
  ORBITFL_ASSIGN_OR_RETURN(proto::Model model,
                           node::InitialModel(o.spec, scenario.seed()));
  ORBITFL_ASSIGN_OR_RETURN(auto trainer, node::LocalTrainer::Create(o));
  std::seed_seq seq{scenario.seed(), uint64_t{0xFFFFFFFD}, uint64_t{6}};
  std::mt19937_64 gen(seq);
  ORBITFL_ASSIGN_OR_RETURN(node::TrainResult r,
                           trainer->Train(model, split.train, gen));
  ORBITFL_RETURN_IF_ERROR(node::ApplyDelta(r.delta, 1.0, model));
  Accuracy a;
  ORBITFL_ASSIGN_OR_RETURN(node::EvalResult all,
                           node::Evaluate(o.spec, model, split.test));
  a.accuracy = all.accuracy;
  a.examples = all.examples;
  int present = 0;
  for (int c = 0; c < num_classes; ++c) {
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < split.test.size(); ++i) {
      if (split.test.y[i] == c) rows.push_back(i);
    }
    if (rows.empty()) continue;
    ORBITFL_ASSIGN_OR_RETURN(
        node::EvalResult e,
        node::Evaluate(o.spec, model, node::Subset(split.test, rows)));
    a.balanced += e.accuracy;
    ++present;
  }
  a.balanced /= std::max(present, 1);
  return a;
}

void PrintCounts(const CollectedTiles& c, std::ostream& out) {
  const int classes = node::NumClasses(c.task);
  const int sats = static_cast<int>(c.satellite_names.size());
  std::vector<std::vector<int64_t>> counts(sats + 1,
                                           std::vector<int64_t>(classes, 0));
  for (int64_t i = 0; i < c.tiles.size(); ++i) {
    ++counts[c.satellite[i]][c.tiles.y[i]];
    ++counts[sats][c.tiles.y[i]];
  }
  out << absl::StrFormat("%-14s %7s", "satellite", "tiles");
  for (int k = 0; k < classes; ++k) {
    out << absl::StrFormat(" %8.8s", node::ClassName(c.task, k));
  }
  out << "\n";
  for (int s = 0; s <= sats; ++s) {
    int64_t total = 0;
    for (int64_t n : counts[s]) total += n;
    if (s < sats && total == 0) continue;
    out << absl::StrFormat("%-14s %7d", s < sats ? c.satellite_names[s] : "all",
                           total);
    for (int k = 0; k < classes; ++k) {
      out << absl::StrFormat(" %7.1f%%", total ? 100.0 * counts[s][k] / total : 0.0);
    }
    out << "\n";
  }
}

}  // namespace

absl::Status DatasetCommand(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse("dataset", args,
                   {"scenario", "out", "task", "satellite", "stats", "preview",
                    "seed", "hours", "steps", "quiet", "set"}));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario, LoadWithOverrides(flags));
  const bool stats = flags.Has("stats");
  const bool preview = flags.Has("preview");
  const std::string out = flags.Get("out");
  if (out.empty() && !stats && !(preview && !flags.Get("preview").empty())) {
    return absl::InvalidArgumentError(
        "dataset: expected --out=DIR (export), --stats, or --preview=FILE.png");
  }
  ORBITFL_ASSIGN_OR_RETURN(double steps, flags.GetDouble("steps", 4000));
  CollectOptions options;
  options.satellite = flags.Get("satellite");
  if (!flags.Has("quiet")) options.progress = &std::cerr;
  ORBITFL_ASSIGN_OR_RETURN(CollectedTiles c, CollectTiles(scenario, options));
  const int classes = node::NumClasses(c.task);
  std::cout << absl::StrFormat(
      "scenario %s, task %s: %d tiles of %dx%dx%d from %d satellite(s) over "
      "%.1f h\n",
      scenario.name(), node::TaskName(c.task), c.tiles.size(), c.tiles.pixels,
      c.tiles.pixels, c.tiles.bands,
      options.satellite.empty() ? c.satellite_names.size() : 1,
      scenario.duration_hours());
  Env* env = Env::Default();
  if (!out.empty()) {
    ORBITFL_RETURN_IF_ERROR(Export(c, out, env));
    std::cout << "wrote " << out << "/x.npy, y.npy, meta.csv, classes.txt\n";
  }
  if (preview) {
    const std::string path =
        flags.Get("preview").empty() ? out + "/preview.png" : flags.Get("preview");
    ORBITFL_ASSIGN_OR_RETURN(std::string png, PreviewPng(c.tiles, classes, 8));
    ORBITFL_RETURN_IF_ERROR(env->WriteFile(path, png));
    std::cout << "wrote " << path << " (one row per class:";
    for (int k = 0; k < classes; ++k) std::cout << " " << node::ClassName(c.task, k);
    std::cout << ")\n";
  }
  if (stats) {
    PrintCounts(c, std::cout);
    const Split split = SplitOf(c);
    if (split.train.size() == 0 || split.test.size() == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "dataset --stats: ", c.tiles.size(),
          " tiles are too few to split into train and test; collect more "
          "(more satellites, --hours, a shorter sensor.capture_interval_s)"));
    }
    const Accuracy ncm = NearestClassMean(split.train, split.test, classes);
    std::cout << absl::StrFormat(
        "nearest class mean (per-band means): accuracy %.1f%%, balanced "
        "%.1f%% on %d test tiles\n",
        100 * ncm.accuracy, 100 * ncm.balanced, ncm.examples);
    if (!flags.Has("quiet")) {
      std::cerr << absl::StrFormat(
          "[orbitfl] training small_cnn centrally: %d steps of %d tiles on %d "
          "training tiles\n",
          static_cast<int>(steps), scenario.training().batch_size(),
          split.train.size());
    }
    ORBITFL_ASSIGN_OR_RETURN(
        Accuracy cnn,
        CentralCnn(scenario, split, classes, static_cast<int>(steps)));
    std::cout << absl::StrFormat(
        "small_cnn trained centrally (%d steps): accuracy %.1f%%, balanced "
        "%.1f%%\n",
        static_cast<int>(steps), 100 * cnn.accuracy, 100 * cnn.balanced);
  }
  return absl::OkStatus();
}

}  // namespace orbitfl::sim
