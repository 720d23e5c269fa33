#include "orbit/sgp4_kernel.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace orbitfl::orbit::sgp4_internal {

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

// Three passes over the lanes, each a loop GCC vectorises: the secular
// update up to Kepler's equation, Newton's iteration with a mask of lanes
// still iterating, and the short-period terms. The order of operations in
// each lane is that of V2006 sgp4() for a near-Earth satellite.
template <int N>
void PropagateNearEarth(const NearEarthSet& set, int first,
                        const double* minutes_since_epoch,
                        LaneStates<N>* out) {
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
  double eo1[N], sineo1[N], coseo1[N];
  int64_t running[N];
  for (int j = 0; j < N; ++j) {
    eo1[j] = u[j];
    sineo1[j] = 0.0;
    coseo1[j] = 1.0;
    running[j] = code[j] == kOk ? -1 : 0;
  }
  for (int ktr = 1; ktr <= 10; ++ktr) {
    int64_t any = 0;
    for (int j = 0; j < N; ++j) {
      double s, c;
      const double step = KeplerStep(u[j], axnl[j], aynl[j], eo1[j], &s, &c);
      const bool run = running[j] != 0;
      sineo1[j] = run ? s : sineo1[j];
      coseo1[j] = run ? c : coseo1[j];
      eo1[j] = run ? eo1[j] + step : eo1[j];
      running[j] = run && std::fabs(step) >= 1.0e-12 ? -1 : 0;
      any |= running[j];
    }
    if (any == 0) break;
  }

  const double* inclo = lanes(kInclo);
  const double* sinio = lanes(kSinio);
  const double* cosio = lanes(kCosio);
  const double* con41 = lanes(kCon41);
  const double* x1mth2 = lanes(kX1mth2);
  const double* x7thm1 = lanes(kX7thm1);
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (int j = 0; j < N; ++j) {
    const ShortPeriodInput in = {am[j],     nm[j],     axnl[j],   aynl[j],
                                 sineo1[j], coseo1[j], nodep[j],  inclo[j],
                                 sinio[j],  cosio[j],  con41[j],  x1mth2[j],
                                 x7thm1[j]};
    const LaneState s = ShortPeriodic(in);
    const bool earlier = code[j] != kOk;
    const double error = earlier ? code[j] : s.error_code;
    const bool failed = error != kOk;
    out->error_code[j] = error;
    out->error_value[j] = earlier ? value[j] : s.error_value;
    out->x_km[j] = failed ? kNaN : s.r_km[0];
    out->y_km[j] = failed ? kNaN : s.r_km[1];
    out->z_km[j] = failed ? kNaN : s.r_km[2];
    out->vx_km_s[j] = failed ? kNaN : s.v_km_s[0];
    out->vy_km_s[j] = failed ? kNaN : s.v_km_s[1];
    out->vz_km_s[j] = failed ? kNaN : s.v_km_s[2];
  }
}

template void PropagateNearEarth<1>(const NearEarthSet&, int, const double*,
                                    LaneStates<1>*);
template void PropagateNearEarth<NearEarthSet::kBlockLanes>(
    const NearEarthSet&, int, const double*,
    LaneStates<NearEarthSet::kBlockLanes>*);

}  // namespace orbitfl::orbit::sgp4_internal
