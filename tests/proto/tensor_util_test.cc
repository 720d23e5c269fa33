#include "proto/tensor_util.h"

#include "gtest/gtest.h"

namespace orbitfl::proto {
namespace {

TEST(TensorUtilTest, FloatsRoundTripAsLittleEndianFloat32) {
  Tensor t;
  t.set_name("w");
  t.add_shape(2);
  t.add_shape(2);
  SetFloats({1.0f, -2.5f, 0.0f, 3.25f}, &t);
  EXPECT_EQ(NumElements(t), 4);
  EXPECT_EQ(t.data().size(), 16u);
  // 1.0f is 0x3F800000: little-endian bytes 00 00 80 3F.
  EXPECT_EQ(t.data().substr(0, 4), std::string("\x00\x00\x80\x3f", 4));
  EXPECT_EQ(ToFloats(t), (std::vector<float>{1.0f, -2.5f, 0.0f, 3.25f}));
}

TEST(TensorUtilTest, SameLayoutComparesNameAndShape) {
  Tensor a, b;
  a.set_name("w");
  a.add_shape(3);
  b = a;
  EXPECT_TRUE(SameLayout(a, b));
  b.set_shape(0, 4);
  EXPECT_FALSE(SameLayout(a, b));
  b = a;
  b.set_name("v");
  EXPECT_FALSE(SameLayout(a, b));
}

}  // namespace
}  // namespace orbitfl::proto
