#include "node/power.h"

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace orbitfl::node {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::HasSubstr;

constexpr double kTol = 1e-9;  // Wh

const absl::Time kStart = absl::FromUnixSeconds(1774000000);  // 2026-03-20

ComputeProfile Ion() { return FindComputeProfile("ion_scv").value(); }

std::unique_ptr<PowerSystem> Make(const PowerOptions& o,
                                  const ComputeProfile& p = Ion()) {
  auto s = PowerSystem::Create(o, p, kStart);
  EXPECT_THAT(s, IsOk());
  return std::move(s).value();
}

// harvested - consumed - wasted == change of charge.
void ExpectBalanced(const PowerSystem& s) {
  const EnergyLedger& l = s.ledger();
  EXPECT_NEAR(l.harvested_wh - l.bus_wh - l.training_wh - l.wasted_wh,
              s.charge_wh() - s.initial_charge_wh(), kTol);
}

// --- profiles ---

TEST(ComputeProfileTest, BuiltInProfilesHaveHonestMagnitudes) {
  ORBITFL_ASSERT_OK_AND_ASSIGN(ComputeProfile ion,
                               FindComputeProfile("ion_scv"));
  ORBITFL_ASSERT_OK_AND_ASSIGN(ComputeProfile gpu,
                               FindComputeProfile("embedded_gpu"));
  ORBITFL_ASSERT_OK_AND_ASSIGN(ComputeProfile mcu, FindComputeProfile("mcu"));
  EXPECT_EQ(ion.name, "ion_scv");
  // A few to tens of GFLOP/s on a CPU board drawing tens of watts.
  EXPECT_GE(ion.training_flops_per_s, 1e9);
  EXPECT_LE(ion.training_flops_per_s, 1e11);
  EXPECT_GE(ion.active_power_w, 10);
  EXPECT_LE(ion.active_power_w, 100);
  // Tens to hundreds of MFLOP/s at about half a watt.
  EXPECT_GE(mcu.training_flops_per_s, 1e7);
  EXPECT_LE(mcu.training_flops_per_s, 1e9);
  EXPECT_NEAR(mcu.active_power_w, 0.5, 0.25);
  EXPECT_GT(gpu.training_flops_per_s, ion.training_flops_per_s);
  for (const ComputeProfile& p : ComputeProfiles()) {
    EXPECT_THAT(ValidateComputeProfile(p), IsOk()) << p.name;
    EXPECT_GE(p.active_power_w, p.idle_power_w) << p.name;
  }
}

TEST(ComputeProfileTest, UnknownNameListsTheValidOnes) {
  absl::StatusOr<ComputeProfile> p = FindComputeProfile("rad750");
  EXPECT_THAT(p, StatusIs(absl::StatusCode::kNotFound, "\"rad750\""));
  for (const char* name : {"\"ion_scv\"", "\"embedded_gpu\"", "\"mcu\""}) {
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(name));
  }
}

TEST(ComputeProfileTest, RejectsUnusableProfiles) {
  ComputeProfile p{"custom", 0, 5, 1};
  EXPECT_THAT(ValidateComputeProfile(p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"custom\": training_flops_per_s: expected > 0"));
  p.training_flops_per_s = 1e9;
  p.idle_power_w = -1;
  EXPECT_THAT(ValidateComputeProfile(p),
              StatusIs(absl::StatusCode::kInvalidArgument, "idle_power_w"));
  EXPECT_THAT(PowerSystem::Create(PowerOptions(), p, kStart),
              StatusIs(absl::StatusCode::kInvalidArgument, "idle_power_w"));
}

TEST(TrainingDurationTest, ScalesWithFlops) {
  const ComputeProfile p{"p", 2e9, 10, 1};
  EXPECT_EQ(TrainingDuration(2e9, p), absl::Seconds(1));
  EXPECT_EQ(TrainingDuration(3e12, p), absl::Seconds(1500));
  EXPECT_EQ(TrainingDuration(1e6, p), absl::Microseconds(500));
  EXPECT_EQ(TrainingDuration(0, p), absl::ZeroDuration());
  EXPECT_EQ(TrainingDuration(-5, p), absl::ZeroDuration());
  const double flops = 1e12;
  EXPECT_LT(TrainingDuration(flops, FindComputeProfile("embedded_gpu").value()),
            TrainingDuration(flops, Ion()));
  EXPECT_LT(TrainingDuration(flops, Ion()),
            TrainingDuration(flops, FindComputeProfile("mcu").value()));
}

// --- options ---

TEST(PowerSystemTest, RejectsBadOptionsNamingTheField) {
  struct Case {
    PowerOptions options;
    std::string field;
  };
  std::vector<Case> cases(6);
  cases[0].options.battery_capacity_wh = 0;
  cases[0].field = "battery_capacity_wh: expected > 0, got 0";
  cases[1].options.initial_state_of_charge = 1.5;
  cases[1].field = "initial_state_of_charge: expected a fraction in [0, 1]";
  cases[2].options.solar_power_w = -1;
  cases[2].field = "solar_power_w: expected >= 0, got -1";
  cases[3].options.bus_load_w = -2;
  cases[3].field = "bus_load_w";
  cases[4].options.min_state_of_charge = -0.1;
  cases[4].field = "min_state_of_charge";
  cases[5].options.battery_capacity_wh = std::nan("");
  cases[5].field = "battery_capacity_wh";
  for (const Case& c : cases) {
    EXPECT_THAT(PowerSystem::Create(c.options, Ion(), kStart),
                StatusIs(absl::StatusCode::kInvalidArgument, c.field));
  }
}

// --- energy ---

// Defaults: 100 Wh, 60 W array, 20 W bus; ion_scv: 25 W active, 10 W idle.

TEST(PowerSystemTest, FullBatteryWastesTheSurplus) {
  auto s = Make(PowerOptions());
  ASSERT_THAT(s->AdvanceTo(kStart + absl::Hours(1), /*sunlit=*/true), IsOk());
  EXPECT_EQ(s->now(), kStart + absl::Hours(1));
  EXPECT_DOUBLE_EQ(s->charge_wh(), 100);
  EXPECT_NEAR(s->ledger().harvested_wh, 60, kTol);
  EXPECT_NEAR(s->ledger().bus_wh, 30, kTol);  // bus + idle computer
  EXPECT_NEAR(s->ledger().wasted_wh, 30, kTol);
  EXPECT_EQ(s->ledger().sunlit_time, absl::Hours(1));
  ExpectBalanced(*s);
}

TEST(PowerSystemTest, EclipseDrainsAtTheLoad) {
  auto s = Make(PowerOptions());
  ASSERT_THAT(s->AdvanceTo(kStart + absl::Minutes(30), /*sunlit=*/false),
              IsOk());
  EXPECT_NEAR(s->charge_wh(), 100 - 30 * 0.5, kTol);
  EXPECT_EQ(s->ledger().harvested_wh, 0);
  EXPECT_EQ(s->ledger().sunlit_time, absl::ZeroDuration());
  ExpectBalanced(*s);
}

TEST(PowerSystemTest, ChargesUntilFullThenWastes) {
  PowerOptions o;
  o.initial_state_of_charge = 0.5;
  auto s = Make(o);
  // +30 W net: 50 Wh of room fills in 100 min; 20 more minutes waste 10 Wh.
  ASSERT_THAT(s->AdvanceTo(kStart + absl::Minutes(120), true), IsOk());
  EXPECT_DOUBLE_EQ(s->charge_wh(), 100);
  EXPECT_NEAR(s->ledger().wasted_wh, 10, kTol);
  EXPECT_NEAR(s->ledger().harvested_wh, 120, kTol);
  ExpectBalanced(*s);
}

TEST(PowerSystemTest, EmptyBatteryStopsAtZeroAndCountsTheShortfall) {
  PowerOptions o;
  o.battery_capacity_wh = 10;
  o.initial_state_of_charge = 0.5;  // 5 Wh at 30 W: empty after 10 min
  auto s = Make(o);
  ASSERT_THAT(s->AdvanceTo(kStart + absl::Minutes(40), false), IsOk());
  EXPECT_EQ(s->charge_wh(), 0);
  EXPECT_NEAR(s->ledger().bus_wh, 5, kTol);
  EXPECT_NEAR(s->ledger().unserved_wh, 15, kTol);
  EXPECT_LE(absl::AbsDuration(s->ledger().brownout_time - absl::Minutes(30)),
            absl::Microseconds(1));
  ExpectBalanced(*s);
  // Sunlight recharges from empty.
  ASSERT_THAT(s->AdvanceTo(kStart + absl::Minutes(50), true), IsOk());
  EXPECT_NEAR(s->charge_wh(), 5, kTol);
  ExpectBalanced(*s);
}

TEST(PowerSystemTest, ArrayShortOfTheLoadStillFeedsItWhenEmpty) {
  PowerOptions o;
  o.battery_capacity_wh = 10;
  o.initial_state_of_charge = 0;
  o.solar_power_w = 12;  // 30 W demanded, 12 W delivered
  auto s = Make(o);
  ASSERT_THAT(s->AdvanceTo(kStart + absl::Hours(1), true), IsOk());
  EXPECT_EQ(s->charge_wh(), 0);
  EXPECT_NEAR(s->ledger().bus_wh, 12, kTol);
  EXPECT_NEAR(s->ledger().unserved_wh, 18, kTol);
  EXPECT_EQ(s->ledger().brownout_time, absl::Hours(1));
  ExpectBalanced(*s);
}

TEST(PowerSystemTest, TrainingDrawsTheActivePowerInsteadOfIdle) {
  auto s = Make(PowerOptions());
  ASSERT_THAT(s->AdvanceTo(kStart + absl::Hours(1), false,
                           ComputeLoad::kTraining),
              IsOk());
  EXPECT_NEAR(s->charge_wh(), 100 - (20 + 25), kTol);
  EXPECT_NEAR(s->ledger().bus_wh, 20, kTol);
  EXPECT_NEAR(s->ledger().training_wh, 25, kTol);
  EXPECT_EQ(s->ledger().training_time, absl::Hours(1));
  ExpectBalanced(*s);
}

TEST(PowerSystemTest, EclipsesSplitTheSpan) {
  PowerOptions o;
  o.initial_state_of_charge = 0.5;
  auto piecewise = Make(o);
  const std::vector<Eclipse> eclipses = {
      {kStart - absl::Hours(2), kStart - absl::Hours(1)},  // already over
      {kStart + absl::Minutes(30), kStart + absl::Minutes(65)},
      {kStart + absl::Minutes(120), kStart + absl::Minutes(150)},  // later
  };
  ASSERT_THAT(piecewise->AdvanceTo(kStart + absl::Minutes(90), eclipses),
              IsOk());
  // 30 min at +30 W, 35 min at -30 W, 25 min at +30 W.
  EXPECT_NEAR(piecewise->charge_wh(), 50 + 15 - 17.5 + 12.5, kTol);
  EXPECT_EQ(piecewise->ledger().sunlit_time, absl::Minutes(55));
  ExpectBalanced(*piecewise);

  auto by_hand = Make(o);
  ASSERT_THAT(by_hand->AdvanceTo(kStart + absl::Minutes(30), true), IsOk());
  ASSERT_THAT(by_hand->AdvanceTo(kStart + absl::Minutes(65), false), IsOk());
  ASSERT_THAT(by_hand->AdvanceTo(kStart + absl::Minutes(90), true), IsOk());
  EXPECT_NEAR(by_hand->charge_wh(), piecewise->charge_wh(), kTol);
}

TEST(PowerSystemTest, BookkeepingBalancesOverARandomMission) {
  PowerOptions o;
  o.battery_capacity_wh = 40;
  o.initial_state_of_charge = 0.6;
  auto s = Make(o);
  std::mt19937_64 gen(7);
  std::uniform_int_distribution<int> seconds(0, 3600);
  std::bernoulli_distribution coin(0.5);
  bool hit_full = false, hit_empty = false;
  for (int i = 0; i < 2000; ++i) {
    const absl::Time until = s->now() + absl::Seconds(seconds(gen));
    const ComputeLoad load =
        coin(gen) ? ComputeLoad::kTraining : ComputeLoad::kIdle;
    if (coin(gen)) {
      ASSERT_THAT(s->AdvanceTo(until, coin(gen), load), IsOk());
    } else {
      const absl::Time mid = s->now() + (until - s->now()) / 3;
      const Eclipse e{mid, mid + absl::Minutes(35)};
      ASSERT_THAT(s->AdvanceTo(until, absl::MakeConstSpan(&e, 1), load),
                  IsOk());
    }
    ASSERT_GE(s->charge_wh(), 0);
    ASSERT_LE(s->charge_wh(), o.battery_capacity_wh);
    hit_full |= s->charge_wh() == o.battery_capacity_wh;
    hit_empty |= s->charge_wh() == 0;
    ExpectBalanced(*s);
  }
  // The walk exercised both clamps.
  EXPECT_TRUE(hit_full);
  EXPECT_TRUE(hit_empty);
  EXPECT_GT(s->ledger().wasted_wh, 0);
  EXPECT_GT(s->ledger().unserved_wh, 0);
  EXPECT_GT(s->ledger().training_time, absl::ZeroDuration());
}

// --- training decisions ---

TEST(PowerSystemTest, CannotTrainBelowTheMinimumStateOfCharge) {
  PowerOptions o;
  o.initial_state_of_charge = 0.29;
  auto s = Make(o);
  EXPECT_THAT(s->CheckCanTrain(absl::Seconds(1), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "state of charge 29.0% is below the 30.0% minimum"));
  EXPECT_FALSE(s->CanTrain(absl::Seconds(1), {}));
  // Training refused: neither the clock nor the charge moves.
  EXPECT_THAT(s->Train(absl::Seconds(1), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "29.0%"));
  EXPECT_EQ(s->now(), kStart);
  EXPECT_DOUBLE_EQ(s->charge_wh(), 29);
}

TEST(PowerSystemTest, AStepMayNotDigIntoTheReserve) {
  PowerOptions o;
  o.initial_state_of_charge = 0.4;  // 40 Wh; 10 Wh above the reserve
  auto s = Make(o);
  const absl::Duration step = absl::Minutes(20);  // 15 Wh at 45 W
  const Eclipse shadow{kStart, kStart + step};
  EXPECT_THAT(s->CheckCanTrain(step, absl::MakeConstSpan(&shadow, 1)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "20m training step would take the battery down to "
                       "25.00 Wh, below the 30.00 Wh reserve"));
  // 10 min in shadow (7.5 Wh) fits.
  EXPECT_TRUE(s->CanTrain(absl::Minutes(10), absl::MakeConstSpan(&shadow, 1)));
  // In sunlight the array (60 W) covers the 45 W draw.
  EXPECT_TRUE(s->CanTrain(step, {}));
  // Shadow from minute 6: +1.5 Wh, then -10.5 Wh: lowest 31 Wh. From
  // minute 4: +1 Wh, then -12 Wh: 29 Wh, too low.
  const Eclipse late{kStart + absl::Minutes(6), kStart + absl::Hours(1)};
  EXPECT_THAT(s->CheckCanTrain(step, absl::MakeConstSpan(&late, 1)), IsOk());
  const Eclipse earlier{kStart + absl::Minutes(4), kStart + absl::Hours(1)};
  EXPECT_THAT(s->CheckCanTrain(step, absl::MakeConstSpan(&earlier, 1)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "29.00 Wh"));

  ASSERT_THAT(s->Train(step, {}), IsOk());
  EXPECT_EQ(s->now(), kStart + step);
  EXPECT_NEAR(s->charge_wh(), 40 + 15 * 20.0 / 60, kTol);
  EXPECT_NEAR(s->ledger().training_wh, 25 * 20.0 / 60, kTol);
  ExpectBalanced(*s);
}

TEST(PowerSystemTest, AStepMayEndExactlyAtTheReserve) {
  PowerOptions o;
  o.initial_state_of_charge = 0.4;
  // 20 W bus + 20 W training: 10 Wh in 15 min, from 40 Wh to 30 Wh.
  auto s = Make(o, ComputeProfile{"p", 1e9, 20, 5});
  const Eclipse shadow{kStart, kStart + absl::Hours(1)};
  EXPECT_THAT(s->CheckCanTrain(absl::Minutes(15),
                               absl::MakeConstSpan(&shadow, 1)),
              IsOk());
  EXPECT_FALSE(
      s->CanTrain(absl::Minutes(16), absl::MakeConstSpan(&shadow, 1)));
  ASSERT_THAT(s->Train(absl::Minutes(15), absl::MakeConstSpan(&shadow, 1)),
              IsOk());
  EXPECT_DOUBLE_EQ(s->charge_wh(), 30);
  // At the minimum now, so no further step, however short.
  EXPECT_THAT(s->CheckCanTrain(absl::Seconds(1),
                               absl::MakeConstSpan(&shadow, 1)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "reserve"));
}

TEST(PowerSystemTest, WithoutAReserveAStepMustStillBePaidFor) {
  PowerOptions o;
  o.min_state_of_charge = 0;
  o.battery_capacity_wh = 10;
  auto s = Make(o);
  const Eclipse shadow{kStart, kStart + absl::Hours(1)};
  // 45 W for 20 min is 15 Wh; the battery holds 10.
  EXPECT_THAT(s->CheckCanTrain(absl::Minutes(20),
                               absl::MakeConstSpan(&shadow, 1)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "down to 0.00 Wh"));
  EXPECT_TRUE(s->CanTrain(absl::Minutes(13), absl::MakeConstSpan(&shadow, 1)));
}

TEST(PowerSystemTest, RejectsTimeTravelAndBadEclipses) {
  auto s = Make(PowerOptions());
  EXPECT_THAT(s->AdvanceTo(kStart - absl::Seconds(1), true),
              StatusIs(absl::StatusCode::kInvalidArgument, "cannot go back"));
  const std::vector<Eclipse> backwards = {
      {kStart + absl::Hours(2), kStart + absl::Hours(1)}};
  EXPECT_THAT(s->AdvanceTo(kStart + absl::Hours(3), backwards),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "eclipses[0]: end"));
  const std::vector<Eclipse> overlapping = {
      {kStart, kStart + absl::Hours(1)},
      {kStart + absl::Minutes(30), kStart + absl::Hours(2)}};
  EXPECT_THAT(s->AdvanceTo(kStart + absl::Hours(3), overlapping),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "before eclipses[0] ends"));
  EXPECT_THAT(s->CheckCanTrain(absl::Seconds(-1), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "training step"));
  // Nothing moved.
  EXPECT_EQ(s->now(), kStart);
  EXPECT_EQ(s->ledger().harvested_wh, 0);
}

}  // namespace
}  // namespace orbitfl::node
