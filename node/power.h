#ifndef ORBITFL_NODE_POWER_H_
#define ORBITFL_NODE_POWER_H_

// A satellite's on-board compute and energy budget: how long a training
// step takes on the flight computer, and whether the battery can pay for
// it. Sunlight comes from the caller (orbit/sun's eclipse intervals, or a
// plain flag), so this file needs no orbit code.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace orbitfl::node {

// A flight computer's sustained fp32 training throughput and power draw.
struct ComputeProfile {
  std::string name;
  double training_flops_per_s = 0;  // sustained FLOP/s, > 0
  double active_power_w = 0;        // whole board while training
  double idle_power_w = 0;          // whole board powered but idle
};

// The built-in profiles ("ion_scv", "embedded_gpu", "mcu"); power.cc gives
// the basis of every number.
const std::vector<ComputeProfile>& ComputeProfiles();
// A built-in profile by name; NotFound listing the valid names otherwise.
absl::StatusOr<ComputeProfile> FindComputeProfile(absl::string_view name);
// InvalidArgument naming the field when a (user-made) profile is unusable.
absl::Status ValidateComputeProfile(const ComputeProfile& profile);

// On-board time of `flops` floating-point operations at the profile's
// sustained rate; zero for flops <= 0.
absl::Duration TrainingDuration(double flops, const ComputeProfile& profile);

struct PowerOptions {
  // Usable battery energy, Wh (> 0). Default 100.
  double battery_capacity_wh = 100;
  // Charge at the start, as a fraction of capacity in [0, 1]. Default 1.
  double initial_state_of_charge = 1.0;
  // Array output in sunlight, W (>= 0), averaged over attitude and
  // incidence; 0 in eclipse. Default 60.
  double solar_power_w = 60;
  // Everything but the payload computer (avionics, attitude control,
  // receivers, heaters), W (>= 0), always on. Default 20.
  double bus_load_w = 20;
  // Training may not start below this state of charge, nor take the
  // battery below it, in [0, 1]. Default 0.3.
  double min_state_of_charge = 0.3;
};

// A span of Earth shadow, [start, end). Sunlit outside every eclipse.
struct Eclipse {
  absl::Time start;
  absl::Time end;
};

enum class ComputeLoad { kIdle, kTraining };

// Where the energy went since the start. Delivered energy only: with the
// battery empty and the array short, the load not met is `unserved_wh`.
// harvested - bus - training - wasted == charge - initial charge.
struct EnergyLedger {
  double harvested_wh = 0;  // array output in sunlight
  double bus_wh = 0;        // bus load, plus the computer while idle
  double training_wh = 0;   // the computer while training
  double wasted_wh = 0;     // array output with the battery full
  double unserved_wh = 0;   // load not met with the battery empty
  absl::Duration training_time = absl::ZeroDuration();
  absl::Duration sunlit_time = absl::ZeroDuration();
  absl::Duration brownout_time = absl::ZeroDuration();  // battery empty
};

// The battery, the array and the loads, advanced along the virtual clock.
// Within a span of constant sunlight and load the charge changes linearly
// and is clamped to [0, capacity], so advancing is exact, whatever the
// length of the span.
class PowerSystem {
 public:
  static absl::StatusOr<std::unique_ptr<PowerSystem>> Create(
      const PowerOptions& options, const ComputeProfile& profile,
      absl::Time start);

  absl::Time now() const { return now_; }
  double charge_wh() const { return charge_wh_; }
  double state_of_charge() const {
    return charge_wh_ / options_.battery_capacity_wh;
  }
  double initial_charge_wh() const { return initial_charge_wh_; }
  const EnergyLedger& ledger() const { return ledger_; }
  const PowerOptions& options() const { return options_; }
  const ComputeProfile& profile() const { return profile_; }

  // Advances the clock to `until` (>= now) with the array sunlit or not and
  // the computer idle or training throughout.
  absl::Status AdvanceTo(absl::Time until, bool sunlit,
                         ComputeLoad load = ComputeLoad::kIdle);
  // Advances to `until`, in shadow during `eclipses` (sorted, not
  // overlapping; those outside [now, until) are ignored), sunlit between.
  absl::Status AdvanceTo(absl::Time until, absl::Span<const Eclipse> eclipses,
                         ComputeLoad load = ComputeLoad::kIdle);

  // OK when a training step of `step` starting now may run: the state of
  // charge is at least min_state_of_charge, and the charge stays at or
  // above that reserve through the step under `eclipses` (pass one eclipse
  // covering the step to plan without a sunlight forecast). Otherwise
  // FailedPrecondition saying which, in percent and Wh.
  absl::Status CheckCanTrain(absl::Duration step,
                             absl::Span<const Eclipse> eclipses) const;
  bool CanTrain(absl::Duration step, absl::Span<const Eclipse> eclipses) const {
    return CheckCanTrain(step, eclipses).ok();
  }
  // CheckCanTrain, then advances through the step with the computer
  // training. The charge is unchanged when it may not train.
  absl::Status Train(absl::Duration step, absl::Span<const Eclipse> eclipses);

 private:
  PowerSystem(const PowerOptions& options, const ComputeProfile& profile,
              absl::Time start);

  // Splits [now_, until) at eclipse edges, calling piece(duration, sunlit)
  // in order.
  template <typename Piece>
  absl::Status ForEachPiece(absl::Time until,
                            absl::Span<const Eclipse> eclipses,
                            Piece&& piece) const;
  // One span of constant sunlight and load; `ledger` may be null.
  void Integrate(absl::Duration dt, bool sunlit, ComputeLoad load,
                 double& charge_wh, EnergyLedger* ledger) const;

  PowerOptions options_;
  ComputeProfile profile_;
  absl::Time now_;
  double initial_charge_wh_;
  double charge_wh_;
  EnergyLedger ledger_;
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_POWER_H_
