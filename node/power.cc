#include "node/power.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {

const std::vector<ComputeProfile>& ComputeProfiles() {
  static const auto* profiles = new std::vector<ComputeProfile>{
      // The flight computer of D-Orbit's ION carrier that trained the first
      // model in orbit in 2023: a Unibap iX10-100 class board, a quad-core
      // x86-64 embedded CPU (1-2 GHz) with 2 GB RAM, plus an Intel Movidius
      // Myriad X. The Myriad X (about 1 W, 1 TOPS) runs inference only, so
      // training runs on the CPU. Four such cores peak near 50 GFLOP/s
      // fp32 (4 cores x 1.5 GHz x 8 FLOP/cycle with 128-bit SIMD, more
      // with 256-bit FMA units); small-batch LibTorch training of a small
      // CNN sustains a tenth of peak or less on such CPUs (memory bound,
      // little data reuse), hence 5 GFLOP/s. A board of this class draws
      // tens of watts: 25 W with all cores busy, 10 W idle.
      {"ion_scv", 5e9, 25.0, 10.0},
      // NVIDIA Jetson Orin Nano / Xavier NX class module, as flown on
      // small-satellite AI payloads. Orin Nano 8 GB: 1024 CUDA cores at
      // 625 MHz, 1.28 TFLOP/s fp32 peak; Xavier NX: 384 cores at 1.1 GHz,
      // 0.85 TFLOP/s. Training a small CNN at small batch sizes sustains
      // about 20% of peak: 250 GFLOP/s. Power: the modules' 15 W mode while
      // training, about 5 W idle.
      {"embedded_gpu", 250e9, 15.0, 5.0},
      // An Arm Cortex-M7 microcontroller (STM32H7 class, 480 MHz, single
      // precision FPU with fused multiply-add: about 1 GFLOP/s peak).
      // Hand-written or CMSIS-NN style training loops, bound by memory and
      // loop overhead, sustain about 10% of that: 100 MFLOP/s. Such a part
      // draws about 0.5 W at full clock (~150 mA at 3.3 V), 0.1 W idle.
      {"mcu", 100e6, 0.5, 0.1},
  };
  return *profiles;
}

absl::StatusOr<ComputeProfile> FindComputeProfile(absl::string_view name) {
  std::vector<std::string> names;
  for (const ComputeProfile& p : ComputeProfiles()) {
    if (p.name == name) return p;
    names.push_back(absl::StrCat("\"", p.name, "\""));
  }
  return absl::NotFoundError(absl::StrCat("unknown compute profile \"", name,
                                          "\", expected one of ",
                                          absl::StrJoin(names, ", ")));
}

absl::Status ValidateComputeProfile(const ComputeProfile& profile) {
  if (!(profile.training_flops_per_s > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("compute profile \"", profile.name,
                     "\": training_flops_per_s: expected > 0, got ",
                     profile.training_flops_per_s));
  }
  if (!(profile.active_power_w >= 0) || !(profile.idle_power_w >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compute profile \"", profile.name,
        "\": active_power_w and idle_power_w: expected >= 0, got ",
        profile.active_power_w, " and ", profile.idle_power_w));
  }
  return absl::OkStatus();
}

absl::Duration TrainingDuration(double flops, const ComputeProfile& profile) {
  if (!(flops > 0)) return absl::ZeroDuration();
  return absl::Seconds(flops / profile.training_flops_per_s);
}

namespace {

absl::Status ValidatePowerOptions(const PowerOptions& o) {
  auto fail = [](absl::string_view field, absl::string_view expected,
                 double got) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": expected ", expected, ", got ", got));
  };
  if (!(o.battery_capacity_wh > 0)) {
    return fail("battery_capacity_wh", "> 0", o.battery_capacity_wh);
  }
  if (!(o.initial_state_of_charge >= 0 && o.initial_state_of_charge <= 1)) {
    return fail("initial_state_of_charge", "a fraction in [0, 1]",
                o.initial_state_of_charge);
  }
  if (!(o.solar_power_w >= 0)) {
    return fail("solar_power_w", ">= 0", o.solar_power_w);
  }
  if (!(o.bus_load_w >= 0)) return fail("bus_load_w", ">= 0", o.bus_load_w);
  if (!(o.min_state_of_charge >= 0 && o.min_state_of_charge <= 1)) {
    return fail("min_state_of_charge", "a fraction in [0, 1]",
                o.min_state_of_charge);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PowerSystem>> PowerSystem::Create(
    const PowerOptions& options, const ComputeProfile& profile,
    absl::Time start) {
  ORBITFL_RETURN_IF_ERROR(ValidatePowerOptions(options));
  ORBITFL_RETURN_IF_ERROR(ValidateComputeProfile(profile));
  return std::unique_ptr<PowerSystem>(new PowerSystem(options, profile, start));
}

PowerSystem::PowerSystem(const PowerOptions& options,
                         const ComputeProfile& profile, absl::Time start)
    : options_(options),
      profile_(profile),
      now_(start),
      initial_charge_wh_(options.initial_state_of_charge *
                         options.battery_capacity_wh),
      charge_wh_(initial_charge_wh_) {}

template <typename Piece>
absl::Status PowerSystem::ForEachPiece(absl::Time until,
                                       absl::Span<const Eclipse> eclipses,
                                       Piece&& piece) const {
  if (until < now_) {
    return absl::InvalidArgumentError(
        absl::StrCat("power: cannot go back from ", absl::FormatTime(now_),
                     " to ", absl::FormatTime(until)));
  }
  for (size_t i = 0; i < eclipses.size(); ++i) {
    if (eclipses[i].end < eclipses[i].start) {
      return absl::InvalidArgumentError(
          absl::StrCat("eclipses[", i, "]: end ",
                       absl::FormatTime(eclipses[i].end), " before start ",
                       absl::FormatTime(eclipses[i].start)));
    }
    if (i > 0 && eclipses[i].start < eclipses[i - 1].end) {
      return absl::InvalidArgumentError(absl::StrCat(
          "eclipses[", i, "]: starts at ", absl::FormatTime(eclipses[i].start),
          ", before eclipses[", i - 1, "] ends; expected sorted, "
          "non-overlapping eclipses"));
    }
  }
  absl::Time t = now_;
  for (const Eclipse& e : eclipses) {
    if (e.end <= t) continue;
    if (e.start >= until) break;
    if (e.start > t) {
      piece(e.start - t, /*sunlit=*/true);
      t = e.start;
    }
    const absl::Time end = std::min(e.end, until);
    piece(end - t, /*sunlit=*/false);
    t = end;
  }
  if (t < until) piece(until - t, /*sunlit=*/true);
  return absl::OkStatus();
}

void PowerSystem::Integrate(absl::Duration dt, bool sunlit, ComputeLoad load,
                            double& charge_wh, EnergyLedger* ledger) const {
  const bool training = load == ComputeLoad::kTraining;
  const double hours = absl::ToDoubleHours(dt);
  const double solar_w = sunlit ? options_.solar_power_w : 0.0;
  // While training, the computer draws its active power instead of idle.
  const double bus_w =
      options_.bus_load_w + (training ? 0.0 : profile_.idle_power_w);
  const double training_w = training ? profile_.active_power_w : 0.0;
  const double load_w = bus_w + training_w;
  const double net_wh = (solar_w - load_w) * hours;
  const double capacity = options_.battery_capacity_wh;

  double delivered_wh = load_w * hours;
  double wasted_wh = 0, unserved_wh = 0;
  absl::Duration brownout = absl::ZeroDuration();
  if (net_wh >= 0) {
    const double room = capacity - charge_wh;
    if (net_wh > room) {
      wasted_wh = net_wh - room;
      charge_wh = capacity;
    } else {
      charge_wh = std::min(capacity, charge_wh + net_wh);
    }
  } else if (-net_wh > charge_wh) {
    // The battery runs empty part-way; from then on the load gets only
    // what the array gives.
    unserved_wh = -net_wh - charge_wh;
    delivered_wh -= unserved_wh;
    brownout = dt * (1.0 - charge_wh / -net_wh);
    charge_wh = 0;
  } else {
    charge_wh = std::max(0.0, charge_wh + net_wh);
  }
  if (ledger == nullptr) return;
  ledger->harvested_wh += solar_w * hours;
  if (load_w > 0) {
    // A shortfall is shared by the loads in proportion to their demand.
    ledger->bus_wh += delivered_wh * (bus_w / load_w);
    ledger->training_wh += delivered_wh * (training_w / load_w);
  }
  ledger->wasted_wh += wasted_wh;
  ledger->unserved_wh += unserved_wh;
  if (training) ledger->training_time += dt;
  if (sunlit) ledger->sunlit_time += dt;
  ledger->brownout_time += brownout;
}

absl::Status PowerSystem::AdvanceTo(absl::Time until, bool sunlit,
                                    ComputeLoad load) {
  if (sunlit) return AdvanceTo(until, absl::Span<const Eclipse>(), load);
  const Eclipse all{now_, until};
  return AdvanceTo(until, absl::MakeConstSpan(&all, 1), load);
}

absl::Status PowerSystem::AdvanceTo(absl::Time until,
                                    absl::Span<const Eclipse> eclipses,
                                    ComputeLoad load) {
  ORBITFL_RETURN_IF_ERROR(
      ForEachPiece(until, eclipses, [&](absl::Duration dt, bool sunlit) {
        Integrate(dt, sunlit, load, charge_wh_, &ledger_);
      }));
  now_ = until;
  return absl::OkStatus();
}

absl::Status PowerSystem::CheckCanTrain(
    absl::Duration step, absl::Span<const Eclipse> eclipses) const {
  if (step < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training step: expected >= 0, got ", absl::FormatDuration(step)));
  }
  const double reserve_wh =
      options_.min_state_of_charge * options_.battery_capacity_wh;
  if (charge_wh_ < reserve_wh) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "state of charge %.1f%% is below the %.1f%% minimum for training",
        100 * state_of_charge(), 100 * options_.min_state_of_charge));
  }
  double charge_wh = charge_wh_;
  double lowest_wh = charge_wh;
  EnergyLedger trial;
  // The charge is monotonic within a piece: its lowest point is at an end.
  ORBITFL_RETURN_IF_ERROR(ForEachPiece(
      now_ + step, eclipses, [&](absl::Duration dt, bool sunlit) {
        Integrate(dt, sunlit, ComputeLoad::kTraining, charge_wh, &trial);
        lowest_wh = std::min(lowest_wh, charge_wh);
      }));
  if (lowest_wh < reserve_wh || trial.unserved_wh > 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "a %s training step would take the battery down to %.2f Wh, below "
        "the %.2f Wh reserve (%.1f%% of %.2f Wh)",
        absl::FormatDuration(step), lowest_wh, reserve_wh,
        100 * options_.min_state_of_charge, options_.battery_capacity_wh));
  }
  return absl::OkStatus();
}

absl::Status PowerSystem::Train(absl::Duration step,
                                absl::Span<const Eclipse> eclipses) {
  ORBITFL_RETURN_IF_ERROR(CheckCanTrain(step, eclipses));
  return AdvanceTo(now_ + step, eclipses, ComputeLoad::kTraining);
}

}  // namespace orbitfl::node
