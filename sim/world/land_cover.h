#ifndef ORBITFL_SIM_WORLD_LAND_COVER_H_
#define ORBITFL_SIM_WORLD_LAND_COVER_H_

// A global land-cover map derived from a real equirectangular Earth image
// (Debian's xplanet-images earth.jpg, 2048x1024: column 0 at 180 W, row 0 at
// 90 N). Each pixel is classified by colour rules documented in land_cover.cc
// and README.md.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace orbitfl::world {

enum class LandCover : uint8_t {
  kWater = 0,
  kIce = 1,
  kBare = 2,        // desert, rock, bare soil
  kVegetation = 3,
};
inline constexpr int kNumLandCoverClasses = 4;
const char* LandCoverName(LandCover c);

inline constexpr char kDefaultEarthImage[] =
    "/usr/share/xplanet/images/earth.jpg";

class LandCoverMap {
 public:
  // Decodes the JPEG and classifies every pixel. NotFound naming the path
  // when the file is missing; InvalidArgument when it is not a JPEG or not
  // an equirectangular RGB image with width == 2 * height.
  static absl::StatusOr<std::unique_ptr<LandCoverMap>> Create(
      const std::string& image_path);
  // For tests: a map from explicit classes, row-major, width == 2 * height.
  static absl::StatusOr<std::unique_ptr<LandCoverMap>> FromClasses(
      int width, int height, std::vector<LandCover> classes);

  // Class of the pixel containing (lat, lon) in degrees; lat clamped to
  // [-90, 90], lon wrapped.
  LandCover ClassAt(double lat_deg, double lon_deg) const;
  // Fraction of the map's area (cos-latitude weighted) in each class.
  std::vector<double> AreaFractions() const;

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  LandCoverMap(int width, int height, std::vector<LandCover> classes)
      : width_(width), height_(height), classes_(std::move(classes)) {}
  int width_;
  int height_;
  std::vector<LandCover> classes_;
};

}  // namespace orbitfl::world

#endif  // ORBITFL_SIM_WORLD_LAND_COVER_H_
