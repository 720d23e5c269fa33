#ifndef ORBITFL_NODE_EUROSAT_H_
#define ORBITFL_NODE_EUROSAT_H_

// Real labelled imagery in the EuroSAT layout (Helber et al. 2019): a folder
// with one subfolder per class, each holding same-sized JPEG or PNG tiles.
// Plus the two ways of cutting such a set that federated-learning papers
// use: a stratified train/test split, and a Dirichlet label skew that deals
// the training tiles to clients (Hsu et al. 2019, "Measuring the effects of
// non-identical data distribution").

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/dataset.h"

namespace orbitfl::node {

struct DirEntry {
  std::string name;  // without the folder
  bool is_dir = false;
};

// The loader's only effects on the host. node/ sits below sim/, so it cannot
// take sim::Env; a caller with an Env wraps its methods in these.
using ListDirFn =
    std::function<absl::StatusOr<std::vector<DirEntry>>(const std::string&)>;
using ReadFileFn =
    std::function<absl::StatusOr<std::string>(const std::string&)>;

struct EurosatOptions {
  // Tiles read per class, the first ones in file-name order; 0 reads all.
  int max_tiles_per_class = 0;
  // Lists a folder (any order; NotFound naming it when missing). Empty: the
  // host file system through std::filesystem.
  ListDirFn list_dir;
  // Reads a whole file. Empty: the host file system.
  ReadFileFn read_file;
};

struct EurosatDataset {
  // N x H x W x C reflectance in [0, 1] (byte / 255); y indexes
  // class_names. Tiles are in class order, then file-name order.
  TileDataset tiles;
  // The class subfolders' names, sorted bytewise, so labels do not depend on
  // the order the file system lists them in.
  std::vector<std::string> class_names;
  // The file each tile came from, parallel to tiles.y.
  std::vector<std::string> paths;
};

// Loads `dir`. Only subfolders of `dir` are classes; plain files beside them
// (a licence, a label map) are ignored. Inside a class folder every entry
// must be a tile named *.jpg, *.jpeg or *.png (any case; the format is read
// from the magic bytes); any other file or a nested folder is an error
// naming it, not skipped, so a half-copied or mixed folder is noticed.
// Hidden entries (".DS_Store", ".git") are ignored everywhere. Alpha
// channels are dropped, so tiles have 1 (grey) or 3 (RGB) bands. Every tile
// must be square (TileDataset has one edge) and share the first tile's
// width, height and bands; no resizing is done.
// Errors: NotFound when `dir` is missing; InvalidArgument naming the
// folder or file when `dir` has no class subfolders, a class folder holds
// no tiles, a file is not a tile, cannot be decoded, or has another shape
// (the message gives the expected one); InvalidArgument when
// max_tiles_per_class < 0.
absl::StatusOr<EurosatDataset> LoadEurosatFolder(
    const std::string& dir, const EurosatOptions& options = {});

// Indices into a dataset, each ascending.
struct TrainTestSplit {
  std::vector<int64_t> train;
  std::vector<int64_t> test;
};

// Holds out round(n_c * test_fraction) tiles of each class c (stratified),
// chosen by a shuffle seeded with seed_seq{seed, 0xFFFFFFFE, 4}.
// Deterministic for a seed. InvalidArgument unless 0 <= test_fraction <= 1.
absl::StatusOr<TrainTestSplit> SplitTrainTest(const TileDataset& data,
                                              double test_fraction,
                                              uint64_t seed);

// Deals indices 0..labels.size()-1 to num_clients clients with a Dirichlet
// label skew: for each class in order, client shares p ~ Dirichlet(alpha)
// (independent Gamma(alpha, 1) draws, normalised), the class's indices are
// shuffled and cut at round(n_c * cumulative share), so every index goes to
// exactly one client. One std::mt19937_64 seeded with
// seed_seq{seed, 0xFFFFFFFE, 3} drives all of it, so a seed gives the same
// deal on every run (with libstdc++'s distributions). Large alpha (1000)
// is close to IID; small alpha (0.05) gives most clients one or two
// classes. Each client's list is ascending; a client may get none.
// InvalidArgument unless alpha > 0 (and finite), num_clients > 0,
// num_classes > 0 and every label is in [0, num_classes).
absl::StatusOr<std::vector<std::vector<int64_t>>> DealDirichlet(
    const std::vector<int64_t>& labels, int num_classes, int num_clients,
    double alpha, uint64_t seed);

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_EUROSAT_H_
