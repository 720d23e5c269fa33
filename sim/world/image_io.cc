#include "sim/world/image_io.h"

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

// After <cstdio>: jpeglib.h uses FILE and size_t without declaring them.
#include <jpeglib.h>
#include <png.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace orbitfl::world {
namespace {

// Both libraries report fatal errors through a callback that must not
// return. The callbacks below keep the library's message and longjmp back to
// a setjmp in the decoding function, which turns it into a Status. In those
// functions every C++ object with a destructor is constructed before setjmp,
// and objects created afterwards are trivially destructible, so the longjmp
// skips no destructor.

// ---------------------------------------------------------------- JPEG ----

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

bool HasJpegMagic(const std::string& bytes) {
  return bytes.size() >= 3 && static_cast<uint8_t>(bytes[0]) == 0xFF &&
         static_cast<uint8_t>(bytes[1]) == 0xD8 &&
         static_cast<uint8_t>(bytes[2]) == 0xFF;
}

// ----------------------------------------------------------------- PNG ----

constexpr size_t kPngSignatureBytes = 8;

struct PngMessage {
  char text[256];
};

void PngError(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngMessage*>(png_get_error_ptr(png));
  std::snprintf(sink->text, sizeof(sink->text), "%s", message);
  png_longjmp(png, 1);
}

// libpng warns only about ancillary chunks (colour profiles, text, a bad
// CRC on a chunk it then skips); the pixels are intact, so stay quiet.
void PngWarning(png_structp, png_const_charp) {}

struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t offset;
};

void PngRead(png_structp png, png_bytep out, size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->size - src->offset) {
    png_error(png, "unexpected end of data (truncated file)");
  }
  std::memcpy(out, src->data + src->offset, n);
  src->offset += n;
}

void PngWrite(png_structp png, png_bytep data, size_t n) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  bool out_of_memory = false;
  try {
    out->append(reinterpret_cast<const char*>(data), n);
  } catch (const std::bad_alloc&) {
    out_of_memory = true;  // no exception may unwind through libpng
  }
  if (out_of_memory) png_error(png, "out of memory");
}

void PngFlush(png_structp) {}

bool HasPngMagic(const std::string& bytes) {
  return bytes.size() >= kPngSignatureBytes &&
         png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0,
                     kPngSignatureBytes) == 0;
}

absl::Status TooLarge(const char* format, const std::string& path, size_t width,
                      size_t height, int channels) {
  return absl::InvalidArgumentError(absl::StrCat(
      format, " image ", path, " is ", width, "x", height, " with ", channels,
      " channels; expected at most ", kMaxImageBytes, " bytes decoded"));
}

}  // namespace

absl::StatusOr<Image> DecodeJpeg(const std::string& bytes,
                                 const std::string& path_for_errors) {
  const std::string& path = path_for_errors;
  if (bytes.size() < 2 || static_cast<uint8_t>(bytes[0]) != 0xFF ||
      static_cast<uint8_t>(bytes[1]) != 0xD8) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image ", path, " is not a JPEG file (expected the SOI marker FF D8)"));
  }
  Image image;
  jpeg_decompress_struct cinfo;
  JpegErrorManager err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = JpegErrorExit;
  err.pub.output_message = JpegOutputMessage;
  err.message[0] = '\0';
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return absl::InvalidArgumentError(absl::StrCat(
        "JPEG image ", path, " is not a valid JPEG: ", err.message));
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               bytes.size());
  jpeg_read_header(&cinfo, TRUE);
  int channels = 0;
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      channels = 1;
      break;
    case JCS_RGB:
    case JCS_YCbCr:
      cinfo.out_color_space = JCS_RGB;
      channels = 3;
      break;
    default: {
      const int components = cinfo.num_components;
      jpeg_destroy_decompress(&cinfo);
      return absl::InvalidArgumentError(absl::StrCat(
          "JPEG image ", path, " has ", components,
          " colour components in an unsupported colour space (CMYK or ",
          "YCCK); expected greyscale or RGB/YCbCr"));
    }
  }
  const size_t width = cinfo.image_width;
  const size_t height = cinfo.image_height;
  if (width * height * channels > kMaxImageBytes) {
    jpeg_destroy_decompress(&cinfo);
    return TooLarge("JPEG", path, width, height, channels);
  }
  jpeg_start_decompress(&cinfo);
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.channels = channels;
  image.pixels.resize(image.num_bytes());
  const size_t stride = width * channels;
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = image.pixels.data() + cinfo.output_scanline * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  const long warnings = err.pub.num_warnings;
  jpeg_destroy_decompress(&cinfo);
  if (warnings > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JPEG image ", path, " has corrupt JPEG data: ", err.message));
  }
  return image;
}

absl::StatusOr<Image> DecodePng(const std::string& bytes,
                                const std::string& path_for_errors) {
  const std::string& path = path_for_errors;
  if (!HasPngMagic(bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image ", path,
        " is not a PNG file (expected the signature 89 50 4E 47 0D 0A 1A 0A)"));
  }
  Image image;
  std::vector<png_bytep> rows;
  PngMessage message;
  message.text[0] = '\0';
  PngSource source{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                   0};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &message,
                                           PngError, PngWarning);
  png_infop info = png == nullptr ? nullptr : png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate a PNG decoder for ", path));
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return absl::InvalidArgumentError(absl::StrCat(
        "PNG image ", path, " is not a valid PNG: ", message.text));
  }
  png_set_read_fn(png, &source, PngRead);
  png_read_info(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  const int color_type = png_get_color_type(png, info);
  if (bit_depth == 16) png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
    png_set_expand_gray_1_2_4_to_8(png);
  }
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const size_t width = png_get_image_width(png, info);
  const size_t height = png_get_image_height(png, info);
  const int channels = png_get_channels(png, info);
  if (width * height * channels > kMaxImageBytes) {
    png_destroy_read_struct(&png, &info, nullptr);
    return TooLarge("PNG", path, width, height, channels);
  }
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.channels = channels;
  image.pixels.resize(image.num_bytes());
  rows.resize(height);
  for (size_t r = 0; r < height; ++r) {
    rows[r] = image.pixels.data() + r * width * channels;
  }
  png_read_image(png, rows.data());
  // Reading to IEND catches a file cut after its last pixel row.
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return image;
}

absl::StatusOr<Image> DecodeImage(const std::string& bytes,
                                  const std::string& path_for_errors) {
  if (HasJpegMagic(bytes)) return DecodeJpeg(bytes, path_for_errors);
  if (HasPngMagic(bytes)) return DecodePng(bytes, path_for_errors);
  return absl::InvalidArgumentError(absl::StrCat(
      "image ", path_for_errors,
      " is neither a JPEG (starting FF D8 FF) nor a PNG (starting 89 50 4E ",
      "47 0D 0A 1A 0A)"));
}

absl::StatusOr<std::string> EncodePng(const Image& image) {
  static constexpr int kColorTypes[] = {
      PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
      PNG_COLOR_TYPE_RGB_ALPHA};
  if (image.width <= 0 || image.height <= 0 || image.channels < 1 ||
      image.channels > 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot encode a ", image.width, "x", image.height, " image with ",
        image.channels,
        " channels as PNG; expected width, height > 0 and 1..4 channels"));
  }
  if (image.pixels.size() != image.num_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot encode image as PNG: it holds ", image.pixels.size(),
        " bytes; expected width * height * channels = ", image.num_bytes()));
  }
  std::string out;
  std::vector<png_bytep> rows(image.height);
  const size_t stride = static_cast<size_t>(image.width) * image.channels;
  for (int r = 0; r < image.height; ++r) {
    // libpng's row type is non-const, but writing only reads the rows.
    rows[r] = const_cast<png_bytep>(image.pixels.data() + r * stride);
  }
  PngMessage message;
  message.text[0] = '\0';
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &message,
                                            PngError, PngWarning);
  png_infop info = png == nullptr ? nullptr : png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return absl::ResourceExhaustedError("cannot allocate a PNG encoder");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return absl::InternalError(
        absl::StrCat("cannot encode PNG: ", message.text));
  }
  png_set_write_fn(png, &out, PngWrite, PngFlush);
  png_set_IHDR(png, info, image.width, image.height, 8,
               kColorTypes[image.channels - 1], PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

Image DropAlpha(const Image& image) {
  if (image.channels != 2 && image.channels != 4) return image;
  Image out;
  out.width = image.width;
  out.height = image.height;
  out.channels = image.channels - 1;
  out.pixels.reserve(out.num_bytes());
  const size_t n = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = image.pixels.data() + i * image.channels;
    out.pixels.insert(out.pixels.end(), p, p + out.channels);
  }
  return out;
}

}  // namespace orbitfl::world
