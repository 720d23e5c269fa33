#include "sim/world/land_cover.h"

#include <jpeglib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace orbitfl::world {
namespace {

constexpr double kPi = 3.14159265358979323846;

// libjpeg reports fatal errors through error_exit, which by default calls
// exit(). This manager jumps back into DecodeRgb instead, carrying the
// library's message, so a corrupt file becomes a Status.
struct JpegErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void JpegErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (corrupt or truncated entropy data, which libjpeg papers over with
// grey) are counted by the default emit_message in pub.num_warnings; keep the
// last text for the error and keep library code off stderr.
void JpegOutputMessage(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
}

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // row-major, 3 bytes per pixel
};

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

// Decodes a baseline or progressive JPEG held in memory to 8-bit RGB. Every
// C++ object with a destructor is constructed before setjmp, so the longjmp
// out of libjpeg skips no destructor.
absl::StatusOr<RgbImage> DecodeRgb(const std::string& bytes,
                                   const std::string& path) {
  if (bytes.size() < 2 || static_cast<uint8_t>(bytes[0]) != 0xFF ||
      static_cast<uint8_t>(bytes[1]) != 0xD8) {
    return absl::InvalidArgumentError(
        absl::StrCat("Earth image ", path,
                     " is not a JPEG file (expected the SOI marker FF D8)"));
  }
  RgbImage image;
  jpeg_decompress_struct cinfo;
  JpegErrorManager err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = JpegErrorExit;
  err.pub.output_message = JpegOutputMessage;
  err.message[0] = '\0';
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return absl::InvalidArgumentError(absl::StrCat(
        "Earth image ", path, " is not a valid JPEG: ", err.message));
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               bytes.size());
  jpeg_read_header(&cinfo, TRUE);
  const int width = static_cast<int>(cinfo.image_width);
  const int height = static_cast<int>(cinfo.image_height);
  if (cinfo.num_components != 3 || height <= 0 || width != 2 * height) {
    const int components = cinfo.num_components;
    jpeg_destroy_decompress(&cinfo);
    return absl::InvalidArgumentError(absl::StrCat(
        "Earth image ", path, " is ", width, "x", height, " with ", components,
        " colour components; expected an equirectangular RGB ",
        "image (3 components) with width == 2 * height"));
  }
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  image.width = width;
  image.height = height;
  image.rgb.resize(static_cast<size_t>(width) * height * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = image.rgb.data() +
                   static_cast<size_t>(cinfo.output_scanline) * width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  const long warnings = err.pub.num_warnings;
  jpeg_destroy_decompress(&cinfo);
  if (warnings > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Earth image ", path, " has corrupt JPEG data: ", err.message));
  }
  return image;
}

// Colour rules for xplanet's earth.jpg (a Blue-Marble-style true-colour
// mosaic), read off the decoded image. Typical colours: open ocean (0,0,50),
// shelf seas and lakes (0,20,85), turquoise shallows such as Lake Victoria
// (20,185,180); Greenland and Antarctica (235-255, 240-255, 240-255), pale
// blue sea ice (200,220,220); Sahara and Arabia (250,235,178), Australia
// (140,95,65), tundra (112,104,58), grey rock (140,140,140); rainforest and
// taiga (45,65,5), grassland and cropland (105,108,55). The rules, in order:
//  1. ice: every channel > 170 and B >= R - 25. Snow and ice are bright and
//     neutral or bluish; bright sand is as bright but has B far below R.
//  2. water: B > R + 20 and B >= G - 40. Water is the only surface where blue
//     clearly beats red; the G allowance keeps turquoise shallows, while
//     green vegetation (B < R) never passes.
//  3. vegetation: G >= R, G > B + 20 and R < 170. Green at least as strong as
//     red separates plants from reddish soil and tundra; the B margin rejects
//     grey rock, and the R limit rejects bright yellow sand where G ~ R.
//  4. bare: everything else (desert, rock, tundra, bare soil).
// Measured on earth.jpg (cos-latitude weighted): water 0.668, ice 0.075
// (ice sheets plus the sea ice the mosaic shows), bare 0.117, vegetation
// 0.141.
LandCover ClassifyRgb(int r, int g, int b) {
  if (std::min({r, g, b}) > 170 && b + 25 >= r) return LandCover::kIce;
  if (b > r + 20 && b + 40 >= g) return LandCover::kWater;
  if (g >= r && g > b + 20 && r < 170) return LandCover::kVegetation;
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
    case LandCover::kVegetation:
      return "vegetation";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<LandCoverMap>> LandCoverMap::Create(
    const std::string& image_path) {
  absl::StatusOr<std::string> bytes = ReadFile(image_path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<RgbImage> image = DecodeRgb(*bytes, image_path);
  if (!image.ok()) return image.status();
  const size_t n = static_cast<size_t>(image->width) * image->height;
  std::vector<LandCover> classes(n);
  const uint8_t* rgb = image->rgb.data();
  for (size_t i = 0; i < n; ++i) {
    classes[i] = ClassifyRgb(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
  }
  return FromClasses(image->width, image->height, std::move(classes));
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
