#include "proto/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace orbitfl::proto {
namespace {

// Check values from RFC 3720 (iSCSI), appendix B.4, and the common
// "123456789" check value of CRC-32C.
TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, DetectsASingleFlippedBit) {
  std::string data(1000, 'x');
  const uint32_t before = Crc32c(data);
  data[500] ^= 0x01;
  EXPECT_NE(Crc32c(data), before);
}

TEST(Crc32cTest, FastAndPortablePathsAgreeOnEveryLengthAndAlignment) {
  std::string data;
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 4096 + 17; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    data.push_back(static_cast<char>(x));
  }
  for (size_t offset : {0, 1, 3, 7}) {
    for (size_t length : {0, 1, 7, 8, 9, 63, 64, 1000, 4096}) {
      const absl::string_view piece(data.data() + offset, length);
      EXPECT_EQ(Crc32c(piece), Crc32cPortable(piece))
          << "offset " << offset << " length " << length;
    }
  }
  EXPECT_EQ(Crc32cPortable("123456789"), 0xE3069283u);
}

}  // namespace
}  // namespace orbitfl::proto
