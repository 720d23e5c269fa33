#include "sim/train_command.h"

#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/model.h"
#include "sim/env.h"
#include "sim/npy.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kMetaHeader[] =
    "satellite,utc,lat_deg,lon_deg,cloud_fraction,sun_elevation_deg,split\n";

// Writes DIR with n 8x8x4 tiles of two separable classes (a bright blue
// or a bright NIR band over noise), every fourth one in the test split.
std::string WriteDataset(const std::string& name, int n) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  Env* env = Env::Default();
  EXPECT_THAT(env->CreateDirs(dir), IsOk());
  std::mt19937_64 gen(17);
  std::normal_distribution<float> noise(0.3f, 0.08f);
  std::vector<uint8_t> x;
  std::vector<int64_t> y;
  std::string meta = kMetaHeader;
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    for (int p = 0; p < 64; ++p) {
      for (int c = 0; c < 4; ++c) {
        const float v = noise(gen) + (c == (label ? 3 : 0) ? 0.4f : 0.0f);
        x.push_back(static_cast<uint8_t>(
            std::lround(std::clamp(v, 0.0f, 1.0f) * 255)));
      }
    }
    y.push_back(label);
    absl::StrAppend(&meta, "\"sat, ", i % 3, "\",2026-03-20T00:00:00Z,1.5,",
                    "2.5,0.1,30.0,", i % 4 == 3 ? "test" : "train", "\n");
  }
  EXPECT_THAT(WriteNpy(env, dir + "/x.npy", {n, 8, 8, 4}, x), IsOk());
  EXPECT_THAT(WriteNpy(env, dir + "/y.npy", {n}, y), IsOk());
  EXPECT_THAT(env->WriteFile(dir + "/meta.csv", meta), IsOk());
  return dir;
}

// The percentage of the "test accuracy P% (k/n)" line; -1 when absent.
double TestAccuracy(const std::string& out) {
  const size_t at = out.find("test accuracy ");
  if (at == std::string::npos) return -1;
  const size_t begin = at + 14;
  double pct = -1;
  if (!absl::SimpleAtod(out.substr(begin, out.find('%', begin) - begin),
                        &pct)) {
    return -1;
  }
  return pct;
}

TEST(TrainCommandTest, TrainsSmallCnnAndReportsTheContractLines) {
  const std::string dir = WriteDataset("two_classes", 160);
  std::ostringstream out, log;
  ASSERT_THAT(TrainCommand({"--dataset=" + dir, "--steps=60",
                            "--batch-size=16", "--lr=0.1"},
                           out, log),
              IsOk())
      << log.str();
  EXPECT_THAT(out.str(),
              HasSubstr("120 train / 40 test tiles of 8x8x4, 2 classes"));
  // conv1 4*16*9+16, conv2 16*32*9+32, fc (32*2*2)*2+2.
  EXPECT_THAT(out.str(),
              HasSubstr("model small_cnn: 5,490 parameters (5,490 trainable)"));
  EXPECT_THAT(out.str(), HasSubstr("MFLOP per image forward"));
  EXPECT_THAT(out.str(), HasSubstr("images/s (host)"));
  EXPECT_GE(TestAccuracy(out.str()), 90) << out.str();
  EXPECT_THAT(out.str(), HasSubstr("/40)"));
  EXPECT_THAT(log.str(), HasSubstr("step 60/60"));
}

TEST(TrainCommandTest, ResNetTrains) {
  const std::string dir = WriteDataset("two_classes_resnet", 96);
  std::ostringstream out, log;
  ASSERT_THAT(TrainCommand({"--dataset=" + dir, "--model=resnet",
                            "--steps=20", "--batch-size=16", "--lr=0.1"},
                           out, log),
              IsOk());
  EXPECT_THAT(out.str(), HasSubstr("model resnet:"));
  EXPECT_GE(TestAccuracy(out.str()), 90) << out.str();
}

TEST(TrainCommandTest, EncoderHeadPretrainsThenTrainsTheFlownHead) {
  const std::string dir = WriteDataset("two_classes_head", 160);
  const std::string saved = dir + "/model.pt";
  std::ostringstream out, log;
  const std::vector<std::string> args = {
      "--dataset=" + dir, "--model=encoder_head", "--steps=100",
      "--batch-size=16",  "--lr=0.1",            "--pretrain-steps=60",
      "--save=" + saved};
  ASSERT_THAT(TrainCommand(args, out, log), IsOk()) << log.str();
  EXPECT_THAT(out.str(), HasSubstr("(129 trainable)"));
  EXPECT_THAT(out.str(), HasSubstr("encoder: pre-trained 60 steps on 120 "
                                   "unlabelled train tiles"));
  EXPECT_GE(TestAccuracy(out.str()), 90) << out.str();
  EXPECT_THAT(out.str(), HasSubstr("saved " + saved));
  node::ModelSpec spec;
  spec.architecture = "encoder_head";
  spec.pixels = 8;
  spec.num_classes = 2;
  proto::Model encoder;
  auto head = node::LoadModelFile(spec, saved, &encoder);
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(node::ParameterCount(*head), 129);
  EXPECT_GT(node::ParameterCount(encoder), 129);
  // The same seed gives the same model file, byte for byte.
  auto first = Env::Default()->ReadFile(saved);
  std::ostringstream out2, log2;
  ASSERT_THAT(TrainCommand(args, out2, log2), IsOk());
  EXPECT_EQ(*Env::Default()->ReadFile(saved), *first);
}

TEST(TrainCommandTest, ErrorsNameTheFileOrTheFlag) {
  std::ostringstream out, log;
  const std::string missing = std::string(std::getenv("TEST_TMPDIR")) + "/none";
  EXPECT_THAT(TrainCommand({"--dataset=" + missing}, out, log),
              StatusIs(absl::StatusCode::kNotFound, "none/x.npy"));
  EXPECT_THAT(TrainCommand({}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument, "--dataset"));

  const std::string dir = WriteDataset("broken", 8);
  EXPECT_THAT(TrainCommand({"--dataset=" + dir, "--model=vit"}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--model: expected one of small_cnn, resnet, "
                       "encoder_head, got \"vit\""));
  EXPECT_THAT(TrainCommand({"--dataset=" + dir, "--steps=0"}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument, "--steps"));
  Env* env = Env::Default();
  ASSERT_THAT(WriteNpy(env, dir + "/y.npy", {7},
                       std::vector<int64_t>(7, 0)),
              IsOk());
  EXPECT_THAT(TrainCommand({"--dataset=" + dir}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "y.npy: 7 labels, but " + dir + "/x.npy holds 8 tiles"));
  ASSERT_THAT(WriteNpy(env, dir + "/y.npy", {8}, std::vector<int64_t>(8, 1)),
              IsOk());
  ASSERT_THAT(env->WriteFile(dir + "/meta.csv",
                             std::string(kMetaHeader) +
                                 "a,t,0,0,0,0,validation\n"),
              IsOk());
  EXPECT_THAT(TrainCommand({"--dataset=" + dir}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "meta.csv: line 2: split: expected train or test, "
                       "got \"validation\""));
  ASSERT_THAT(env->WriteFile(dir + "/meta.csv", "a,b\n"), IsOk());
  EXPECT_THAT(TrainCommand({"--dataset=" + dir}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "meta.csv: line 1: expected a header with a `split`"));
  ASSERT_THAT(env->WriteFile(dir + "/y.npy", "garbage"), IsOk());
  EXPECT_THAT(TrainCommand({"--dataset=" + dir}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "y.npy: not a .npy file"));
  ASSERT_THAT(WriteNpy(env, dir + "/y.npy", {8}, std::vector<int64_t>(8, 1)),
              IsOk());
  ASSERT_THAT(WriteNpy(env, dir + "/x.npy", {8}, std::vector<uint8_t>(8)),
              IsOk());
  EXPECT_THAT(TrainCommand({"--dataset=" + dir}, out, log),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "x.npy: expected uint8 (or float32) tiles N x H x W x C"));
}

}  // namespace
}  // namespace orbitfl::sim
