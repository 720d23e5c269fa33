#include "node/model.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/tensor_util.h"
#include "tests/status_matchers.h"

namespace orbitfl::node {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

TEST(ModelTest, InitialModelIsSeededAndWithinPyTorchBounds) {
  ModelSpec spec;
  auto a = InitialModel(spec, 1);
  auto b = InitialModel(spec, 1);
  auto c = InitialModel(spec, 2);
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString());
  EXPECT_NE(a->SerializeAsString(), c->SerializeAsString());
  EXPECT_EQ(a->version(), 0);
  // conv1 (16x4x3x3 + 16), conv2 (32x16x3x3 + 32), fc (4 x 32*8*8 + 4).
  EXPECT_EQ(ParameterCount(*a), 16 * 4 * 9 + 16 + 32 * 16 * 9 + 32 +
                                    4 * 32 * 8 * 8 + 4);
  for (const proto::Tensor& t : a->tensors()) {
    const int64_t fan_in = t.name() == "fc.weight" || t.name() == "fc.bias"
                               ? 32 * 8 * 8
                           : t.name().rfind("conv1", 0) == 0 ? 4 * 9
                                                             : 16 * 9;
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
    for (float v : proto::ToFloats(t)) {
      ASSERT_LE(std::abs(v), bound) << t.name();
    }
  }
}

TEST(ModelTest, FlopsCountHandComputed) {
  ModelSpec spec;
  spec.pixels = 16;
  // conv1 2*4*16*9*16*16, conv2 2*16*32*9*8*8, fc 2*32*4*4*4.
  EXPECT_EQ(ForwardFlopsPerImage(spec),
            2 * 4 * 16 * 9 * 256 + 2 * 16 * 32 * 9 * 64 + 2 * 32 * 16 * 4);
}

TEST(ModelTest, BadSpecsAreRefused) {
  ModelSpec spec;
  spec.architecture = "transformer";
  EXPECT_THAT(InitialModel(spec, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "small_cnn"));
  spec = ModelSpec();
  spec.pixels = 30;
  EXPECT_THAT(ValidateSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, "multiple of 4"));
}

}  // namespace
}  // namespace orbitfl::node
