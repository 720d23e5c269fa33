#include "orbit/sgp4_kernel.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/base/attributes.h"

namespace orbitfl::orbit::sgp4_internal {
namespace {

// Kepler iterations for a block of lanes, in pairs of arrays written
// alternately: a lane that has stopped copies its sin/cos from the input
// arrays, so every store is unconditional (a conditional store in place
// would keep the loop from vectorising).
struct KeplerArrays {
  double* eo1;
  double* sineo1;
  double* coseo1;
  double* running;  // 1.0 while iterating, else 0.0
};

// One Newton step for every lane still iterating; false when none is. The
// step and the bookkeeping are two loops: in one, the compiler threads the
// step's clamp into the selects and no longer vectorises.
template <int N>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool KeplerPass(const double* u,
                                                    const double* axnl,
                                                    const double* aynl,
                                                    const KeplerArrays& in,
                                                    const KeplerArrays& out) {
  double s[N], c[N], step[N];
  for (int j = 0; j < N; ++j) {
    step[j] = KeplerStep(u[j], axnl[j], aynl[j], in.eo1[j], &s[j], &c[j]);
    // A lane that has stopped no longer needs eo1.
    out.eo1[j] = in.eo1[j] + step[j];
  }
  for (int j = 0; j < N; ++j) {
    const double running = in.running[j];
    const double old_sin = in.sineo1[j], old_cos = in.coseo1[j];
    out.sineo1[j] = running != 0.0 ? s[j] : old_sin;
    out.coseo1[j] = running != 0.0 ? c[j] : old_cos;
    out.running[j] = running * (std::fabs(step[j]) >= 1.0e-12 ? 1.0 : 0.0);
  }
  for (int j = 0; j < N; ++j) {
    if (out.running[j] != 0.0) return true;
  }
  return false;
}

// Three passes over the lanes, each a loop GCC vectorises: the secular
// update up to Kepler's equation, Newton's iteration with a mask of lanes
// still iterating, and the short-period terms. The order of operations in
// each lane is that of V2006 sgp4() for a near-Earth satellite.
// `out` is restrict-qualified: it never aliases the coefficients, and the
// last loop vectorises only when the compiler knows that.
template <int N>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void NearEarthBody(
    const NearEarthSet& set, int first, const double* minutes_since_epoch,
    LaneStates<N>* __restrict out) {
  const auto lanes = [&](NearEarthField f) { return set.field(f) + first; };
  const double* mo = lanes(kMo);
  const double* mdot = lanes(kMdot);
  const double* argpo = lanes(kArgpo);
  const double* argpdot = lanes(kArgpdot);
  const double* nodeo = lanes(kNodeo);
  const double* nodedot = lanes(kNodedot);
  const double* nodecf = lanes(kNodecf);
  const double* bstar = lanes(kBstar);
  const double* cc1 = lanes(kCc1);
  const double* cc4 = lanes(kCc4);
  const double* cc5 = lanes(kCc5);
  const double* d2 = lanes(kD2);
  const double* d3 = lanes(kD3);
  const double* d4 = lanes(kD4);
  const double* t2cof = lanes(kT2cof);
  const double* t3cof = lanes(kT3cof);
  const double* t4cof = lanes(kT4cof);
  const double* t5cof = lanes(kT5cof);
  const double* omgcof = lanes(kOmgcof);
  const double* xmcof = lanes(kXmcof);
  const double* eta = lanes(kEta);
  const double* delmo = lanes(kDelmo);
  const double* sinmao = lanes(kSinmao);
  const double* no_unkozai = lanes(kNoUnkozai);
  const double* am_base = lanes(kAmBase);
  const double* ecco = lanes(kEcco);
  const double* xlcof = lanes(kXlcof);
  const double* aycof = lanes(kAycof);

  double am[N], nm[N], nodep[N], axnl[N], aynl[N], u[N];
  double code[N], value[N];
  for (int j = 0; j < N; ++j) {
    const double t = minutes_since_epoch[j];
    // Secular gravity and atmospheric drag.
    const double xmdf = mo[j] + mdot[j] * t;
    const double argpdf = argpo[j] + argpdot[j] * t;
    const double nodedf = nodeo[j] + nodedot[j] * t;
    const double t2 = t * t;
    const double nodem = nodedf + nodecf[j] * t2;
    double tempa = 1.0 - cc1[j] * t;
    double tempe = bstar[j] * cc4[j] * t;
    double templ = t2cof[j] * t2;
    // The full model's terms (all coefficients zero in the simplified one).
    double sin_xmdf, cos_xmdf;
    SinCos(xmdf, &sin_xmdf, &cos_xmdf);
    const double delomg = omgcof[j] * t;
    const double delmtemp = 1.0 + eta[j] * cos_xmdf;
    const double delm = xmcof[j] * (delmtemp * delmtemp * delmtemp - delmo[j]);
    const double temp = delomg + delm;
    double mm = xmdf + temp;
    const double argpm = argpdf - temp;
    const double t3 = t2 * t;
    const double t4 = t3 * t;
    tempa = tempa - d2[j] * t2 - d3[j] * t3 - d4[j] * t4;
    double sin_mm, cos_mm;
    SinCos(mm, &sin_mm, &cos_mm);
    tempe = tempe + bstar[j] * cc5[j] * (sin_mm - sinmao[j]);
    templ = templ + t3cof[j] * t3 + t4 * (t4cof[j] + t * t5cof[j]);

    // (xke / n)^(2/3) is a constant of the satellite here; a^1.5 as
    // a sqrt(a).
    const double a = am_base[j] * tempa * tempa;
    const double n = kXke / (a * std::sqrt(a));
    const double em_raw = ecco[j] - tempe;
    const bool bad_e = em_raw >= 1.0 || em_raw < -0.001;
    const double em = em_raw < 1.0e-6 ? 1.0e-6 : em_raw;
    mm = mm + no_unkozai[j] * templ;
    const double xlm = ModTwoPi(mm + argpm + nodem);
    const double node = ModTwoPi(nodem);
    const double argp = ModTwoPi(argpm);
    mm = ModTwoPi(xlm - argp - node);

    // Long-period periodics (V2006: "long period periodics").
    double sin_argp, cos_argp;
    SinCos(argp, &sin_argp, &cos_argp);
    axnl[j] = em * cos_argp;
    const double temp_p = 1.0 / (a * (1.0 - em * em));
    aynl[j] = em * sin_argp + temp_p * aycof[j];
    const double xl = mm + argp + node + temp_p * xlcof[j] * axnl[j];
    u[j] = ModTwoPi(xl - node);
    am[j] = a;
    nm[j] = n;
    nodep[j] = node;
    code[j] = bad_e ? kMeanEccentricity : kOk;
    value[j] = em_raw;
  }

  // Kepler's equation: each lane stops when its own step drops below 1e-12
  // (or after 10 steps), exactly as SolveKepler does for one satellite.
  double eo1_a[N], sin_a[N], cos_a[N], run_a[N];
  double eo1_b[N], sin_b[N], cos_b[N], run_b[N];
  const KeplerArrays a = {eo1_a, sin_a, cos_a, run_a};
  const KeplerArrays b = {eo1_b, sin_b, cos_b, run_b};
  for (int j = 0; j < N; ++j) {
    eo1_a[j] = u[j];
    sin_a[j] = 0.0;
    cos_a[j] = 1.0;
    run_a[j] = code[j] == kOk ? 1.0 : 0.0;
  }
  const KeplerArrays* solved = &a;
  for (int ktr = 1; ktr <= 10; ktr += 2) {
    solved = &b;
    if (!KeplerPass<N>(u, axnl, aynl, a, b)) break;
    solved = &a;
    if (!KeplerPass<N>(u, axnl, aynl, b, a)) break;
  }
  const double* sineo1 = solved->sineo1;
  const double* coseo1 = solved->coseo1;

  const double* inclo = lanes(kInclo);
  const double* sinio = lanes(kSinio);
  const double* cosio = lanes(kCosio);
  const double* con41 = lanes(kCon41);
  const double* x1mth2 = lanes(kX1mth2);
  const double* x7thm1 = lanes(kX7thm1);
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (int j = 0; j < N; ++j) {
    const ShortPeriodInput in = {
        am[j],    nm[j],    axnl[j],  aynl[j],  sineo1[j], coseo1[j], nodep[j],
        inclo[j], sinio[j], cosio[j], con41[j], x1mth2[j], x7thm1[j]};
    const LaneState s = ShortPeriodic(in);
    // An error of the first pass (code 1) takes precedence; code[j] is 0
    // or 1, so the arithmetic below is exact and leaves no branch for the
    // compiler to thread stores through.
    const double error = code[j] + (1.0 - code[j]) * s.error_code;
    const double nan_if_failed = error != kOk ? kNaN : 0.0;
    out->error_code[j] = error;
    const double first_value = value[j];
    out->error_value[j] = code[j] != kOk ? first_value : s.error_value;
    out->x_km[j] = s.r_km[0] + nan_if_failed;
    out->y_km[j] = s.r_km[1] + nan_if_failed;
    out->z_km[j] = s.r_km[2] + nan_if_failed;
    out->vx_km_s[j] = s.v_km_s[0] + nan_if_failed;
    out->vy_km_s[j] = s.v_km_s[1] + nan_if_failed;
    out->vz_km_s[j] = s.v_km_s[2] + nan_if_failed;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define ORBITFL_SGP4_AVX2 1
// The same loops compiled for AVX2, four doubles per vector instead of two.
// AVX2 without FMA rounds every operation as the SSE2 code does, so the
// results are identical; only the width changes.
__attribute__((target("avx2"))) void NearEarthBlockAvx2(
    const NearEarthSet& set, int first, const double* minutes_since_epoch,
    LaneStates<NearEarthSet::kBlockLanes>* out) {
  NearEarthBody<NearEarthSet::kBlockLanes>(set, first, minutes_since_epoch,
                                           out);
}
#endif

}  // namespace

NearEarthSet::NearEarthSet(const std::vector<NearEarthCoefficients>& sats,
                           int lane_multiple)
    : size_(static_cast<int>(sats.size())) {
  stride_ = (size_ + lane_multiple - 1) / lane_multiple * lane_multiple;
  data_.resize(static_cast<size_t>(kNumNearEarthFields) * stride_);
  for (int f = 0; f < kNumNearEarthFields; ++f) {
    for (int i = 0; i < stride_; ++i) {
      data_[static_cast<size_t>(f) * stride_ + i] =
          sats[i < size_ ? i : 0].value[f];
    }
  }
}

bool CpuHasAvx2() {
#ifdef ORBITFL_SGP4_AVX2
  static const bool has_avx2 = __builtin_cpu_supports("avx2");
  return has_avx2;
#else
  return false;
#endif
}

void PropagateNearEarthLane(const NearEarthSet& set, int lane,
                            double minutes_since_epoch, LaneStates<1>* out) {
  NearEarthBody<1>(set, lane, &minutes_since_epoch, out);
}

void PropagateNearEarthBlock(const NearEarthSet& set, int first,
                             const double* minutes_since_epoch,
                             LaneStates<NearEarthSet::kBlockLanes>* out,
                             BlockIsa isa) {
#ifdef ORBITFL_SGP4_AVX2
  if (isa == BlockIsa::kAvx2 || (isa == BlockIsa::kAuto && CpuHasAvx2())) {
    NearEarthBlockAvx2(set, first, minutes_since_epoch, out);
    return;
  }
#endif
  NearEarthBody<NearEarthSet::kBlockLanes>(set, first, minutes_since_epoch,
                                           out);
}

}  // namespace orbitfl::orbit::sgp4_internal
