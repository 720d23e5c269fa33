#include "sim/world/land_cover.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sim/world/image_io.h"

namespace orbitfl::world {
namespace {

constexpr double kPi = 3.14159265358979323846;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int error = errno;
    return absl::Status(absl::ErrnoToStatusCode(error),
                        absl::StrCat("cannot open Earth image ", path, ": ",
                                     std::strerror(error)));
  }
  std::string bytes;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
    bytes.append(buffer, n);
  }
  const bool failed = std::ferror(f) != 0;
  const int error = errno;
  std::fclose(f);
  if (failed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read Earth image ", path, ": ", std::strerror(error)));
  }
  return bytes;
}

// Decodes the JPEG held in memory and checks that it is an equirectangular
// RGB image.
absl::StatusOr<Image> DecodeRgb(const std::string& bytes,
                                const std::string& path) {
  absl::StatusOr<Image> image = DecodeJpeg(bytes, path);
  if (!image.ok()) return image.status();
  if (image->channels != 3 || image->height <= 0 ||
      image->width != 2 * image->height) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Earth image ", path, " is ", image->width, "x", image->height,
        " with ", image->channels, " colour components; expected an ",
        "equirectangular RGB image (3 components) with width == 2 * height"));
  }
  return image;
}

// Colour rules for xplanet's earth.jpg (a Blue-Marble-style true-colour
// mosaic), read off the decoded image. Typical colours: open ocean (0,0,50),
// shelf seas and lakes (0,20,85), turquoise shallows such as Lake Victoria
// (20,185,180); Greenland and Antarctica (235-255, 240-255, 240-255), pale
// blue sea ice (200,220,220); Sahara and Arabia (250,235,178), Australia
// (140,95,65), tundra (112,104,58), grey rock (140,140,140); rainforest and
// taiga (45,65,5), grassland and cropland (105,108,55), the Sahel
// (84,108,34). The rules, in order:
//  1. ice: every channel > 170 and B >= R - 25. Snow and ice are bright and
//     neutral or bluish; bright sand is as bright but has B far below R.
//  2. water: B > R + 20 and B >= G - 40. Water is the only surface where blue
//     clearly beats red; the G allowance keeps turquoise shallows, while
//     green vegetation (B < R) never passes.
//  3. urban: land whose night-lights pixel (night.jpg, mean of R, G, B) is
//     at least 150: the saturated cores of lit cities (Tokyo 251, Cairo 192,
//     Paris 246) against 0-12 for unlit land.
//  4. vegetation: G >= R, G > B + 20 and R < 170. Green at least as strong as
//     red separates plants from reddish soil and tundra; the B margin rejects
//     grey rock, and the R limit rejects bright yellow sand where G ~ R.
//     Dense when G < 75 (closed canopy is dark: Amazon (50,68,10), Congo
//     (43,63,2), taiga (42,66,8)), sparse otherwise (grassland, cropland and
//     savanna are brighter: Great Plains (105,108,55), France (74,96,34)).
//  5. bare: everything else (desert, rock, tundra, bare soil).
LandCover ClassifyPixel(int r, int g, int b, int night) {
  if (std::min({r, g, b}) > 170 && b + 25 >= r) return LandCover::kIce;
  if (b > r + 20 && b + 40 >= g) return LandCover::kWater;
  if (night >= 150) return LandCover::kUrban;
  if (g >= r && g > b + 20 && r < 170) {
    return g < 75 ? LandCover::kDenseVegetation : LandCover::kSparseVegetation;
  }
  return LandCover::kBare;
}

}  // namespace

const char* LandCoverName(LandCover c) {
  switch (c) {
    case LandCover::kWater:
      return "water";
    case LandCover::kIce:
      return "ice";
    case LandCover::kBare:
      return "bare";
    case LandCover::kSparseVegetation:
      return "sparse_vegetation";
    case LandCover::kDenseVegetation:
      return "dense_vegetation";
    case LandCover::kUrban:
      return "urban";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<LandCoverMap>> LandCoverMap::Create(
    const std::string& image_path, const std::string& night_image_path) {
  absl::StatusOr<std::string> bytes = ReadFile(image_path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<Image> image = DecodeRgb(*bytes, image_path);
  if (!image.ok()) return image.status();
  Image night;
  if (!night_image_path.empty()) {
    absl::StatusOr<std::string> night_bytes = ReadFile(night_image_path);
    if (!night_bytes.ok()) return night_bytes.status();
    absl::StatusOr<Image> decoded = DecodeRgb(*night_bytes, night_image_path);
    if (!decoded.ok()) return decoded.status();
    night = *std::move(decoded);
  }
  const int width = image->width, height = image->height;
  std::vector<LandCover> classes(static_cast<size_t>(width) * height);
  const uint8_t* rgb = image->pixels.data();
  for (int row = 0; row < height; ++row) {
    // The night image may have another resolution: nearest pixel.
    const int night_row =
        night.height > 0 ? static_cast<int>(int64_t{row} * night.height / height) : 0;
    for (int col = 0; col < width; ++col) {
      const size_t i = static_cast<size_t>(row) * width + col;
      int lights = 0;
      if (night.height > 0) {
        const int night_col = static_cast<int>(int64_t{col} * night.width / width);
        const uint8_t* q =
            &night.pixels[(static_cast<size_t>(night_row) * night.width + night_col) * 3];
        lights = (q[0] + q[1] + q[2]) / 3;
      }
      classes[i] = ClassifyPixel(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], lights);
    }
  }
  return FromClasses(width, height, std::move(classes));
}

absl::StatusOr<std::unique_ptr<LandCoverMap>> LandCoverMap::FromClasses(
    int width, int height, std::vector<LandCover> classes) {
  if (height <= 0 || width != 2 * height) {
    return absl::InvalidArgumentError(
        absl::StrCat("land-cover map is ", width, "x", height,
                     "; expected height > 0 and width == 2 * height"));
  }
  const size_t expected = static_cast<size_t>(width) * height;
  if (classes.size() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("land-cover map has ", classes.size(),
                     " classes; expected width * height = ", expected));
  }
  for (LandCover c : classes) {
    if (static_cast<int>(c) >= kNumLandCoverClasses) {
      return absl::InvalidArgumentError(
          absl::StrCat("land-cover map holds class ", static_cast<int>(c),
                       "; expected 0..", kNumLandCoverClasses - 1));
    }
  }
  return std::unique_ptr<LandCoverMap>(
      new LandCoverMap(width, height, std::move(classes)));
}

LandCover LandCoverMap::ClassAt(double lat_deg, double lon_deg) const {
  // NaN would make the index computation undefined; map it to the equator
  // and the prime meridian rather than crash a whole run on one bad fix.
  if (std::isnan(lat_deg)) lat_deg = 0;
  if (!std::isfinite(lon_deg)) lon_deg = 0;
  // Tile synthesis calls this for every pixel, so it multiplies rather than
  // divides. After the clamp the row argument is >= 0, where truncation is
  // floor.
  lat_deg = std::clamp(lat_deg, -90.0, 90.0);
  const int row =
      std::min(static_cast<int>((90.0 - lat_deg) * (1.0 / 180.0) * height_),
               height_ - 1);
  double x = (lon_deg + 180.0) * (1.0 / 360.0);
  if (x < 0 || x >= 1) x -= std::floor(x);
  const int col = std::min(static_cast<int>(x * width_), width_ - 1);
  return classes_[static_cast<size_t>(row) * width_ + col];
}

std::optional<LandCover> LandCoverMap::UniformIn(double lat_lo, double lat_hi,
                                                 double lon_lo,
                                                 double lon_hi) const {
  if (!(lat_lo <= lat_hi) || !(lon_lo <= lon_hi)) return std::nullopt;
  lat_lo = std::clamp(lat_lo, -90.0, 90.0);
  lat_hi = std::clamp(lat_hi, -90.0, 90.0);
  const auto row_of = [&](double lat) {
    return std::min(static_cast<int>((90.0 - lat) / 180.0 * height_), height_ - 1);
  };
  const int row_first = row_of(lat_hi), row_last = row_of(lat_lo);
  const auto col_first =
      static_cast<int64_t>(std::floor((lon_lo + 180.0) / 360.0 * width_));
  const auto col_last =
      static_cast<int64_t>(std::floor((lon_hi + 180.0) / 360.0 * width_));
  if (row_last - row_first >= 8 || col_last - col_first >= 8) return std::nullopt;
  const LandCover first =
      classes_[static_cast<size_t>(row_first) * width_ +
               static_cast<size_t>(((col_first % width_) + width_) % width_)];
  for (int row = row_first; row <= row_last; ++row) {
    for (int64_t col = col_first; col <= col_last; ++col) {
      const int64_t c = ((col % width_) + width_) % width_;
      if (classes_[static_cast<size_t>(row) * width_ + c] != first) {
        return std::nullopt;
      }
    }
  }
  return first;
}

std::vector<double> LandCoverMap::AreaFractions() const {
  // A pixel row of an equirectangular map covers area proportional to the
  // cosine of its centre latitude.
  std::vector<double> area(kNumLandCoverClasses, 0.0);
  double total = 0;
  for (int row = 0; row < height_; ++row) {
    const double lat_rad = (90.0 - (row + 0.5) * 180.0 / height_) * kPi / 180;
    const double weight = std::cos(lat_rad);
    std::vector<int> counts(kNumLandCoverClasses, 0);
    const LandCover* begin =
        classes_.data() + static_cast<size_t>(row) * width_;
    for (int col = 0; col < width_; ++col) {
      ++counts[static_cast<int>(begin[col])];
    }
    for (int c = 0; c < kNumLandCoverClasses; ++c) {
      area[c] += weight * counts[c];
    }
    total += weight * width_;
  }
  for (double& a : area) a /= total;
  return area;
}

}  // namespace orbitfl::world
