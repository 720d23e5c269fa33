#ifndef ORBITFL_SIM_WORLD_LAND_COVER_H_
#define ORBITFL_SIM_WORLD_LAND_COVER_H_

// A global land-cover map derived from real equirectangular Earth images
// (Debian's xplanet-images: the day mosaic earth.jpg and the night lights
// night.jpg, 2048x1024: column 0 at 180 W, row 0 at 90 N). Each pixel is
// classified by colour rules documented in land_cover.cc and README.md.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace orbitfl::world {

enum class LandCover : uint8_t {
  kWater = 0,
  kIce = 1,
  kBare = 2,              // desert, rock, tundra, bare soil
  kSparseVegetation = 3,  // grassland, cropland, savanna
  kDenseVegetation = 4,   // closed forest: rainforest, taiga
  kUrban = 5,             // lit at night
};
inline constexpr int kNumLandCoverClasses = 6;
const char* LandCoverName(LandCover c);

inline constexpr char kDefaultEarthImage[] =
    "/usr/share/xplanet/images/earth.jpg";
inline constexpr char kDefaultNightImage[] =
    "/usr/share/xplanet/images/night.jpg";

class LandCoverMap {
 public:
  // Decodes the day image (and the night-lights image, when its path is
  // not empty: without it there is no urban class) and classifies every
  // pixel of the day image. NotFound naming the path when a file is
  // missing; InvalidArgument when one is not a JPEG or not an
  // equirectangular RGB image with width == 2 * height.
  static absl::StatusOr<std::unique_ptr<LandCoverMap>> Create(
      const std::string& image_path,
      const std::string& night_image_path = kDefaultNightImage);
  // For tests: a map from explicit classes, row-major, width == 2 * height.
  static absl::StatusOr<std::unique_ptr<LandCoverMap>> FromClasses(
      int width, int height, std::vector<LandCover> classes);

  // Class of the pixel containing (lat, lon) in degrees; lat clamped to
  // [-90, 90], lon wrapped.
  LandCover ClassAt(double lat_deg, double lon_deg) const;
  // The class of every map pixel touching the box [lat_lo, lat_hi] x
  // [lon_lo, lon_hi] (degrees; lon_hi >= lon_lo, either may exceed 180)
  // when they all agree; nullopt when they differ or the box spans more
  // than 8 x 8 map pixels.
  std::optional<LandCover> UniformIn(double lat_lo, double lat_hi,
                                     double lon_lo, double lon_hi) const;
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
