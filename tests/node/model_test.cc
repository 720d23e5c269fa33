#include "node/model.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/tensor_util.h"
#include "tests/status_matchers.h"

namespace orbitfl::node {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

// FNV-1a 64: a stable fingerprint of serialised parameters.
uint64_t Fingerprint(const std::string& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Unlabelled-looking tiles: random per-band brightness plus noise.
TileDataset RandomTiles(int n, int pixels, uint64_t seed) {
  TileDataset d;
  d.pixels = pixels;
  d.bands = 4;
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> level(0.1f, 0.9f);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> tile(d.tile_values());
  for (int i = 0; i < n; ++i) {
    float band[4];
    for (float& b : band) b = level(gen);
    for (int p = 0; p < pixels * pixels; ++p) {
      for (int c = 0; c < 4; ++c) tile[p * 4 + c] = band[c] + noise(gen);
    }
    d.Add(tile.data(), i % 2);
  }
  return d;
}

ModelSpec EncoderHeadSpec(int num_classes) {
  ModelSpec spec;
  spec.architecture = "encoder_head";
  spec.pixels = 8;
  spec.num_classes = num_classes;
  return spec;
}

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

TEST(ModelTest, SmallCnnInitialisationIsUnchanged) {
  // Fingerprint of the parameters written before resnet and encoder_head
  // were added: small_cnn's order and initialisation are a contract.
  auto model = InitialModel(ModelSpec(), 1);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ(model->architecture(), "small_cnn");
  EXPECT_EQ(Fingerprint(model->SerializeAsString()), 0xb23ae64fca479822ULL);
}

TEST(ModelTest, ResNetShapesCountsAndNormInitialisation) {
  ModelSpec spec;
  spec.architecture = "resnet";
  auto model = InitialModel(spec, 3);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ(model->architecture(), "resnet");
  // stem 4x32x3x3 + GN(32); stage1 2 x (32x32x3x3 + GN(32)); stage2
  // 32x64x3x3 + 64x64x3x3 + 2 GN(64) + 1x1 32x64 + GN(64); stage3 likewise
  // 64 -> 128; fc 128x4 + 4. A GN has a scale and a shift per channel.
  const int64_t expected =
      (4 * 32 * 9 + 64) + 2 * (32 * 32 * 9 + 64) +
      (32 * 64 * 9 + 64 * 64 * 9 + 2 * 128 + 32 * 64 + 128) +
      (64 * 128 * 9 + 128 * 128 * 9 + 2 * 256 + 64 * 128 + 256) + 128 * 4 + 4;
  EXPECT_EQ(ParameterCount(*model), expected);
  EXPECT_EQ(ParameterCount(spec), expected);
  EXPECT_EQ(TrainableParameterCount(spec), expected);
  int norms = 0;
  for (const proto::Tensor& t : model->tensors()) {
    if (t.name().find("norm") == std::string::npos) continue;
    ++norms;
    // Scales 1 but the last of each residual branch (0: every block
    // starts as the identity); shifts 0.
    const bool one = t.name().find("norm.weight") != std::string::npos ||
                     t.name().find("norm1.weight") != std::string::npos;
    for (float v : proto::ToFloats(t)) {
      ASSERT_EQ(v, one ? 1.0f : 0.0f) << t.name();
    }
  }
  EXPECT_EQ(norms, 2 * 9);  // stem, 2 per block, 2 projections
  auto again = InitialModel(spec, 3);
  EXPECT_EQ(model->SerializeAsString(), again->SerializeAsString());
}

TEST(ModelTest, EncoderHeadTrainsOnlyTheFlownHead) {
  ModelSpec spec = EncoderHeadSpec(2);
  spec.pixels = 32;
  auto head = InitialModel(spec, 1);
  ASSERT_THAT(head, IsOk());
  ASSERT_EQ(head->tensors_size(), 2);
  EXPECT_EQ(head->tensors(0).name(), "head.weight");
  EXPECT_EQ(head->tensors(1).name(), "head.bias");
  // One binary logit over the 128-d latent: 129 parameters, as flown.
  EXPECT_EQ(ParameterCount(*head), 129);
  EXPECT_EQ(TrainableParameterCount(spec), 129);
  // Encoder: 4->16, 16->32, 32->64 conv3x3 with biases, then the 4x4x64
  // features to the 128-d mean.
  const int64_t encoder = (4 * 16 * 9 + 16) + (16 * 32 * 9 + 32) +
                          (32 * 64 * 9 + 64) + (64 * 16 * 128 + 128);
  EXPECT_EQ(ParameterCount(spec), encoder + 129);
  spec.num_classes = 4;
  EXPECT_EQ(TrainableParameterCount(spec), 4 * 128 + 4);
  EXPECT_EQ(ParameterCount(*InitialModel(spec, 1)), 4 * 128 + 4);
}

TEST(ModelTest, FlopsOfEveryArchitectureHandComputed) {
  ModelSpec spec;
  spec.architecture = "resnet";
  spec.pixels = 8;
  // Stages at 8x8, 4x4, 2x2 positions.
  EXPECT_EQ(ForwardFlopsPerImage(spec),
            2 * 4 * 32 * 9 * 64 + 2 * (2 * 32 * 32 * 9 * 64) +
                2 * 32 * 64 * 9 * 16 + 2 * 64 * 64 * 9 * 16 +
                2 * 32 * 64 * 16 + 2 * 64 * 128 * 9 * 4 +
                2 * 128 * 128 * 9 * 4 + 2 * 64 * 128 * 4 + 2 * 128 * 4);
  EXPECT_EQ(TrainingFlopsPerImage(spec), 3 * ForwardFlopsPerImage(spec));
  spec = EncoderHeadSpec(2);
  spec.pixels = 32;
  // conv1 to 16x16, conv2 to 8x8, conv3 to 4x4, mu, then the head.
  const int64_t encoder = 2 * 4 * 16 * 9 * 256 + 2 * 16 * 32 * 9 * 64 +
                          2 * 32 * 64 * 9 * 16 + 2 * 1024 * 128;
  EXPECT_EQ(ForwardFlopsPerImage(spec), encoder + 2 * 128);
  // The frozen encoder only runs forward.
  EXPECT_EQ(TrainingFlopsPerImage(spec), encoder + 3 * 2 * 128);
}

TEST(ModelTest, PretrainEncoderIsDeterministicAndShapedForTheSpec) {
  const ModelSpec spec = EncoderHeadSpec(2);
  const TileDataset tiles = RandomTiles(64, 8, 1);
  double mse = -1;
  auto a = PretrainEncoder(spec, tiles, 30, 7, &mse);
  auto b = PretrainEncoder(spec, tiles, 30, 7);
  auto c = PretrainEncoder(spec, tiles, 30, 8);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString());
  EXPECT_NE(a->SerializeAsString(), c->SerializeAsString());
  EXPECT_EQ(a->architecture(), "vae_encoder");
  EXPECT_EQ(ParameterCount(*a),
            ParameterCount(spec) - TrainableParameterCount(spec));
  EXPECT_GT(mse, 0);
  EXPECT_LT(mse, 0.1);

  EXPECT_THAT(PretrainEncoder(ModelSpec(), tiles, 30, 7),
              StatusIs(absl::StatusCode::kInvalidArgument, "encoder_head"));
  EXPECT_THAT(PretrainEncoder(spec, tiles, 0, 7),
              StatusIs(absl::StatusCode::kInvalidArgument, "steps >= 1"));
  EXPECT_THAT(PretrainEncoder(spec, RandomTiles(4, 16, 1), 1, 7),
              StatusIs(absl::StatusCode::kInvalidArgument, "16x16x4"));
  TileDataset empty;
  empty.pixels = 8;
  empty.bands = 4;
  EXPECT_THAT(PretrainEncoder(spec, empty, 1, 7),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no tiles"));
}

TEST(ModelTest, SavedModelFilesLoadBackBitIdentical) {
  for (const std::string arch : {"small_cnn", "resnet"}) {
    ModelSpec spec;
    spec.architecture = arch;
    spec.pixels = 8;
    auto model = InitialModel(spec, 11);
    ASSERT_THAT(model, IsOk());
    model->set_version(42);
    const std::string path = TempPath(arch + ".pt");
    ASSERT_THAT(SaveModelFile(spec, *model, path), IsOk());
    auto loaded = LoadModelFile(spec, path);
    ASSERT_THAT(loaded, IsOk());
    EXPECT_EQ(loaded->SerializeAsString(), model->SerializeAsString()) << arch;
  }
}

TEST(ModelTest, EncoderHeadFileCarriesItsEncoder) {
  ModelSpec spec = EncoderHeadSpec(2);
  auto encoder = PretrainEncoder(spec, RandomTiles(32, 8, 2), 3, 1);
  ASSERT_THAT(encoder, IsOk());
  auto head = InitialModel(spec, 4);
  const std::string path = TempPath("encoder_head.pt");
  EXPECT_THAT(SaveModelFile(spec, *head, path),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "ModelSpec.encoder is not set"));
  spec.encoder = std::make_shared<const proto::Model>(*encoder);
  ASSERT_THAT(SaveModelFile(spec, *head, path), IsOk());
  // The file alone classifies: load it with no encoder at hand.
  ModelSpec bare = EncoderHeadSpec(2);
  proto::Model file_encoder;
  auto loaded = LoadModelFile(bare, path, &file_encoder);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->SerializeAsString(), head->SerializeAsString());
  EXPECT_EQ(file_encoder.SerializeAsString(), encoder->SerializeAsString());
  // A spec with another encoder does not silently pair with this head.
  auto other = PretrainEncoder(spec, RandomTiles(32, 8, 3), 3, 2);
  ModelSpec mismatched = spec;
  mismatched.encoder = std::make_shared<const proto::Model>(*other);
  EXPECT_THAT(LoadModelFile(mismatched, path),
              StatusIs(absl::StatusCode::kInvalidArgument, "encoder differs"));
}

TEST(ModelTest, ModelFileErrorsNameThePath) {
  ModelSpec spec;
  spec.pixels = 8;
  EXPECT_THAT(LoadModelFile(spec, TempPath("absent.pt")),
              StatusIs(absl::StatusCode::kNotFound, "absent.pt"));
  const std::string garbage = TempPath("garbage.pt");
  std::ofstream(garbage) << "not a model";
  EXPECT_THAT(LoadModelFile(spec, garbage),
              StatusIs(absl::StatusCode::kInvalidArgument, "garbage.pt"));
  const std::string path = TempPath("cnn.pt");
  ASSERT_THAT(SaveModelFile(spec, *InitialModel(spec, 1), path), IsOk());
  ModelSpec resnet = spec;
  resnet.architecture = "resnet";
  EXPECT_THAT(LoadModelFile(resnet, path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "cnn.pt: holds a small_cnn model, expected resnet"));
  ModelSpec wider = spec;
  wider.pixels = 16;
  EXPECT_THAT(LoadModelFile(wider, path),
              StatusIs(absl::StatusCode::kInvalidArgument, "pixels is 8"));
  EXPECT_THAT(SaveModelFile(spec, *InitialModel(spec, 1),
                            TempPath("no/such/dir/m.pt")),
              StatusIs(absl::StatusCode::kInternal, "no/such/dir/m.pt"));
  proto::Model wrong = *InitialModel(spec, 1);
  wrong.mutable_tensors(0)->set_name("nope");
  EXPECT_THAT(SaveModelFile(spec, wrong, path),
              StatusIs(absl::StatusCode::kInvalidArgument, "nope"));
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
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "expected one of small_cnn, resnet, encoder_head"));
  spec = ModelSpec();
  spec.pixels = 30;
  EXPECT_THAT(ValidateSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, "multiple of 4"));
  spec.architecture = "encoder_head";
  spec.pixels = 12;
  EXPECT_THAT(ValidateSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, "multiple of 8"));
  spec.pixels = 16;
  spec.latent_dim = 0;
  EXPECT_THAT(ValidateSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, "latent_dim"));
  EXPECT_EQ(ParameterCount(spec), 0);
  EXPECT_EQ(ForwardFlopsPerImage(spec), 0);
}

}  // namespace
}  // namespace orbitfl::node
