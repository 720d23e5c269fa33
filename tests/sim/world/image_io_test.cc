#include "sim/world/image_io.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// After <cstdio>: jpeglib.h uses FILE and size_t without declaring them.
#include <jpeglib.h>
#include <png.h>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/test_images.h"

namespace orbitfl::world {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::SolidJpeg;
using ::orbitfl::testing::StatusIs;

constexpr char kEarthJpeg[] = "/usr/share/xplanet/images/earth.jpg";

// A width x height image whose bytes follow a simple pattern, so a swapped
// channel or row shows.
Image Pattern(int width, int height, int channels) {
  Image image{width, height, channels, {}};
  image.pixels.resize(image.num_bytes());
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    image.pixels[i] = static_cast<uint8_t>((i * 37 + i / 5) % 256);
  }
  return image;
}


// A PNG written straight through libpng, for the colour types and depths
// EncodePng never produces. `rows` are packed as libpng stores them.
struct RawPng {
  int width = 0;
  int height = 0;
  int bit_depth = 8;
  int color_type = PNG_COLOR_TYPE_RGB;
  int interlace = PNG_INTERLACE_NONE;
  std::vector<std::vector<uint8_t>> rows;
  std::vector<png_color> palette;
  std::vector<uint8_t> palette_alpha;  // tRNS for a palette
};

void AppendToString(png_structp png, png_bytep data, size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))
      ->append(reinterpret_cast<const char*>(data), n);
}

std::string WriteRawPng(const RawPng& p) {
  std::string out;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, AppendToString, nullptr);
  png_set_IHDR(png, info, p.width, p.height, p.bit_depth, p.color_type,
               p.interlace, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!p.palette.empty()) {
    png_set_PLTE(png, info, p.palette.data(),
                 static_cast<int>(p.palette.size()));
  }
  if (!p.palette_alpha.empty()) {
    png_set_tRNS(png, info, p.palette_alpha.data(),
                 static_cast<int>(p.palette_alpha.size()), nullptr);
  }
  std::vector<png_bytep> rows;
  for (const auto& row : p.rows)
    rows.push_back(const_cast<png_bytep>(row.data()));
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

// CRC-32 as PNG chunks use it (ISO 3309, reflected, poly 0xEDB88320).
uint32_t Crc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return crc ^ 0xFFFFFFFFu;
}

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string PngChunk(const std::string& type, const std::string& data) {
  return BigEndian32(static_cast<uint32_t>(data.size())) + type + data +
         BigEndian32(Crc32(type + data));
}

std::string ReadEarth() {
  std::ifstream in(kEarthJpeg, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

TEST(ImageIoTest, PngRoundTripsEveryChannelCount) {
  for (int channels : {1, 2, 3, 4}) {
    SCOPED_TRACE(channels);
    const Image image = Pattern(7, 5, channels);
    ORBITFL_ASSERT_OK_AND_ASSIGN(std::string png, EncodePng(image));
    ORBITFL_ASSERT_OK_AND_ASSIGN(Image back, DecodePng(png, "round.png"));
    EXPECT_EQ(back.width, 7);
    EXPECT_EQ(back.height, 5);
    EXPECT_EQ(back.channels, channels);
    EXPECT_EQ(back.pixels, image.pixels);
    ORBITFL_ASSERT_OK_AND_ASSIGN(Image dispatched, DecodeImage(png, "x.png"));
    EXPECT_EQ(dispatched.pixels, image.pixels);
  }
}

TEST(ImageIoTest, EncodePngIsDeterministic) {
  const Image image = Pattern(16, 16, 3);
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::string a, EncodePng(image));
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::string b, EncodePng(image));
  EXPECT_EQ(a, b);
}

TEST(ImageIoTest, EncodePngRejectsBadImages) {
  EXPECT_THAT(
      EncodePng(Image{0, 4, 3, {}}),
      StatusIs(absl::StatusCode::kInvalidArgument, "width, height > 0"));
  Image five = Pattern(2, 2, 3);
  five.channels = 5;
  EXPECT_THAT(EncodePng(five),
              StatusIs(absl::StatusCode::kInvalidArgument, "1..4 channels"));
  Image short_pixels = Pattern(2, 2, 3);
  short_pixels.pixels.pop_back();
  EXPECT_THAT(EncodePng(short_pixels),
              StatusIs(absl::StatusCode::kInvalidArgument, "= 12"));
}

TEST(ImageIoTest, PngSixteenBitKeepsTheHighByte) {
  RawPng p;
  p.width = 2;
  p.height = 1;
  p.bit_depth = 16;
  p.rows = {
      {0x12, 0x34, 0xAB, 0xCD, 0xFF, 0x00, 0x00, 0xFF, 0x80, 0x80, 0x01, 0x02}};
  ORBITFL_ASSERT_OK_AND_ASSIGN(Image image,
                               DecodePng(WriteRawPng(p), "16.png"));
  EXPECT_EQ(image.channels, 3);
  EXPECT_EQ(image.pixels,
            (std::vector<uint8_t>{0x12, 0xAB, 0xFF, 0x00, 0x80, 0x01}));
}

TEST(ImageIoTest, PngPaletteBecomesRgbOrRgbaWithTrns) {
  RawPng p;
  p.width = 3;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_PALETTE;
  p.palette = {{10, 20, 30}, {40, 50, 60}, {70, 80, 90}};
  p.rows = {{2, 0, 1}};
  ORBITFL_ASSERT_OK_AND_ASSIGN(Image rgb, DecodePng(WriteRawPng(p), "pal.png"));
  EXPECT_EQ(rgb.channels, 3);
  EXPECT_EQ(rgb.pixels,
            (std::vector<uint8_t>{70, 80, 90, 10, 20, 30, 40, 50, 60}));

  p.palette_alpha = {255, 0, 128};
  ORBITFL_ASSERT_OK_AND_ASSIGN(Image rgba,
                               DecodePng(WriteRawPng(p), "trns.png"));
  EXPECT_EQ(rgba.channels, 4);
  EXPECT_EQ(rgba.pixels, (std::vector<uint8_t>{70, 80, 90, 128, 10, 20, 30, 255,
                                               40, 50, 60, 0}));
  EXPECT_EQ(DropAlpha(rgba).pixels, rgb.pixels);
}

TEST(ImageIoTest, PngLowBitGreyIsScaledToFullRange) {
  RawPng p;
  p.width = 8;
  p.height = 1;
  p.bit_depth = 1;
  p.color_type = PNG_COLOR_TYPE_GRAY;
  p.rows = {{0xA1}};  // 1010 0001
  ORBITFL_ASSERT_OK_AND_ASSIGN(Image image, DecodePng(WriteRawPng(p), "1.png"));
  EXPECT_EQ(image.channels, 1);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{255, 0, 255, 0, 0, 0, 0, 255}));
}

TEST(ImageIoTest, PngInterlacedDecodes) {
  const Image image = Pattern(9, 7, 3);
  RawPng p;
  p.width = 9;
  p.height = 7;
  p.interlace = PNG_INTERLACE_ADAM7;
  for (int r = 0; r < 7; ++r) {
    p.rows.emplace_back(image.pixels.begin() + r * 27,
                        image.pixels.begin() + (r + 1) * 27);
  }
  ORBITFL_ASSERT_OK_AND_ASSIGN(Image back, DecodePng(WriteRawPng(p), "i.png"));
  EXPECT_EQ(back.pixels, image.pixels);
}

TEST(ImageIoTest, TruncatedPngIsInvalidArgumentNamingThePath) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::string png, EncodePng(Pattern(32, 32, 3)));
  for (size_t keep : {size_t{8}, size_t{20}, size_t{40}, png.size() / 2,
                      png.size() - 12, png.size() - 1}) {
    EXPECT_THAT(DecodePng(png.substr(0, keep), "/data/cut.png"),
                StatusIs(absl::StatusCode::kInvalidArgument, "/data/cut.png"))
        << "kept " << keep << " of " << png.size() << " bytes";
  }
}

TEST(ImageIoTest, CorruptPngIsInvalidArgumentNamingThePath) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::string png, EncodePng(Pattern(32, 32, 3)));
  const size_t idat = png.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  png[idat + 10] ^= 0x55;
  EXPECT_THAT(DecodeImage(png, "/data/bad.png"),
              StatusIs(absl::StatusCode::kInvalidArgument, "/data/bad.png"));
  EXPECT_THAT(DecodePng("\x89PNG\r\n\x1a\n", "/data/sig.png"),
              StatusIs(absl::StatusCode::kInvalidArgument, "/data/sig.png"));
}

TEST(ImageIoTest, HugePngHeaderIsRejectedBeforeAllocating) {
  // IHDR: 100000 x 100000, 8-bit RGBA; then an empty IDAT so libpng gets
  // past the header.
  const std::string ihdr = BigEndian32(100000) + BigEndian32(100000) +
                           std::string("\x08\x06\x00\x00\x00", 5);
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) +
                          PngChunk("IHDR", ihdr) + PngChunk("IDAT", "");
  EXPECT_THAT(DecodePng(png, "huge.png"),
              StatusIs(absl::StatusCode::kInvalidArgument, "at most"));
}

TEST(ImageIoTest, JpegDecodesGreyAndRgb) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(
      Image rgb, DecodeJpeg(SolidJpeg(24, 16, {200, 100, 50}), "rgb.jpg"));
  EXPECT_EQ(rgb.width, 24);
  EXPECT_EQ(rgb.height, 16);
  EXPECT_EQ(rgb.channels, 3);
  ASSERT_EQ(rgb.pixels.size(), 24u * 16 * 3);
  for (size_t i = 0; i < rgb.pixels.size(); i += 3) {
    EXPECT_NEAR(rgb.pixels[i], 200, 4);
    EXPECT_NEAR(rgb.pixels[i + 1], 100, 4);
    EXPECT_NEAR(rgb.pixels[i + 2], 50, 4);
  }
  ORBITFL_ASSERT_OK_AND_ASSIGN(Image grey,
                               DecodeImage(SolidJpeg(8, 8, {77}), "grey.jpg"));
  EXPECT_EQ(grey.channels, 1);
  for (uint8_t v : grey.pixels) EXPECT_NEAR(v, 77, 2);
}

TEST(ImageIoTest, JpegDecodesTheEarthImage) {
  const std::string bytes = ReadEarth();
  ASSERT_GT(bytes.size(), 1000u) << kEarthJpeg;
  ORBITFL_ASSERT_OK_AND_ASSIGN(Image earth, DecodeImage(bytes, kEarthJpeg));
  EXPECT_EQ(earth.width, 2048);
  EXPECT_EQ(earth.height, 1024);
  EXPECT_EQ(earth.channels, 3);
  EXPECT_EQ(earth.pixels.size(), earth.num_bytes());
}

TEST(ImageIoTest, TruncatedOrCorruptJpegIsInvalidArgumentNamingThePath) {
  const std::string bytes = ReadEarth();
  ASSERT_GT(bytes.size(), 1000u) << kEarthJpeg;
  for (size_t keep : {size_t{4}, size_t{300}, bytes.size() / 2}) {
    EXPECT_THAT(DecodeJpeg(bytes.substr(0, keep), "/data/cut.jpg"),
                StatusIs(absl::StatusCode::kInvalidArgument, "/data/cut.jpg"))
        << "kept " << keep << " bytes";
  }
  EXPECT_THAT(DecodeJpeg("not a jpeg", "/data/text.jpg"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a JPEG"));
}

TEST(ImageIoTest, CmykJpegIsRejected) {
  EXPECT_THAT(DecodeJpeg(SolidJpeg(8, 8, {0, 0, 0, 0}), "cmyk.jpg"),
              StatusIs(absl::StatusCode::kInvalidArgument, "cmyk.jpg"));
  EXPECT_THAT(DecodeJpeg(SolidJpeg(8, 8, {0, 0, 0, 0}), "cmyk.jpg"),
              StatusIs(absl::StatusCode::kInvalidArgument, "greyscale or RGB"));
}

TEST(ImageIoTest, HugeJpegHeaderIsRejectedBeforeAllocating) {
  std::string jpeg = SolidJpeg(8, 8, {1, 2, 3});
  // Baseline frame header: FF C0, length, precision, height, width.
  const size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  for (size_t i : {sof + 5, sof + 6, sof + 7, sof + 8}) jpeg[i] = '\xFD';
  EXPECT_THAT(DecodeJpeg(jpeg, "huge.jpg"),
              StatusIs(absl::StatusCode::kInvalidArgument, "at most"));
}

TEST(ImageIoTest, UnknownFormatIsInvalidArgumentNamingThePath) {
  for (const std::string bytes : {"", "GIF89a....", "\xFF\xD8", "P6 2 1 255"}) {
    EXPECT_THAT(DecodeImage(bytes, "/data/tile.gif"),
                StatusIs(absl::StatusCode::kInvalidArgument, "/data/tile.gif"));
    EXPECT_THAT(DecodeImage(bytes, "/data/tile.gif"),
                StatusIs(absl::StatusCode::kInvalidArgument, "neither"));
  }
}

TEST(ImageIoTest, DropAlphaLeavesOpaqueImagesAlone) {
  const Image rgb = Pattern(3, 2, 3);
  EXPECT_EQ(DropAlpha(rgb).pixels, rgb.pixels);
  Image grey_alpha{2, 1, 2, {10, 99, 20, 98}};
  const Image grey = DropAlpha(grey_alpha);
  EXPECT_EQ(grey.channels, 1);
  EXPECT_EQ(grey.pixels, (std::vector<uint8_t>{10, 20}));
}

}  // namespace
}  // namespace orbitfl::world
