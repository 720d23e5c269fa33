#include "sim/train_command.h"

#include <algorithm>
#include <memory>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/string_view.h"
#include "node/model.h"
#include "node/trainer.h"
#include "sim/flags.h"
#include "sim/npy.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// Fields of one CSV line; a field may be double-quoted ("" is a quote).
std::vector<std::string> CsvFields(absl::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// The split column of meta.csv: true for train, false for test.
absl::StatusOr<std::vector<bool>> ReadSplits(Env* env,
                                             const std::string& path) {
  ORBITFL_ASSIGN_OR_RETURN(const std::string text, env->ReadFile(path));
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  while (!lines.empty() && absl::StripAsciiWhitespace(lines.back()).empty()) {
    lines.pop_back();
  }
  if (lines.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": empty, expected a header line"));
  }
  const auto strip_cr = [](absl::string_view s) {
    absl::ConsumeSuffix(&s, "\r");
    return s;
  };
  const std::vector<std::string> header = CsvFields(strip_cr(lines[0]));
  const auto it = std::find(header.begin(), header.end(), "split");
  if (it == header.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": line 1: expected a header with a `split` column, got \"",
        lines[0], "\""));
  }
  const size_t column = it - header.begin();
  std::vector<bool> train;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> fields = CsvFields(strip_cr(lines[i]));
    if (fields.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": line ", i + 1, ": expected ", header.size(),
          " fields, got ", fields.size()));
    }
    const std::string& split = fields[column];
    if (split != "train" && split != "test") {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": line ", i + 1, ": split: expected train or "
                       "test, got \"", split, "\""));
    }
    train.push_back(split == "train");
  }
  return train;
}

absl::Status CheckPositive(const char* flag, uint64_t value) {
  if (value < 1 || value > (1u << 30)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "orbitfl train: --", flag, ": expected 1..2^30, got ", value));
  }
  return absl::OkStatus();
}

std::string Thousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(i, ",");
  }
  return n < 0 ? "-" + digits : digits;
}

}  // namespace

absl::StatusOr<ExportedDataset> LoadExportedDataset(Env* env,
                                                    const std::string& dir) {
  const std::string x_path = dir + "/x.npy";
  const std::string y_path = dir + "/y.npy";
  const std::string meta_path = dir + "/meta.csv";
  ORBITFL_ASSIGN_OR_RETURN(const NpyArray x, ReadNpy(env, x_path));
  ORBITFL_ASSIGN_OR_RETURN(const NpyArray y, ReadNpy(env, y_path));
  if (x.shape.size() != 4 || x.shape[1] != x.shape[2] || x.shape[1] < 1 ||
      x.shape[3] < 1 || x.dtype == NpyDtype::kInt64) {
    return absl::InvalidArgumentError(absl::StrCat(
        x_path, ": expected uint8 (or float32) tiles N x H x W x C with "
                "H == W, got shape (",
        absl::StrJoin(x.shape, ", "), ")",
        x.dtype == NpyDtype::kInt64 ? " of int64" : ""));
  }
  if (y.shape.size() != 1 || y.dtype != NpyDtype::kInt64) {
    return absl::InvalidArgumentError(absl::StrCat(
        y_path, ": expected int64 labels of shape (N,), got ",
        y.dtype == NpyDtype::kInt64 ? "int64" : "another dtype", " of shape (",
        absl::StrJoin(y.shape, ", "), ")"));
  }
  const int64_t n = x.shape[0];
  if (y.shape[0] != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(y_path, ": ", y.shape[0], " labels, but ", x_path,
                     " holds ", n, " tiles"));
  }
  ORBITFL_ASSIGN_OR_RETURN(const std::vector<bool> train_rows,
                           ReadSplits(env, meta_path));
  if (static_cast<int64_t>(train_rows.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(meta_path, ": ", train_rows.size(), " rows, but ",
                     x_path, " holds ", n, " tiles"));
  }
  ExportedDataset data;
  int64_t max_label = 1;
  for (int64_t i = 0; i < n; ++i) {
    if (y.i64[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          y_path, ": label ", y.i64[i], " at index ", i,
          ": expected >= 0"));
    }
    max_label = std::max(max_label, y.i64[i]);
  }
  if (max_label >= (1 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        y_path, ": label ", max_label, ": expected classes 0..K-1"));
  }
  data.num_classes = static_cast<int>(max_label + 1);
  for (node::TileDataset* d : {&data.train, &data.test}) {
    d->pixels = static_cast<int>(x.shape[1]);
    d->bands = static_cast<int>(x.shape[3]);
  }
  const int64_t per = data.train.tile_values();
  std::vector<float> tile(per);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < per; ++k) {
      tile[k] = x.dtype == NpyDtype::kUint8 ? x.u8[i * per + k] / 255.0f
                                            : x.f32[i * per + k];
    }
    (train_rows[i] ? data.train : data.test).Add(tile.data(), y.i64[i]);
  }
  if (data.train.size() == 0 || data.test.size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        meta_path, ": expected rows of both splits, got ",
        data.train.size(), " train and ", data.test.size(), " test"));
  }
  return data;
}

absl::Status TrainCommand(const std::vector<std::string>& args,
                          std::ostream& out, std::ostream& log) {
  ORBITFL_ASSIGN_OR_RETURN(
      const Flags flags,
      Flags::Parse("train", args,
                   {"dataset", "model", "steps", "batch-size", "lr", "seed",
                    "pretrain-steps", "save"}));
  ORBITFL_ASSIGN_OR_RETURN(const std::string dir, flags.Required("dataset"));
  ORBITFL_ASSIGN_OR_RETURN(const uint64_t steps,
                           flags.GetUint64("steps", 500));
  ORBITFL_ASSIGN_OR_RETURN(const uint64_t batch,
                           flags.GetUint64("batch-size", 32));
  ORBITFL_ASSIGN_OR_RETURN(const uint64_t pretrain_steps,
                           flags.GetUint64("pretrain-steps", 500));
  ORBITFL_ASSIGN_OR_RETURN(const uint64_t seed, flags.GetUint64("seed", 1));
  ORBITFL_ASSIGN_OR_RETURN(const double lr, flags.GetDouble("lr", 0.05));
  ORBITFL_RETURN_IF_ERROR(CheckPositive("steps", steps));
  ORBITFL_RETURN_IF_ERROR(CheckPositive("batch-size", batch));
  ORBITFL_RETURN_IF_ERROR(CheckPositive("pretrain-steps", pretrain_steps));
  if (!(lr > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("orbitfl train: --lr: expected > 0, got ", lr));
  }
  node::TrainerOptions options;
  // Checked before the dataset is read; the default shape suits them all.
  options.spec.architecture = flags.Get("model", "small_cnn");
  if (!node::ValidateSpec(options.spec).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "orbitfl train: --model: expected one of ", node::ArchitectureNames(),
        ", got \"", options.spec.architecture, "\""));
  }

  Env* env = Env::Default();
  ORBITFL_ASSIGN_OR_RETURN(const ExportedDataset data,
                           LoadExportedDataset(env, dir));
  options.spec.pixels = data.train.pixels;
  options.spec.bands = data.train.bands;
  options.spec.num_classes = data.num_classes;
  ORBITFL_RETURN_IF_ERROR(node::ValidateSpec(options.spec));
  node::ModelSpec& spec = options.spec;
  out << absl::StrFormat(
      "dataset %s: %s train / %s test tiles of %dx%dx%d, %d classes\n", dir,
      Thousands(data.train.size()), Thousands(data.test.size()), spec.pixels,
      spec.pixels, spec.bands, spec.num_classes);
  out << absl::StrFormat(
      "model %s: %s parameters (%s trainable), %.3f MFLOP per image forward, "
      "%.3f MFLOP to train\n",
      spec.architecture, Thousands(node::ParameterCount(spec)),
      Thousands(node::TrainableParameterCount(spec)),
      node::ForwardFlopsPerImage(spec) / 1e6,
      node::TrainingFlopsPerImage(spec) / 1e6);

  if (spec.architecture == "encoder_head") {
    log << absl::StrFormat(
        "[orbitfl] train: pre-training the encoder, %d steps on the %d "
        "unlabelled train tiles\n",
        pretrain_steps, data.train.size());
    const absl::Time start = env->WallNow();
    double mse = 0;
    ORBITFL_ASSIGN_OR_RETURN(
        proto::Model encoder,
        node::PretrainEncoder(spec, data.train, static_cast<int>(pretrain_steps),
                              seed, &mse));
    spec.encoder = std::make_shared<const proto::Model>(std::move(encoder));
    out << absl::StrFormat(
        "encoder: pre-trained %d steps on %s unlabelled train tiles in %.2f s "
        "(reconstruction MSE %.5f), then frozen\n",
        pretrain_steps, Thousands(data.train.size()),
        absl::ToDoubleSeconds(env->WallNow() - start), mse);
  }

  // Training runs in about ten chunks, so progress shows between them;
  // plain SGD keeps no state, so chunks change nothing but rounding.
  const int chunk = static_cast<int>(std::max<uint64_t>(1, steps / 10));
  options.local_steps = chunk;
  options.batch_size = static_cast<int>(batch);
  options.learning_rate = lr;
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<node::LocalTrainer> trainer,
                           node::LocalTrainer::Create(options));
  ORBITFL_ASSIGN_OR_RETURN(proto::Model model,
                           node::InitialModel(spec, seed));
  std::seed_seq seq{seed, uint64_t{0x747261696e}};  // "train"
  std::mt19937_64 gen(seq);
  const absl::Time start = env->WallNow();
  absl::Duration training;
  double last_loss = 0;
  for (uint64_t done = 0; done < steps;) {
    const int now = static_cast<int>(std::min<uint64_t>(chunk, steps - done));
    if (now != options.local_steps) {
      options.local_steps = now;
      ORBITFL_ASSIGN_OR_RETURN(trainer, node::LocalTrainer::Create(options));
    }
    const absl::Time chunk_start = env->WallNow();
    ORBITFL_ASSIGN_OR_RETURN(node::TrainResult r,
                             trainer->Train(model, data.train, gen));
    ORBITFL_RETURN_IF_ERROR(node::ApplyDelta(r.delta, 1.0, model));
    training += env->WallNow() - chunk_start;
    done += now;
    last_loss = r.mean_loss;
    log << absl::StrFormat("[orbitfl] train: step %d/%d, loss %.4f\n", done,
                           steps, r.mean_loss);
  }
  model.set_version(1);
  const double seconds = absl::ToDoubleSeconds(training);
  const double images = static_cast<double>(steps) * batch;
  out << absl::StrFormat(
      "trained %d steps of %d tiles in %.2f s (%.2f s wall): %s images/s "
      "(host), %.2f GFLOP/s, last loss %.4f\n",
      steps, batch, seconds, absl::ToDoubleSeconds(env->WallNow() - start),
      Thousands(static_cast<int64_t>(images / seconds + 0.5)),
      images * node::TrainingFlopsPerImage(spec) / seconds / 1e9, last_loss);

  ORBITFL_ASSIGN_OR_RETURN(const node::EvalResult eval,
                           node::Evaluate(spec, model, data.test));
  out << absl::StrFormat("test accuracy %.2f%% (%d/%d), loss %.4f\n",
                         100 * eval.accuracy,
                         static_cast<int64_t>(eval.accuracy * eval.examples +
                                              0.5),
                         eval.examples, eval.loss);
  if (flags.Has("save")) {
    ORBITFL_ASSIGN_OR_RETURN(const std::string path, flags.Required("save"));
    absl::StatusOr<std::string> bytes = node::SerializeModelFile(spec, model);
    if (!bytes.ok()) {
      return absl::Status(bytes.status().code(),
                          absl::StrCat(path, ": ", bytes.status().message()));
    }
    ORBITFL_RETURN_IF_ERROR(env->WriteFile(path, *bytes));
    out << "saved " << path << "\n";
  }
  return absl::OkStatus();
}

}  // namespace orbitfl::sim
