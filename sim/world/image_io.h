#ifndef ORBITFL_SIM_WORLD_IMAGE_IO_H_
#define ORBITFL_SIM_WORLD_IMAGE_IO_H_

// 8-bit raster images in memory, and their JPEG (libjpeg) and PNG (libpng)
// encodings. Decoding takes bytes, not a path, so callers read files through
// whatever environment they own; the path is only for error messages.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace orbitfl::world {

struct Image {
  int width = 0;
  int height = 0;
  // 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
  int channels = 0;
  // Row-major, channels interleaved: width * height * channels bytes.
  std::vector<uint8_t> pixels;

  size_t num_bytes() const {
    return static_cast<size_t>(width) * height * channels;
  }
};

// Decoded images larger than this are rejected before any pixel is
// allocated, so a hostile header cannot ask for gigabytes.
inline constexpr size_t kMaxImageBytes = size_t{1} << 30;

// Baseline or progressive JPEG to 1 (greyscale) or 3 (RGB) channels.
// InvalidArgument naming `path_for_errors` when the bytes are not a JPEG, are
// corrupt or truncated (libjpeg's warnings count as errors), or hold another
// colour space (CMYK, YCCK).
absl::StatusOr<Image> DecodeJpeg(const std::string& bytes,
                                 const std::string& path_for_errors);

// PNG of any colour type to 8 bits per channel: grey -> 1 channel, grey +
// alpha -> 2, RGB -> 3, RGBA -> 4. Alpha is kept; a palette becomes RGB, or
// RGBA when it has a tRNS chunk (likewise tRNS on grey or RGB adds alpha).
// 1/2/4-bit grey is scaled to 0..255; 16-bit samples keep their high byte.
// InvalidArgument naming `path_for_errors` when the bytes are not a PNG or
// are corrupt or truncated.
absl::StatusOr<Image> DecodePng(const std::string& bytes,
                                const std::string& path_for_errors);

// JPEG or PNG, chosen by the magic bytes (FF D8 FF, or 89 'P' 'N' 'G').
// InvalidArgument naming `path_for_errors` for any other format.
absl::StatusOr<Image> DecodeImage(const std::string& bytes,
                                  const std::string& path_for_errors);

// An 8-bit PNG of `image` (1, 2, 3 or 4 channels). InvalidArgument when the
// image has no pixels, another channel count, or pixels.size() !=
// num_bytes().
absl::StatusOr<std::string> EncodePng(const Image& image);

// `image` without its alpha channel (2 -> 1, 4 -> 3 channels); other images
// are returned unchanged.
Image DropAlpha(const Image& image);

}  // namespace orbitfl::world

#endif  // ORBITFL_SIM_WORLD_IMAGE_IO_H_
