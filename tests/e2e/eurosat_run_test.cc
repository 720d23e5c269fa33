// A run on real data instead of the synthetic Earth: a EuroSAT-style
// folder that the test writes itself (three classes of 16x16 RGB PNG
// tiles), dealt to the satellites with a Dirichlet label skew.

#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/embedded_run.h"
#include "sim/env.h"
#include "sim/scenario.h"
#include "sim/world/image_io.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

// Fields (stripes), a town (checks) and water (flat dark blue), with
// per-tile noise and brightness so no single pixel gives the class away.
std::string WriteFolder(const std::string& root, int per_class) {
  Env* env = Env::Default();
  std::mt19937_64 gen(5);
  std::normal_distribution<double> noise(0, 12);
  std::uniform_real_distribution<double> gain(0.7, 1.3);
  const char* classes[] = {"Fields", "Town", "Water"};
  for (int c = 0; c < 3; ++c) {
    const std::string dir = absl::StrCat(root, "/", classes[c]);
    EXPECT_THAT(env->CreateDirs(dir), IsOk());
    for (int k = 0; k < per_class; ++k) {
      world::Image image;
      image.width = image.height = 16;
      image.channels = 3;
      image.pixels.resize(image.num_bytes());
      const double g = gain(gen);
      for (int y = 0; y < 16; ++y) {
        for (int x = 0; x < 16; ++x) {
          double base[3];
          if (c == 0) {
            const bool stripe = (y / 2) % 2 == 0;
            base[0] = 60; base[1] = stripe ? 140 : 90; base[2] = 50;
          } else if (c == 1) {
            const bool check = ((x / 3) + (y / 3)) % 2 == 0;
            base[0] = base[1] = base[2] = check ? 150 : 70;
          } else {
            base[0] = 20; base[1] = 40; base[2] = 90;
          }
          for (int ch = 0; ch < 3; ++ch) {
            const double v = base[ch] * g + noise(gen);
            image.pixels[(y * 16 + x) * 3 + ch] =
                static_cast<uint8_t>(std::lround(std::fmin(255, std::fmax(0, v))));
          }
        }
      }
      auto png = world::EncodePng(image);
      EXPECT_THAT(png, IsOk());
      EXPECT_THAT(env->WriteFile(absl::StrCat(dir, "/tile_", k, ".png"), *png),
                  IsOk());
    }
  }
  return root;
}

proto::Scenario Scenario(const std::string& folder) {
  const std::string text = absl::StrCat(R"pb(
    seed: 4
    epoch_utc: "2026-06-01T00:00:00Z"
    duration_hours: 8
    constellation {
      walker_delta { total: 4 planes: 2 phasing: 1 altitude_km: 600 inclination_deg: 97.8 }
    }
    stations { name: "Svalbard" lat_deg: 78.23 lon_deg: 15.39 min_elevation_deg: 5 }
    link { downlink_rate_bps: 20000 uplink_rate_bps: 20000 chunk_bytes: 1024 }
    training { local_steps: 20 batch_size: 16 min_tiles: 4 }
    federation { round_deadline_s: 5400 }
    world { eurosat_dir: ")pb", folder, R"pb(" dirichlet_alpha: 0.3 }
  )pb");
  auto s = ParseScenario(text, "eurosat.textproto", Env::Default());
  EXPECT_THAT(s, IsOk());
  return *s;
}

TEST(EurosatRunTest, LearnsFromTheFolder) {
  const std::string tmp = std::getenv("TEST_TMPDIR");
  const std::string folder = WriteFolder(tmp + "/eurosat", 40);
  RunOptions options;
  options.out_dir = tmp + "/run";
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary s,
                               RunEmbedded(Scenario(folder), options));
  EXPECT_GT(s.updates_applied, 0);
  EXPECT_GT(s.best_accuracy, s.initial_accuracy + 0.2);
  EXPECT_GT(s.best_accuracy, 0.8);
  // The same seed deals and trains identically.
  RunOptions again = options;
  again.out_dir = tmp + "/run2";
  ORBITFL_ASSERT_OK_AND_ASSIGN(RunSummary t, RunEmbedded(Scenario(folder), again));
  EXPECT_EQ(t.final_accuracy, s.final_accuracy);
  EXPECT_EQ(t.bytes_up, s.bytes_up);
}

TEST(EurosatRunTest, AMissingFolderIsAClearError) {
  RunOptions options;
  options.out_dir = std::string(std::getenv("TEST_TMPDIR")) + "/missing_run";
  EXPECT_THAT(RunEmbedded(Scenario("/no/such/eurosat"), options),
              StatusIs(absl::StatusCode::kNotFound, "/no/such/eurosat"));
}

}  // namespace
}  // namespace orbitfl::sim
