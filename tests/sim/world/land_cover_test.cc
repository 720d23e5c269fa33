#include "sim/world/land_cover.h"

#include <jpeglib.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/test_images.h"

namespace orbitfl::world {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::SolidJpeg;
using ::orbitfl::testing::StatusIs;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}


// The real map is decoded once for the whole suite.
const LandCoverMap& Earth() {
  static const LandCoverMap* map = [] {
    auto m = LandCoverMap::Create(kDefaultEarthImage);
    EXPECT_THAT(m, IsOk());
    return m.ok() ? m->release() : nullptr;
  }();
  if (map == nullptr) std::abort();
  return *map;
}

struct Place {
  const char* name;
  double lat_deg;
  double lon_deg;
  LandCover expected;
};

TEST(LandCoverMapTest, DecodesTheFullImage) {
  EXPECT_EQ(Earth().width(), 2048);
  EXPECT_EQ(Earth().height(), 1024);
}

TEST(LandCoverMapTest, KnownPlacesClassifyRight) {
  const Place places[] = {
      {"Sahara", 23, 10, LandCover::kBare},
      {"Amazon", -5, -65, LandCover::kDenseVegetation},
      {"Greenland interior", 72, -40, LandCover::kIce},
      {"Antarctica", -80, 0, LandCover::kIce},
      {"central Pacific", 0, -150, LandCover::kWater},
      {"Arabian desert", 22, 47, LandCover::kBare},
      {"Congo basin", 0, 22, LandCover::kDenseVegetation},
      {"Siberian taiga", 60, 100, LandCover::kDenseVegetation},
      {"mid-Atlantic", 30, -40, LandCover::kWater},
      {"Great Plains", 40, -100, LandCover::kSparseVegetation},
      {"Sahel", 10, 20, LandCover::kSparseVegetation},
      {"Tokyo", 35.68, 139.69, LandCover::kUrban},
      {"Cairo, at the Nile delta's apex", 30.0, 31.25, LandCover::kUrban},
      {"Paris", 48.85, 2.35, LandCover::kUrban},
  };
  for (const Place& p : places) {
    EXPECT_EQ(Earth().ClassAt(p.lat_deg, p.lon_deg), p.expected)
        << p.name << ": got "
        << LandCoverName(Earth().ClassAt(p.lat_deg, p.lon_deg)) << ", expected "
        << LandCoverName(p.expected);
  }
}

TEST(LandCoverMapTest, AreaFractionsArePlausible) {
  const std::vector<double> f = Earth().AreaFractions();
  ASSERT_EQ(f.size(), kNumLandCoverClasses);
  double sum = 0;
  for (double x : f) sum += x;
  EXPECT_NEAR(sum, 1.0, 1e-9);
  // Earth is ~71% ocean; the image also shows polar sea ice as ice.
  EXPECT_GT(f[static_cast<int>(LandCover::kWater)], 0.62);
  EXPECT_LT(f[static_cast<int>(LandCover::kWater)], 0.76);
  EXPECT_GT(f[static_cast<int>(LandCover::kIce)], 0.03);
  EXPECT_LT(f[static_cast<int>(LandCover::kIce)], 0.12);
  EXPECT_GT(f[static_cast<int>(LandCover::kBare)], 0.06);
  EXPECT_LT(f[static_cast<int>(LandCover::kBare)], 0.18);
  EXPECT_GT(f[static_cast<int>(LandCover::kSparseVegetation)], 0.03);
  EXPECT_LT(f[static_cast<int>(LandCover::kSparseVegetation)], 0.12);
  EXPECT_GT(f[static_cast<int>(LandCover::kDenseVegetation)], 0.03);
  EXPECT_LT(f[static_cast<int>(LandCover::kDenseVegetation)], 0.12);
  // Lit cities cover well under 1% of the Earth.
  EXPECT_GT(f[static_cast<int>(LandCover::kUrban)], 0.0005);
  EXPECT_LT(f[static_cast<int>(LandCover::kUrban)], 0.01);
}

TEST(LandCoverMapTest, WrapsLongitudeAndClampsLatitude) {
  EXPECT_EQ(Earth().ClassAt(-3, -60 + 360), Earth().ClassAt(-3, -60));
  EXPECT_EQ(Earth().ClassAt(-3, -60 - 720), Earth().ClassAt(-3, -60));
  EXPECT_EQ(Earth().ClassAt(-95, 0), Earth().ClassAt(-90, 0));
  EXPECT_EQ(Earth().ClassAt(95, 10), Earth().ClassAt(90, 10));
}

TEST(LandCoverMapTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = TempPath("no_such_earth.jpg");
  EXPECT_THAT(LandCoverMap::Create(path),
              StatusIs(absl::StatusCode::kNotFound, path));
  EXPECT_THAT(LandCoverMap::Create(kDefaultEarthImage, path),
              StatusIs(absl::StatusCode::kNotFound, path));
}

TEST(LandCoverMapTest, WithoutNightLightsThereIsNoUrbanClass) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(auto map,
                               LandCoverMap::Create(kDefaultEarthImage, ""));
  EXPECT_EQ(map->AreaFractions()[static_cast<int>(LandCover::kUrban)], 0.0);
  EXPECT_NE(map->ClassAt(35.68, 139.69), LandCover::kUrban);
}

TEST(LandCoverMapTest, NonJpegIsInvalidArgumentNamingThePath) {
  const std::string path = TempPath("not_a_jpeg.jpg");
  WriteFile(path, "P6 2 1 255\nabcdef");
  EXPECT_THAT(LandCoverMap::Create(path),
              StatusIs(absl::StatusCode::kInvalidArgument, path));
  EXPECT_THAT(LandCoverMap::Create(path),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a JPEG"));
}

TEST(LandCoverMapTest, WrongShapeIsInvalidArgumentSayingWhatWasExpected) {
  const std::string square = TempPath("square.jpg");
  WriteFile(square, SolidJpeg(16, 16, {128, 128, 128}));
  EXPECT_THAT(LandCoverMap::Create(square),
              StatusIs(absl::StatusCode::kInvalidArgument, square));
  EXPECT_THAT(
      LandCoverMap::Create(square),
      StatusIs(absl::StatusCode::kInvalidArgument, "width == 2 * height"));
  const std::string grey = TempPath("grey.jpg");
  WriteFile(grey, SolidJpeg(32, 16, {128}));
  EXPECT_THAT(LandCoverMap::Create(grey),
              StatusIs(absl::StatusCode::kInvalidArgument, "RGB"));
}

TEST(LandCoverMapTest, SmallValidJpegDecodes) {
  const std::string path = TempPath("small.jpg");
  WriteFile(path, SolidJpeg(32, 16, {128, 128, 128}));
  ORBITFL_ASSERT_OK_AND_ASSIGN(auto map, LandCoverMap::Create(path));
  EXPECT_EQ(map->width(), 32);
  // Mid grey (128, 128, 128) has no green or blue excess: bare.
  EXPECT_EQ(map->ClassAt(0, 0), LandCover::kBare);
}

TEST(LandCoverMapTest, TruncatedJpegIsInvalidArgument) {
  std::ifstream in(kDefaultEarthImage, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t keep : {size_t{4}, size_t{300}, bytes.size() / 2}) {
    const std::string path = TempPath("truncated.jpg");
    WriteFile(path, bytes.substr(0, keep));
    EXPECT_THAT(LandCoverMap::Create(path),
                StatusIs(absl::StatusCode::kInvalidArgument, path))
        << "kept " << keep << " bytes";
  }
}

TEST(LandCoverMapTest, FromClassesChecksShape) {
  EXPECT_THAT(LandCoverMap::FromClasses(3, 2, std::vector<LandCover>(6)),
              StatusIs(absl::StatusCode::kInvalidArgument, "width == 2"));
  EXPECT_THAT(LandCoverMap::FromClasses(4, 2, std::vector<LandCover>(7)),
              StatusIs(absl::StatusCode::kInvalidArgument, "8"));
  EXPECT_THAT(LandCoverMap::FromClasses(4, 2, std::vector<LandCover>(8)),
              IsOk());
}

TEST(LandCoverMapTest, FromClassesIndexesNorthWestFirst) {
  // 4x2: the northern row is water then ice, the southern bare then city.
  std::vector<LandCover> classes = {
      LandCover::kWater,      LandCover::kWater,     LandCover::kIce,
      LandCover::kIce,        LandCover::kBare,      LandCover::kBare,
      LandCover::kUrban,      LandCover::kUrban};
  ORBITFL_ASSERT_OK_AND_ASSIGN(auto map,
                               LandCoverMap::FromClasses(4, 2, classes));
  EXPECT_EQ(map->ClassAt(45, -90), LandCover::kWater);
  EXPECT_EQ(map->ClassAt(45, 90), LandCover::kIce);
  EXPECT_EQ(map->ClassAt(-45, -90), LandCover::kBare);
  EXPECT_EQ(map->ClassAt(-45, 90), LandCover::kUrban);
  const std::vector<double> f = map->AreaFractions();
  for (LandCover c : {LandCover::kWater, LandCover::kIce, LandCover::kBare,
                      LandCover::kUrban}) {
    EXPECT_NEAR(f[static_cast<int>(c)], 0.25, 1e-12) << LandCoverName(c);
  }
}

}  // namespace
}  // namespace orbitfl::world
