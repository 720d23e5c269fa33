#include "node/eurosat.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sim/world/image_io.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {
namespace {

// Random streams of the entity "EuroSAT data" (satellites use entity = their
// index, the synthetic test set 0xFFFFFFFF).
constexpr uint64_t kEurosatEntity = 0xFFFFFFFE;
constexpr uint64_t kDealStream = 3;
constexpr uint64_t kSplitStream = 4;

absl::StatusOr<std::vector<DirEntry>> HostListDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    const std::string message =
        absl::StrCat("cannot list folder ", dir, ": ", ec.message());
    if (ec == std::errc::no_such_file_or_directory) {
      return absl::NotFoundError(message);
    }
    if (ec == std::errc::permission_denied) {
      return absl::PermissionDeniedError(message);
    }
    return absl::InvalidArgumentError(message);
  }
  std::vector<DirEntry> entries;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    entries.push_back(
        {it->path().filename().string(), it->is_directory(type_ec)});
  }
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot list folder ", dir, ": ", ec.message()));
  }
  return entries;
}

absl::StatusOr<std::string> HostReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return absl::Status(
        absl::ErrnoToStatusCode(error),
        absl::StrCat("cannot open tile ", path, ": ", std::strerror(error)));
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read tile ", path));
  }
  return out.str();
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

bool IsHidden(const DirEntry& e) { return !e.name.empty() && e.name[0] == '.'; }

bool HasTileExtension(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return ext == "jpg" || ext == "jpeg" || ext == "png";
}

std::string Shape(const world::Image& image) {
  return absl::StrCat(image.width, "x", image.height, "x", image.channels);
}

// The tile file names of one class folder, sorted.
absl::StatusOr<std::vector<std::string>> ListTiles(const ListDirFn& list_dir,
                                                   const std::string& dir,
                                                   int max_tiles) {
  ORBITFL_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, list_dir(dir));
  std::vector<std::string> names;
  for (const DirEntry& e : entries) {
    if (IsHidden(e)) continue;
    if (e.is_dir || !HasTileExtension(e.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("EuroSAT class folder ", dir, " holds ",
                       e.is_dir ? "a folder " : "", Join(dir, e.name),
                       "; expected only tiles named *.jpg, *.jpeg or *.png"));
    }
    names.push_back(e.name);
  }
  if (names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("EuroSAT class folder ", dir,
                     " holds no tiles; expected *.jpg, *.jpeg or *.png files"));
  }
  std::sort(names.begin(), names.end());
  if (max_tiles > 0 && static_cast<int>(names.size()) > max_tiles) {
    names.resize(max_tiles);
  }
  return names;
}

}  // namespace

absl::StatusOr<EurosatDataset> LoadEurosatFolder(
    const std::string& dir, const EurosatOptions& options) {
  if (options.max_tiles_per_class < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("EuroSAT max_tiles_per_class is ",
                     options.max_tiles_per_class, "; expected >= 0 (0: all)"));
  }
  const ListDirFn list_dir = options.list_dir ? options.list_dir : HostListDir;
  const ReadFileFn read_file =
      options.read_file ? options.read_file : HostReadFile;

  EurosatDataset out;
  ORBITFL_ASSIGN_OR_RETURN(std::vector<DirEntry> top, list_dir(dir));
  for (const DirEntry& e : top) {
    if (e.is_dir && !IsHidden(e)) out.class_names.push_back(e.name);
  }
  if (out.class_names.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "EuroSAT folder ", dir,
        " has no class subfolders; expected one subfolder per class holding "
        "*.jpg, *.jpeg or *.png tiles"));
  }
  std::sort(out.class_names.begin(), out.class_names.end());

  // List every class first, so a bad folder fails before any decoding.
  std::vector<std::vector<std::string>> files(out.class_names.size());
  size_t total = 0;
  for (size_t c = 0; c < out.class_names.size(); ++c) {
    ORBITFL_ASSIGN_OR_RETURN(files[c],
                             ListTiles(list_dir, Join(dir, out.class_names[c]),
                                       options.max_tiles_per_class));
    total += files[c].size();
  }

  TileDataset& tiles = out.tiles;
  std::vector<float> values;
  std::string first_path;
  out.paths.reserve(total);
  tiles.y.reserve(total);
  for (size_t c = 0; c < out.class_names.size(); ++c) {
    for (const std::string& name : files[c]) {
      const std::string path = Join(Join(dir, out.class_names[c]), name);
      ORBITFL_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
      ORBITFL_ASSIGN_OR_RETURN(world::Image image,
                               world::DecodeImage(bytes, path));
      if (image.channels == 2 || image.channels == 4) {
        image = world::DropAlpha(image);
      }
      if (first_path.empty()) {
        if (image.width != image.height) {
          return absl::InvalidArgumentError(absl::StrCat(
              "EuroSAT tile ", path, " is ", image.width, "x", image.height,
              "; expected square tiles (width == height)"));
        }
        first_path = path;
        tiles.pixels = image.width;
        tiles.bands = image.channels;
        tiles.x.reserve(total * tiles.tile_values());
        values.resize(tiles.tile_values());
      } else if (image.width != tiles.pixels || image.height != tiles.pixels ||
                 image.channels != tiles.bands) {
        return absl::InvalidArgumentError(absl::StrCat(
            "EuroSAT tile ", path, " is ", Shape(image), " (width x height x ",
            "bands); expected ", tiles.pixels, "x", tiles.pixels, "x",
            tiles.bands, " like the first tile ", first_path));
      }
      for (size_t i = 0; i < values.size(); ++i) {
        values[i] = image.pixels[i] * (1.0f / 255.0f);
      }
      tiles.Add(values.data(), static_cast<int64_t>(c));
      out.paths.push_back(path);
    }
  }
  return out;
}

absl::StatusOr<TrainTestSplit> SplitTrainTest(const TileDataset& data,
                                              double test_fraction,
                                              uint64_t seed) {
  if (!(test_fraction >= 0 && test_fraction <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "test fraction is ", test_fraction, "; expected a value in [0, 1]"));
  }
  std::map<int64_t, std::vector<int64_t>> by_class;
  for (int64_t i = 0; i < data.size(); ++i) by_class[data.y[i]].push_back(i);
  std::seed_seq seq{seed, kEurosatEntity, kSplitStream};
  std::mt19937_64 gen(seq);
  TrainTestSplit split;
  for (auto& [label, indices] : by_class) {
    std::shuffle(indices.begin(), indices.end(), gen);
    const size_t n_test = static_cast<size_t>(
        std::llround(static_cast<double>(indices.size()) * test_fraction));
    split.test.insert(split.test.end(), indices.begin(),
                      indices.begin() + n_test);
    split.train.insert(split.train.end(), indices.begin() + n_test,
                       indices.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

absl::StatusOr<std::vector<std::vector<int64_t>>> DealDirichlet(
    const std::vector<int64_t>& labels, int num_classes, int num_clients,
    double alpha, uint64_t seed) {
  if (!(alpha > 0) || !std::isfinite(alpha)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Dirichlet alpha is ", alpha, "; expected a finite value > 0"));
  }
  if (num_clients <= 0 || num_classes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Dirichlet deal over ", num_clients, " clients and ",
                     num_classes, " classes; expected both > 0"));
  }
  std::vector<std::vector<int64_t>> by_class(num_classes);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes) {
      return absl::InvalidArgumentError(
          absl::StrCat("label ", labels[i], " of tile ", i, " is outside [0, ",
                       num_classes, ")"));
    }
    by_class[labels[i]].push_back(static_cast<int64_t>(i));
  }
  std::seed_seq seq{seed, kEurosatEntity, kDealStream};
  std::mt19937_64 gen(seq);
  std::gamma_distribution<double> gamma(alpha, 1.0);
  std::vector<std::vector<int64_t>> clients(num_clients);
  std::vector<double> share(num_clients);
  for (std::vector<int64_t>& indices : by_class) {
    double total = 0;
    for (double& s : share) {
      s = gamma(gen);
      total += s;
    }
    // With a tiny alpha every draw can underflow to 0: the limit of the
    // Dirichlet as alpha -> 0 puts the whole class on one client.
    if (!(total > 0)) {
      std::fill(share.begin(), share.end(), 0.0);
      share[std::uniform_int_distribution<int>(0, num_clients - 1)(gen)] = 1;
      total = 1;
    }
    std::shuffle(indices.begin(), indices.end(), gen);
    const double n = static_cast<double>(indices.size());
    double cumulative = 0;
    size_t begin = 0;
    for (int k = 0; k < num_clients; ++k) {
      cumulative += share[k];
      size_t end =
          k + 1 == num_clients
              ? indices.size()
              : static_cast<size_t>(std::llround(n * cumulative / total));
      end = std::clamp(end, begin, indices.size());
      clients[k].insert(clients[k].end(), indices.begin() + begin,
                        indices.begin() + end);
      begin = end;
    }
  }
  for (std::vector<int64_t>& c : clients) std::sort(c.begin(), c.end());
  return clients;
}

}  // namespace orbitfl::node
