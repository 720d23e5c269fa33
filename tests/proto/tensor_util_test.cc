#include "proto/tensor_util.h"

#include "gmock/gmock.h"
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

ModelDelta Delta(const std::string& satellite, std::vector<float> values) {
  ModelDelta d;
  d.set_satellite(satellite);
  Tensor* t = d.add_tensors();
  t->set_name("w");
  t->add_shape(static_cast<int64_t>(values.size()));
  SetFloats(values, t);
  return d;
}

TEST(TensorUtilTest, WeightedDeltaSumHandComputed) {
  const ModelDelta layout = Delta("model", {0, 0});
  const ModelDelta a = Delta("a", {4, 0});
  const ModelDelta b = Delta("b", {0, -4});
  auto sum = WeightedDeltaSum(layout.tensors(), {&a, &b}, {0.25, 0.5});
  ASSERT_TRUE(sum.ok()) << sum.status();
  ASSERT_EQ(sum->size(), 1u);
  EXPECT_THAT((*sum)[0], ::testing::ElementsAre(1.0, -2.0));
  const ModelDelta bad = Delta("c", {1, 2, 3});
  absl::StatusOr<std::vector<std::vector<double>>> refused =
      WeightedDeltaSum(layout.tensors(), {&a, &bad}, {1, 1});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("update from c"));
  EXPECT_EQ(WeightedDeltaSum(layout.tensors(), {&a}, {1, 1}).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace orbitfl::proto
