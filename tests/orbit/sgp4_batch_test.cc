#include "orbit/sgp4_batch.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orbit/sgp4.h"
#include "orbit/tle.h"
#include "tests/status_matchers.h"

// Every allocation of this test binary is counted, to check that a batch
// step allocates nothing.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace orbitfl::orbit {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

Tle Parse(const char* text) {
  auto tles = ParseTles(text, "batch.tle");
  EXPECT_THAT(tles, IsOk());
  return tles.ok() ? (*tles)[0] : Tle();
}

// A mix of near-Earth and deep-space sets, with one that decays.
std::vector<Tle> Mixed() {
  return {
      Parse("ISS (ZARYA)\n"
            "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  "
            "2927\n"
            "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 "
            "15.72125391563537\n"),
      Parse("MOLNIYA 2-14\n"
            "1 08195U 75081A   06176.33215444  .00000099  00000-0  11873-3 0   "
            "813\n"
            "2 08195  64.1586 279.0717 6877146 264.7651  20.2257  "
            "2.00491383225656\n"),
      Parse("MINOTAUR R/B\n"
            "1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  "
            "1534\n"
            "2 28872  96.4736 157.9986 0303955 244.0492 110.6523 "
            "16.46015938 10708\n"),
      Parse("CBERS 2\n"
            "1 28057U 03049A   06177.78615833  .00000060  00000-0  35940-4 0  "
            "1836\n"
            "2 28057  98.4283 247.6961 0000884  88.1964 271.9322 "
            "14.35478080140550\n"),
      Parse("ITALSAT 2\n"
            "1 24208U 96044A   06177.04061740 -.00000094  00000-0  10000-3 0  "
            "1600\n"
            "2 24208   3.8536  80.0121 0026640 311.0977  48.3000  "
            "1.00778054 36119\n"),
  };
}

TEST(Sgp4BatchTest, EqualsTheScalarPathInInputOrder) {
  const std::vector<Tle> tles = Mixed();
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sgp4Batch> batch,
                               Sgp4Batch::Create(tles));
  EXPECT_EQ(batch->size(), 5);
  EXPECT_EQ(batch->deep_space_count(), 2);
  std::vector<std::unique_ptr<Sgp4Propagator>> scalars;
  for (const Tle& tle : tles) {
    scalars.push_back(*Sgp4Propagator::Create(tle));
  }
  StateArrays out;
  int failures = 0;
  // Around the Minotaur's epoch (it decays 50-55 min after it); the others
  // are months or years from theirs.
  const absl::Time start = tles[2].epoch - absl::Minutes(30);
  for (int k = 0; k < 200; ++k) {
    const absl::Time t = start + absl::Seconds(37 * k);
    batch->Propagate(t, &out);
    ASSERT_EQ(out.x_km.size(), 5u);
    for (int i = 0; i < 5; ++i) {
      SCOPED_TRACE(absl::StrCat(tles[i].name, " at ", absl::FormatTime(t)));
      const StateVector s = scalars[i]->Propagate(t);
      EXPECT_EQ(out.minutes_since_epoch[i],
                absl::ToDoubleMinutes(t - tles[i].epoch));
      if (out.error_code[i] != 0) {
        ++failures;
        EXPECT_EQ(i, 2);
        EXPECT_EQ(out.error_code[i], 6);
        EXPECT_TRUE(std::isnan(out.x_km[i]) && std::isnan(out.vz_km_s[i]));
        EXPECT_TRUE(std::isnan(s.position_km.x));
        continue;
      }
      EXPECT_EQ(out.x_km[i], s.position_km.x);
      EXPECT_EQ(out.y_km[i], s.position_km.y);
      EXPECT_EQ(out.z_km[i], s.position_km.z);
      EXPECT_EQ(out.vx_km_s[i], s.velocity_km_s.x);
      EXPECT_EQ(out.vy_km_s[i], s.velocity_km_s.y);
      EXPECT_EQ(out.vz_km_s[i], s.velocity_km_s.z);
    }
  }
  // SGP4 reports the decay at every step where the radius is below one
  // Earth radius (the reference stops at the first).
  EXPECT_GT(failures, 0);
}

TEST(Sgp4BatchTest, StepsAllocateNothing) {
  std::vector<Tle> tles;
  for (int i = 0; i < 70; ++i) {  // three blocks, the last one partial
    for (const Tle& tle : Mixed()) tles.push_back(tle);
  }
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sgp4Batch> batch,
                               Sgp4Batch::Create(tles));
  StateArrays out;
  const absl::Time t0 = tles[0].epoch;
  batch->Propagate(t0, &out);  // sizes the arrays
  const long before = g_allocations.load();
  for (int k = 1; k <= 20; ++k) batch->Propagate(t0 + absl::Minutes(k), &out);
  EXPECT_EQ(g_allocations.load() - before, 0);
}

TEST(Sgp4BatchTest, CreateNamesTheFailingSet) {
  std::vector<Tle> tles = Mixed();
  tles[3].eccentricity = 1.0;
  EXPECT_THAT(Sgp4Batch::Create(tles),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "tles[3]: satellite 28057 (CBERS 2): eccentricity"));
}

TEST(Sgp4BatchTest, EmptyBatch) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sgp4Batch> batch,
                               Sgp4Batch::Create({}));
  StateArrays out;
  batch->Propagate(absl::UnixEpoch(), &out);
  EXPECT_EQ(batch->size(), 0);
  EXPECT_TRUE(out.x_km.empty());
}

}  // namespace
}  // namespace orbitfl::orbit
