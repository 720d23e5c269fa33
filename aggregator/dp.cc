#include "aggregator/dp.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "proto/tensor_util.h"

namespace orbitfl::aggregator {
namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;  // SplitMix64's increment

// The Rényi orders of the accountant (see dp.h).
const std::vector<double>& Orders() {
  static const std::vector<double>* orders = [] {
    auto* a = new std::vector<double>;
    for (int x = 1; x <= 100; ++x) a->push_back(1 + x / 100.0);
    for (int x = 1; x <= 160; ++x) a->push_back(2 + x / 20.0);
    for (int x = 11; x <= 64; ++x) a->push_back(x);
    for (int x : {80, 96, 128, 160, 192, 256, 512, 1024}) a->push_back(x);
    return a;
  }();
  return *orders;
}

// 64-bit FNV-1a.
constexpr uint64_t kFnvOffset = 0xCBF29CE484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001B3ULL;

uint64_t FnvBytes(uint64_t h, const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= kFnvPrime;
  }
  return h;
}

uint64_t FnvWord(uint64_t h, uint64_t word) {
  for (int i = 0; i < 8; ++i) {
    h ^= (word >> (8 * i)) & 0xFF;  // little-endian, whatever the host
    h *= kFnvPrime;
  }
  return h;
}

}  // namespace

double GaussianEpsilon(int64_t releases, double noise_multiplier,
                       double delta) {
  if (!(delta > 0 && delta < 1)) return std::numeric_limits<double>::quiet_NaN();
  if (releases <= 0) return 0;
  if (!(noise_multiplier > 0)) return std::numeric_limits<double>::infinity();
  const double rdp_per_order =
      static_cast<double>(releases) / (2 * noise_multiplier * noise_multiplier);
  const double log_inv_delta = std::log(1 / delta);
  double best = std::numeric_limits<double>::infinity();
  for (double alpha : Orders()) {
    best = std::min(best, rdp_per_order * alpha + log_inv_delta / (alpha - 1));
  }
  return best;
}

uint64_t GaussianStream::Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

GaussianStream::GaussianStream(uint64_t seed, const std::string& satellite,
                               int64_t base_version, int64_t n) {
  uint64_t h = FnvWord(kFnvOffset, seed);
  h = FnvBytes(h, satellite.data(), satellite.size());
  h = FnvWord(h, static_cast<uint64_t>(base_version));
  h = FnvWord(h, static_cast<uint64_t>(n));
  state_ = Mix(h);
}

uint64_t GaussianStream::NextWord() {
  state_ += kGolden;
  return Mix(state_);
}

double GaussianStream::Next() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  constexpr double kTwoPow53 = 9007199254740992.0;
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const double u1 = static_cast<double>((NextWord() >> 11) + 1) / kTwoPow53;
  const double u2 = static_cast<double>(NextWord() >> 11) / kTwoPow53;
  const double r = std::sqrt(-2 * std::log(u1));
  spare_ = r * std::sin(kTwoPi * u2);
  has_spare_ = true;
  return r * std::cos(kTwoPi * u2);
}

absl::StatusOr<std::unique_ptr<DpStrategy>> DpStrategy::Create(
    const DpOptions& options, std::unique_ptr<Strategy> inner) {
  if (inner == nullptr) {
    return absl::InvalidArgumentError("differential privacy: no strategy");
  }
  if (!(options.clip_norm > 0 && std::isfinite(options.clip_norm))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.dp.clip_norm: expected > 0, got ", options.clip_norm));
  }
  if (!(options.noise_multiplier >= 0 &&
        std::isfinite(options.noise_multiplier))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.dp.noise_multiplier: expected >= 0 (0: clipping only), "
        "got ",
        options.noise_multiplier));
  }
  if (!(options.delta > 0 && options.delta < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "federation.dp.delta: expected in (0, 1), got ", options.delta));
  }
  return std::unique_ptr<DpStrategy>(
      new DpStrategy(options, std::move(inner)));
}

void DpStrategy::SaveState(proto::StrategyState* state) const {
  for (const auto& [key, count] : offered_) {
    proto::StrategyState::Count* o = state->add_offered();
    o->set_satellite(key.first);
    o->set_base_version(key.second);
    o->set_count(count);
  }
  for (const auto& [satellite, n] : releases_) {
    proto::StrategyState::Count* r = state->add_releases();
    r->set_satellite(satellite);
    r->set_count(n);
  }
  inner_->SaveState(state->mutable_inner());
}

absl::Status DpStrategy::RestoreState(const proto::StrategyState& state) {
  offered_.clear();
  for (const proto::StrategyState::Count& o : state.offered()) {
    offered_[{o.satellite(), o.base_version()}] = o.count();
  }
  releases_.clear();
  for (const proto::StrategyState::Count& r : state.releases()) {
    releases_[r.satellite()] = r.count();
  }
  return inner_->RestoreState(state.inner());
}

void DpStrategy::Start(const proto::Model& initial, absl::Time start) {
  offered_.clear();
  releases_.clear();
  inner_->Start(initial, start);
}

proto::ModelDelta DpStrategy::Privatize(const proto::ModelDelta& delta,
                                        int64_t n) const {
  double sum_sq = 0;
  for (const proto::Tensor& t : delta.tensors()) {
    for (float v : proto::ToFloats(t)) sum_sq += static_cast<double>(v) * v;
  }
  const double norm = std::sqrt(sum_sq);
  const double scale =
      norm > options_.clip_norm ? options_.clip_norm / norm : 1.0;
  const double sigma = options_.noise_multiplier * options_.clip_norm;
  GaussianStream noise(options_.seed, delta.satellite(), delta.base_version(),
                       n);
  proto::ModelDelta out = delta;
  for (proto::Tensor& t : *out.mutable_tensors()) {
    std::vector<float> values = proto::ToFloats(t);
    for (float& v : values) {
      double x = scale * v;
      if (sigma > 0) x += sigma * noise.Next();
      v = static_cast<float>(x);
    }
    proto::SetFloats(values, &t);
  }
  return out;
}

Decision DpStrategy::Offer(const proto::ModelDelta& delta, absl::Time now) {
  const int64_t n = offered_[{delta.satellite(), delta.base_version()}]++;
  Decision d = inner_->Offer(Privatize(delta, n), now);
  if (d.accepted) ++releases_[delta.satellite()];
  return d;
}

int64_t DpStrategy::releases(const std::string& satellite) const {
  auto it = releases_.find(satellite);
  return it == releases_.end() ? 0 : it->second;
}

double DpStrategy::dp_epsilon() const {
  int64_t most = 0;
  for (const auto& [satellite, k] : releases_) most = std::max(most, k);
  // ε grows with k: the satellite with the most releases has the largest.
  return GaussianEpsilon(most, options_.noise_multiplier, options_.delta);
}

}  // namespace orbitfl::aggregator
