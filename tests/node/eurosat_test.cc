#include "node/eurosat.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

// After <cstdio>: jpeglib.h uses FILE and size_t without declaring them.
#include <jpeglib.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/world/image_io.h"
#include "tests/status_matchers.h"
#include "tests/test_images.h"

namespace orbitfl::node {
namespace {

namespace fs = std::filesystem;
using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::SolidJpeg;
using ::orbitfl::testing::StatusIs;

// A fresh folder per test, under the test's temporary directory.
std::string NewDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/eurosat_" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// A solid tile: every pixel holds `colour` (1 to 4 bytes).
world::Image Solid(int width, int height, const std::vector<uint8_t>& colour) {
  world::Image image{width, height, static_cast<int>(colour.size()), {}};
  for (int i = 0; i < width * height; ++i) {
    image.pixels.insert(image.pixels.end(), colour.begin(), colour.end());
  }
  return image;
}

std::string Png(const world::Image& image) {
  auto png = world::EncodePng(image);
  EXPECT_THAT(png, IsOk());
  return png.ok() ? *png : "";
}


// Three classes of 8x8 RGB tiles, written out of name order: "river" (blue),
// "forest" (green) and "annual_crop" (red), five PNGs each with the tile
// number in the green channel, one extra JPEG in "forest", plus things the
// loader must ignore.
std::string MakeFolder(const std::string& name) {
  const std::string dir = NewDir(name);
  const std::map<std::string, std::vector<uint8_t>> colours = {
      {"river", {0, 0, 200}},
      {"forest", {0, 150, 0}},
      {"annual_crop", {220, 0, 0}}};
  for (const auto& [cls, colour] : colours) {
    for (int i = 4; i >= 0; --i) {
      std::vector<uint8_t> c = colour;
      c[1] = static_cast<uint8_t>(c[1] + 10 * i);
      WriteFile(absl::StrCat(dir, "/", cls, "/tile_", i, ".png"),
                Png(Solid(8, 8, c)));
    }
  }
  WriteFile(dir + "/forest/tile_9.JPG", SolidJpeg(8, 8, {30, 160, 40}, 100));
  WriteFile(dir + "/forest/.DS_Store", "not a tile");
  WriteFile(dir + "/.git/config", "hidden folder");
  WriteFile(dir + "/README.txt", "licence text beside the classes");
  return dir;
}

TEST(EurosatTest, LoadsClassesInSortedOrderWithReflectance) {
  const std::string dir = MakeFolder("load");
  ORBITFL_ASSERT_OK_AND_ASSIGN(EurosatDataset data, LoadEurosatFolder(dir));
  EXPECT_EQ(data.class_names,
            (std::vector<std::string>{"annual_crop", "forest", "river"}));
  ASSERT_EQ(data.tiles.size(), 16);
  EXPECT_EQ(data.tiles.pixels, 8);
  EXPECT_EQ(data.tiles.bands, 3);
  EXPECT_EQ(data.tiles.x.size(), 16u * 8 * 8 * 3);
  EXPECT_EQ(data.tiles.y, (std::vector<int64_t>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
                                                2, 2, 2, 2, 2}));
  ASSERT_EQ(data.paths.size(), 16u);
  EXPECT_EQ(data.paths[0], dir + "/annual_crop/tile_0.png");
  EXPECT_EQ(data.paths[4], dir + "/annual_crop/tile_4.png");
  EXPECT_EQ(data.paths[10], dir + "/forest/tile_9.JPG");
  EXPECT_EQ(data.paths[15], dir + "/river/tile_4.png");

  const int64_t v = data.tiles.tile_values();
  // annual_crop/tile_3: (220, 30, 0), exact through PNG.
  const float* crop3 = data.tiles.x.data() + 3 * v;
  for (int p = 0; p < 64; ++p) {
    EXPECT_FLOAT_EQ(crop3[3 * p], 220 / 255.0f);
    EXPECT_FLOAT_EQ(crop3[3 * p + 1], 30 / 255.0f);
    EXPECT_FLOAT_EQ(crop3[3 * p + 2], 0.0f);
  }
  // river/tile_1: (0, 10, 200).
  const float* river1 = data.tiles.x.data() + 12 * v;
  EXPECT_FLOAT_EQ(river1[2], 200 / 255.0f);
  EXPECT_FLOAT_EQ(river1[1], 10 / 255.0f);
  // forest/tile_9.JPG: (30, 160, 40) up to JPEG rounding.
  const float* jpeg = data.tiles.x.data() + 10 * v;
  EXPECT_NEAR(jpeg[0], 30 / 255.0, 3 / 255.0);
  EXPECT_NEAR(jpeg[1], 160 / 255.0, 3 / 255.0);
  EXPECT_NEAR(jpeg[2], 40 / 255.0, 3 / 255.0);
}

TEST(EurosatTest, MaxTilesPerClassKeepsTheFirstByName) {
  const std::string dir = MakeFolder("max");
  EurosatOptions options;
  options.max_tiles_per_class = 2;
  ORBITFL_ASSERT_OK_AND_ASSIGN(EurosatDataset data,
                               LoadEurosatFolder(dir, options));
  ASSERT_EQ(data.tiles.size(), 6);
  EXPECT_EQ(data.paths[2], dir + "/forest/tile_0.png");
  EXPECT_EQ(data.paths[3], dir + "/forest/tile_1.png");
  options.max_tiles_per_class = -1;
  EXPECT_THAT(LoadEurosatFolder(dir, options),
              StatusIs(absl::StatusCode::kInvalidArgument, ">= 0"));
}

TEST(EurosatTest, AlphaIsDropped) {
  const std::string dir = NewDir("alpha");
  WriteFile(dir + "/a/x.png", Png(Solid(4, 4, {1, 2, 3, 255})));
  WriteFile(dir + "/b/y.png", Png(Solid(4, 4, {4, 5, 6})));
  ORBITFL_ASSERT_OK_AND_ASSIGN(EurosatDataset data, LoadEurosatFolder(dir));
  EXPECT_EQ(data.tiles.bands, 3);
  EXPECT_FLOAT_EQ(data.tiles.x[2], 3 / 255.0f);
  EXPECT_FLOAT_EQ(data.tiles.x[3], 1 / 255.0f);
}

TEST(EurosatTest, ReadsThroughInjectedHooks) {
  // An in-memory folder: nothing on disk.
  const std::string tile = Png(Solid(2, 2, {51}));
  std::vector<std::string> reads;
  EurosatOptions options;
  options.list_dir =
      [](const std::string& dir) -> absl::StatusOr<std::vector<DirEntry>> {
    if (dir == "mem:/set")
      return std::vector<DirEntry>{{"b", true}, {"a", true}};
    if (dir == "mem:/set/a") return std::vector<DirEntry>{{"1.png", false}};
    if (dir == "mem:/set/b") {
      return std::vector<DirEntry>{{"2.png", false}, {"1.png", false}};
    }
    return absl::NotFoundError(dir);
  };
  options.read_file =
      [&](const std::string& path) -> absl::StatusOr<std::string> {
    reads.push_back(path);
    return tile;
  };
  ORBITFL_ASSERT_OK_AND_ASSIGN(EurosatDataset data,
                               LoadEurosatFolder("mem:/set", options));
  EXPECT_EQ(reads,
            (std::vector<std::string>{"mem:/set/a/1.png", "mem:/set/b/1.png",
                                      "mem:/set/b/2.png"}));
  EXPECT_EQ(data.tiles.bands, 1);
  EXPECT_FLOAT_EQ(data.tiles.x[0], 0.2f);
  EXPECT_EQ(data.tiles.y, (std::vector<int64_t>{0, 1, 1}));
}

TEST(EurosatTest, MissingFolderIsNotFound) {
  const std::string dir = ::testing::TempDir() + "/no_such_eurosat";
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kNotFound, dir));
}

TEST(EurosatTest, EmptyFolderIsAnErrorNamingIt) {
  const std::string dir = NewDir("empty");
  WriteFile(dir + "/README.txt", "only a file");
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument, dir));
  EXPECT_THAT(
      LoadEurosatFolder(dir),
      StatusIs(absl::StatusCode::kInvalidArgument, "no class subfolders"));
}

TEST(EurosatTest, ClassWithoutTilesIsAnErrorNamingIt) {
  const std::string dir = MakeFolder("no_tiles");
  WriteFile(dir + "/pasture/.hidden.png", "ignored");
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       dir + "/pasture holds no tiles"));
}

TEST(EurosatTest, OtherFilesAreAnErrorNamingThem) {
  const std::string dir = MakeFolder("other");
  WriteFile(dir + "/river/notes.txt", "hello");
  EXPECT_THAT(
      LoadEurosatFolder(dir),
      StatusIs(absl::StatusCode::kInvalidArgument, dir + "/river/notes.txt"));
  fs::remove(dir + "/river/notes.txt");
  fs::create_directories(dir + "/river/nested");
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument, "a folder"));
}

TEST(EurosatTest, MismatchedTileIsAnErrorNamingItAndTheExpectedShape) {
  const std::string dir = MakeFolder("size");
  WriteFile(dir + "/forest/tile_2.png", Png(Solid(16, 16, {0, 1, 2})));
  const std::string bad = dir + "/forest/tile_2.png";
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument, bad));
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument, "expected 8x8x3"));
  WriteFile(bad, Png(Solid(8, 8, {7})));
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument, "8x8x1"));
}

TEST(EurosatTest, NonSquareTilesAreAnError) {
  const std::string dir = NewDir("square");
  WriteFile(dir + "/a/x.png", Png(Solid(4, 3, {1, 2, 3})));
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument, "square"));
}

TEST(EurosatTest, CorruptTileIsAnErrorNamingIt) {
  const std::string dir = MakeFolder("corrupt");
  const std::string bad = dir + "/river/tile_3.png";
  WriteFile(bad, Png(Solid(8, 8, {1, 2, 3})).substr(0, 30));
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument, bad));
  WriteFile(bad, "GIF89a");
  EXPECT_THAT(LoadEurosatFolder(dir),
              StatusIs(absl::StatusCode::kInvalidArgument, bad));
}

// 10 classes x 200 tiles, labels interleaved.
std::vector<int64_t> Labels(int classes, int per_class) {
  std::vector<int64_t> labels;
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < classes; ++c) labels.push_back(c);
  }
  return labels;
}

TileDataset DatasetOf(const std::vector<int64_t>& labels) {
  TileDataset data;
  data.pixels = 1;
  data.bands = 1;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float v = static_cast<float>(i);
    data.Add(&v, labels[i]);
  }
  return data;
}

TEST(EurosatTest, SplitTrainTestIsStratifiedDisjointAndDeterministic) {
  const TileDataset data = DatasetOf(Labels(4, 50));
  ORBITFL_ASSERT_OK_AND_ASSIGN(TrainTestSplit split,
                               SplitTrainTest(data, 0.2, 7));
  EXPECT_EQ(split.test.size(), 40u);
  EXPECT_EQ(split.train.size(), 160u);
  std::vector<int> test_per_class(4);
  for (int64_t i : split.test) ++test_per_class[data.y[i]];
  EXPECT_EQ(test_per_class, (std::vector<int>{10, 10, 10, 10}));
  std::vector<int64_t> all = split.train;
  all.insert(all.end(), split.test.begin(), split.test.end());
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 200; ++i) EXPECT_EQ(all[i], i);
  EXPECT_TRUE(std::is_sorted(split.test.begin(), split.test.end()));

  ORBITFL_ASSERT_OK_AND_ASSIGN(TrainTestSplit again,
                               SplitTrainTest(data, 0.2, 7));
  EXPECT_EQ(again.test, split.test);
  ORBITFL_ASSERT_OK_AND_ASSIGN(TrainTestSplit other,
                               SplitTrainTest(data, 0.2, 8));
  EXPECT_NE(other.test, split.test);

  const TileDataset test = Subset(data, split.test);
  ASSERT_EQ(test.size(), 40);
  EXPECT_EQ(test.x[5], static_cast<float>(split.test[5]));
  EXPECT_EQ(test.y[5], data.y[split.test[5]]);

  EXPECT_THAT(SplitTrainTest(data, 1.5, 7),
              StatusIs(absl::StatusCode::kInvalidArgument, "[0, 1]"));
}

TEST(EurosatTest, DealDirichletDealsEveryIndexOnceAndIsDeterministic) {
  const std::vector<int64_t> labels = Labels(10, 200);
  for (double alpha : {0.05, 0.5, 1000.0}) {
    SCOPED_TRACE(alpha);
    ORBITFL_ASSERT_OK_AND_ASSIGN(auto clients,
                                 DealDirichlet(labels, 10, 20, alpha, 42));
    ASSERT_EQ(clients.size(), 20u);
    std::vector<int> dealt(labels.size());
    for (const auto& c : clients) {
      EXPECT_TRUE(std::is_sorted(c.begin(), c.end()));
      for (int64_t i : c) ++dealt[i];
    }
    EXPECT_EQ(std::count(dealt.begin(), dealt.end(), 1),
              static_cast<long>(labels.size()));
    ORBITFL_ASSERT_OK_AND_ASSIGN(auto again,
                                 DealDirichlet(labels, 10, 20, alpha, 42));
    EXPECT_EQ(again, clients);
    ORBITFL_ASSERT_OK_AND_ASSIGN(auto other,
                                 DealDirichlet(labels, 10, 20, alpha, 43));
    EXPECT_NE(other, clients);
  }
}

// Mean over non-empty clients of the share of the client's commonest class.
double MeanDominantShare(const std::vector<std::vector<int64_t>>& clients,
                         const std::vector<int64_t>& labels, int classes) {
  double sum = 0;
  int counted = 0;
  for (const auto& c : clients) {
    if (c.empty()) continue;
    std::vector<int> per_class(classes);
    for (int64_t i : c) ++per_class[labels[i]];
    sum += static_cast<double>(
               *std::max_element(per_class.begin(), per_class.end())) /
           c.size();
    ++counted;
  }
  return sum / counted;
}

TEST(EurosatTest, LargeAlphaIsNearIidAndSmallAlphaIsSkewed) {
  const std::vector<int64_t> labels = Labels(10, 200);
  ORBITFL_ASSERT_OK_AND_ASSIGN(auto iid,
                               DealDirichlet(labels, 10, 20, 1000, 1));
  for (const auto& c : iid) {
    // 200 tiles of each class over 20 clients: about 10 each.
    std::vector<int> per_class(10);
    for (int64_t i : c) ++per_class[labels[i]];
    for (int n : per_class) {
      EXPECT_GE(n, 7);
      EXPECT_LE(n, 13);
    }
  }
  EXPECT_LT(MeanDominantShare(iid, labels, 10), 0.2);

  ORBITFL_ASSERT_OK_AND_ASSIGN(auto skewed,
                               DealDirichlet(labels, 10, 20, 0.05, 1));
  // 0.63 to 0.88 over seeds 0..199 (IID gives about 0.12).
  EXPECT_GT(MeanDominantShare(skewed, labels, 10), 0.6);
}

TEST(EurosatTest, DealDirichletRejectsBadArguments) {
  const std::vector<int64_t> labels = Labels(3, 4);
  EXPECT_THAT(DealDirichlet(labels, 3, 2, 0, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "alpha"));
  EXPECT_THAT(DealDirichlet(labels, 3, 2, -1, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "> 0"));
  EXPECT_THAT(DealDirichlet(labels, 3, 0, 1, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "clients"));
  EXPECT_THAT(DealDirichlet(labels, 2, 2, 1, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "label 2"));
  // Tiny alpha may underflow every Gamma draw; the deal must still hold.
  ORBITFL_ASSERT_OK_AND_ASSIGN(auto clients,
                               DealDirichlet(labels, 3, 4, 1e-4, 1));
  size_t dealt = 0;
  for (const auto& c : clients) dealt += c.size();
  EXPECT_EQ(dealt, labels.size());
}

}  // namespace
}  // namespace orbitfl::node
