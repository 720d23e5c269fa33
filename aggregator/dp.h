#ifndef ORBITFL_AGGREGATOR_DP_H_
#define ORBITFL_AGGREGATOR_DP_H_

// Differential privacy for any strategy (the Gaussian mechanism of DP-FedAvg,
// McMahan et al. 2018, at the aggregator): DpStrategy wraps a Strategy and
// privatises every update offered to it before passing it on:
//   1. clip: Δ *= min(1, C / ||Δ||), ||.|| the L2 norm over all tensors
//      together (C = clip_norm);
//   2. noise: every coordinate gets N(0, (z C)²) (z = noise_multiplier).
//
// Accounting. Each update the inner strategy accepts is one release of a
// Gaussian mechanism with L2 sensitivity C on its satellite's data
// (user-level; no amplification by subsampling is claimed, which is
// conservative). After k releases a satellite has Rényi DP
// eps_RDP(α) = k α / (2 z²) (Mironov 2017, composition of k Gaussian
// mechanisms), converted to (ε, δ)-DP by
//   ε(δ) = min over α of eps_RDP(α) + log(1/δ) / (α − 1)
// on the fixed grid α ∈ {1.01, 1.02, .., 2} ∪ {2.05, 2.10, .., 10} ∪
// {11, 12, .., 64} ∪ {80, 96, 128, 160, 192, 256, 512, 1024}.
// dp_epsilon() is the largest ε over satellites (0 before any release).
// With z = 0 (clipping only) there is no guarantee: ε is +infinity.
//
// Noise is deterministic. The deviates for one update come from a
// counter-based stream keyed by (seed, satellite, base_version, n), n the
// number of earlier updates of that satellite on that base (almost always
// 0; it keeps two updates of one base from sharing noise): see
// GaussianStream. The uniform words are the same on every platform; the
// deviates go through std::log, std::sqrt, std::cos and std::sin, so they
// are as portable as the C library's (identical on one platform).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/strategy.h"

namespace orbitfl::aggregator {

struct DpOptions {
  // L2 norm each update is clipped to, over all its tensors; > 0.
  // Default 1.
  double clip_norm = 1.0;
  // Noise standard deviation as a multiple of clip_norm, >= 0 (0: clipping
  // only, epsilon infinite). Default 1.
  double noise_multiplier = 1.0;
  // The δ of the reported (ε, δ) guarantee, in (0, 1). Default 1e-5.
  double delta = 1e-5;
  // The run's seed; the noise of every update derives from it. Default 0.
  uint64_t seed = 0;
};

// ε at `delta` after `releases` Gaussian mechanisms of noise multiplier
// `noise_multiplier` (see the accounting above). 0 for releases <= 0;
// +infinity for noise_multiplier <= 0; NaN for delta outside (0, 1).
double GaussianEpsilon(int64_t releases, double noise_multiplier,
                       double delta);

// Standard normal deviates for one update. key = SplitMix64's finaliser
// applied to the 64-bit FNV-1a hash of the bytes
//   seed (8, little-endian) | satellite | base_version (8, LE) | n (8, LE);
// word i (i = 1, 2, ...) is SplitMix64 (Steele, Lea and Flood 2014) at
// counter state key + i * 0x9E3779B97F4A7C15; each pair of words (a, b)
// gives two deviates by Box-Muller: with u1 = ((a >> 11) + 1) 2^-53 in
// (0, 1] and u2 = (b >> 11) 2^-53, r = sqrt(-2 ln u1), the deviates are
// r cos(2π u2), then r sin(2π u2).
class GaussianStream {
 public:
  GaussianStream(uint64_t seed, const std::string& satellite,
                 int64_t base_version, int64_t n);
  // The next uniform 64-bit word.
  uint64_t NextWord();
  // The next standard normal deviate.
  double Next();

  // SplitMix64's output for counter state `state` (already advanced).
  static uint64_t Mix(uint64_t state);

 private:
  uint64_t state_;
  bool has_spare_ = false;
  double spare_ = 0;
};

class DpStrategy final : public Strategy {
 public:
  // InvalidArgument naming federation.dp.clip_norm,
  // federation.dp.noise_multiplier or federation.dp.delta; or when
  // `inner` is null.
  static absl::StatusOr<std::unique_ptr<DpStrategy>> Create(
      const DpOptions& options, std::unique_ptr<Strategy> inner);

  // The inner strategy's name with "+dp", e.g. "fedavg+dp".
  std::string name() const override { return inner_->name() + "+dp"; }
  void Start(const proto::Model& initial, absl::Time start) override;
  // Clips and noises `delta`, then offers it to the inner strategy; an
  // accepted update counts as a release of its satellite.
  Decision Offer(const proto::ModelDelta& delta, absl::Time now) override;
  absl::StatusOr<bool> Advance(absl::Time now) override {
    return inner_->Advance(now);
  }
  const proto::Model& global() const override { return inner_->global(); }
  int64_t updates_applied() const override {
    return inner_->updates_applied();
  }
  int64_t min_base_version() const override {
    return inner_->min_base_version();
  }
  absl::Time next_deadline() const override { return inner_->next_deadline(); }
  std::vector<AppliedUpdate> TakeApplied() override {
    return inner_->TakeApplied();
  }
  double dp_epsilon() const override;
  void SaveState(proto::StrategyState* state) const override;
  absl::Status RestoreState(const proto::StrategyState& state) override;

  // Releases counted for `satellite`.
  int64_t releases(const std::string& satellite) const;

 private:
  DpStrategy(const DpOptions& options, std::unique_ptr<Strategy> inner)
      : options_(options), inner_(std::move(inner)) {}
  proto::ModelDelta Privatize(const proto::ModelDelta& delta, int64_t n) const;

  DpOptions options_;
  std::unique_ptr<Strategy> inner_;
  // Updates offered per (satellite, base version): the noise stream's n.
  std::map<std::pair<std::string, int64_t>, int64_t> offered_;
  // Accepted updates per satellite.
  std::map<std::string, int64_t> releases_;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_DP_H_
