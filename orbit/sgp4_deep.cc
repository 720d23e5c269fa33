#include "orbit/sgp4_deep.h"

#include <cmath>

namespace orbitfl::orbit::sgp4_internal {
namespace {

constexpr double kZns = 1.19459e-5;
constexpr double kZes = 0.01675;
constexpr double kZnl = 1.5835218e-4;
constexpr double kZel = 0.05490;
constexpr double kRptim = 4.37526908801129966e-3;  // Earth rotation, rad/min
// Resonance phase constants (STR#3 sec. 10: FASX2.., G22..).
constexpr double kFasx2 = 0.13130908;
constexpr double kFasx4 = 2.8843198;
constexpr double kFasx6 = 0.37448087;
constexpr double kG22 = 5.7686396;
constexpr double kG32 = 0.95240898;
constexpr double kG44 = 1.8014998;
constexpr double kG52 = 1.0508330;
constexpr double kG54 = 4.4108898;
// Integrator step (min) and half its square.
constexpr double kStepMin = 720.0;
constexpr double kStep2 = 259200.0;

struct ResonanceRates {
  double xndt, xldot, xnddt;
};

// Time derivatives of the resonance's mean motion (xni) and longitude
// (xli) at integrator time atime.
ResonanceRates Rates(const DeepSpaceModel& m, double xli, double xni,
                     double atime) {
  ResonanceRates r;
  if (m.irez != 2) {  // synchronous
    r.xndt = m.del1 * std::sin(xli - kFasx2) +
             m.del2 * std::sin(2.0 * (xli - kFasx4)) +
             m.del3 * std::sin(3.0 * (xli - kFasx6));
    r.xldot = xni + m.xfact;
    r.xnddt = m.del1 * std::cos(xli - kFasx2) +
              2.0 * m.del2 * std::cos(2.0 * (xli - kFasx4)) +
              3.0 * m.del3 * std::cos(3.0 * (xli - kFasx6));
    r.xnddt = r.xnddt * r.xldot;
  } else {  // half-day
    const double xomi = m.argpo + m.argpdot * atime;
    const double x2omi = xomi + xomi;
    const double x2li = xli + xli;
    r.xndt = m.d2201 * std::sin(x2omi + xli - kG22) +
             m.d2211 * std::sin(xli - kG22) +
             m.d3210 * std::sin(xomi + xli - kG32) +
             m.d3222 * std::sin(-xomi + xli - kG32) +
             m.d4410 * std::sin(x2omi + x2li - kG44) +
             m.d4422 * std::sin(x2li - kG44) +
             m.d5220 * std::sin(xomi + xli - kG52) +
             m.d5232 * std::sin(-xomi + xli - kG52) +
             m.d5421 * std::sin(xomi + x2li - kG54) +
             m.d5433 * std::sin(-xomi + x2li - kG54);
    r.xldot = xni + m.xfact;
    r.xnddt = m.d2201 * std::cos(x2omi + xli - kG22) +
              m.d2211 * std::cos(xli - kG22) +
              m.d3210 * std::cos(xomi + xli - kG32) +
              m.d3222 * std::cos(-xomi + xli - kG32) +
              m.d5220 * std::cos(xomi + xli - kG52) +
              m.d5232 * std::cos(-xomi + xli - kG52) +
              2.0 * (m.d4410 * std::cos(x2omi + x2li - kG44) +
                     m.d4422 * std::cos(x2li - kG44) +
                     m.d5421 * std::cos(xomi + x2li - kG54) +
                     m.d5433 * std::cos(-xomi + x2li - kG54));
    r.xnddt = r.xnddt * r.xldot;
  }
  return r;
}

}  // namespace

void DeepSecular(const DeepSpaceModel& m, double t, double* em, double* argpm,
                 double* inclm, double* mm, double* nodem, double* nm) {
  const double theta = std::fmod(m.gsto + t * kRptim, kTwoPi);
  *em += m.dedt * t;
  *inclm += m.didt * t;
  *argpm += m.domdt * t;
  *nodem += m.dnodt * t;
  *mm += m.dmdt * t;
  if (m.irez == 0) return;

  // Euler-Maclaurin integration from epoch in 720 min steps, then a Taylor
  // step over the remainder ft (STR#3 sec. 10, "epoch restart").
  double atime = 0.0, xni = m.no_unkozai, xli = m.xlamo;
  const double delt = t > 0.0 ? kStepMin : -kStepMin;
  ResonanceRates r = Rates(m, xli, xni, atime);
  while (std::fabs(t - atime) >= kStepMin) {
    xli = xli + r.xldot * delt + r.xndt * kStep2;
    xni = xni + r.xndt * delt + r.xnddt * kStep2;
    atime = atime + delt;
    r = Rates(m, xli, xni, atime);
  }
  const double ft = t - atime;
  *nm = xni + r.xndt * ft + r.xnddt * ft * ft * 0.5;
  const double xl = xli + r.xldot * ft + r.xndt * ft * ft * 0.5;
  if (m.irez != 1) {
    *mm = xl - 2.0 * *nodem + 2.0 * theta;
  } else {
    *mm = xl - *nodem - *argpm + theta;
  }
  // V2006 passes nm through dndt = nm - no, nm = no + dndt.
  const double dndt = *nm - m.no_unkozai;
  *nm = m.no_unkozai + dndt;
}

void DeepPeriodic(const DeepSpaceModel& m, double t, double* ep, double* inclp,
                  double* nodep, double* argpp, double* mp) {
  // The Sun's and the Moon's long-period terms at their mean anomalies.
  double zm = m.zmos + kZns * t;
  double zf = zm + 2.0 * kZes * std::sin(zm);
  double sinzf = std::sin(zf);
  double f2 = 0.5 * sinzf * sinzf - 0.25;
  double f3 = -0.5 * sinzf * std::cos(zf);
  const double ses = m.se2 * f2 + m.se3 * f3;
  const double sis = m.si2 * f2 + m.si3 * f3;
  const double sls = m.sl2 * f2 + m.sl3 * f3 + m.sl4 * sinzf;
  const double sghs = m.sgh2 * f2 + m.sgh3 * f3 + m.sgh4 * sinzf;
  const double shs = m.sh2 * f2 + m.sh3 * f3;
  zm = m.zmol + kZnl * t;
  zf = zm + 2.0 * kZel * std::sin(zm);
  sinzf = std::sin(zf);
  f2 = 0.5 * sinzf * sinzf - 0.25;
  f3 = -0.5 * sinzf * std::cos(zf);
  const double sel = m.ee2 * f2 + m.e3 * f3;
  const double sil = m.xi2 * f2 + m.xi3 * f3;
  const double sll = m.xl2 * f2 + m.xl3 * f3 + m.xl4 * sinzf;
  const double sghl = m.xgh2 * f2 + m.xgh3 * f3 + m.xgh4 * sinzf;
  const double shll = m.xh2 * f2 + m.xh3 * f3;
  // V2006 subtracts the values at epoch (peo .. pho), which it keeps at 0.
  const double pe = ses + sel;
  const double pinc = sis + sil;
  const double pl = sls + sll;
  double pgh = sghs + sghl;
  double ph = shs + shll;

  *inclp += pinc;
  *ep += pe;
  const double sinip = std::sin(*inclp);
  const double cosip = std::cos(*inclp);
  // Lyddane's choice (V2006, improved mode: on the perturbed inclination,
  // 0.2 rad): below it the node and perigee terms are applied through
  // nonsingular variables.
  if (*inclp >= 0.2) {
    ph = ph / sinip;
    pgh = pgh - cosip * ph;
    *argpp += pgh;
    *nodep += ph;
    *mp += pl;
  } else {
    const double sinop = std::sin(*nodep);
    const double cosop = std::cos(*nodep);
    double alfdp = sinip * sinop;
    double betdp = sinip * cosop;
    const double dalf = ph * cosop + pinc * cosip * sinop;
    const double dbet = -ph * sinop + pinc * cosip * cosop;
    alfdp = alfdp + dalf;
    betdp = betdp + dbet;
    *nodep = std::fmod(*nodep, kTwoPi);
    double xls = *mp + *argpp + cosip * *nodep;
    const double dls = pl + pgh - pinc * *nodep * sinip;
    xls = xls + dls;
    const double xnoh = *nodep;
    *nodep = std::atan2(alfdp, betdp);
    // Keep the node on the same branch as before.
    if (std::fabs(xnoh - *nodep) > kPi) {
      *nodep = *nodep < xnoh ? *nodep + kTwoPi : *nodep - kTwoPi;
    }
    *mp += pl;
    *argpp = xls - *mp - cosip * *nodep;
  }
}

LaneState PropagateDeepSpace(const NearEarthCoefficients& c,
                             const DeepSpaceModel& m, double t) {
  const double* v = c.value;
  LaneState failed = {};
  // Secular gravity and drag (V2006 sgp4(); the simplified drag model).
  double mm = v[kMo] + v[kMdot] * t;
  double argpm = v[kArgpo] + v[kArgpdot] * t;
  const double nodedf = v[kNodeo] + v[kNodedot] * t;
  const double t2 = t * t;
  double nodem = nodedf + v[kNodecf] * t2;
  const double tempa = 1.0 - v[kCc1] * t;
  const double tempe = v[kBstar] * v[kCc4] * t;
  const double templ = v[kT2cof] * t2;
  double nm = v[kNoUnkozai];
  double em = v[kEcco];
  double inclm = v[kInclo];
  DeepSecular(m, t, &em, &argpm, &inclm, &mm, &nodem, &nm);
  if (nm <= 0.0) {
    failed.error_code = kMeanMotion;
    failed.error_value = nm;
    return failed;
  }
  const double am = std::pow(kXke / nm, kTwoThirds) * tempa * tempa;
  nm = kXke / std::pow(am, 1.5);
  em = em - tempe;
  if (em >= 1.0 || em < -0.001) {
    failed.error_code = kMeanEccentricity;
    failed.error_value = em;
    return failed;
  }
  if (em < 1.0e-6) em = 1.0e-6;
  mm = mm + v[kNoUnkozai] * templ;
  double xlm = mm + argpm + nodem;
  nodem = std::fmod(nodem, kTwoPi);
  argpm = std::fmod(argpm, kTwoPi);
  xlm = std::fmod(xlm, kTwoPi);
  mm = std::fmod(xlm - argpm - nodem, kTwoPi);

  // Lunar-solar periodics.
  double ep = em, xincp = inclm, argpp = argpm, nodep = nodem, mp = mm;
  DeepPeriodic(m, t, &ep, &xincp, &nodep, &argpp, &mp);
  if (xincp < 0.0) {
    xincp = -xincp;
    nodep = nodep + kPi;
    argpp = argpp - kPi;
  }
  if (ep < 0.0 || ep > 1.0) {
    failed.error_code = kPerturbedEccentricity;
    failed.error_value = ep;
    return failed;
  }

  // Long-period periodics with the perturbed inclination.
  const double sinip = std::sin(xincp);
  const double cosip = std::cos(xincp);
  const double aycof = -0.5 * kJ3OverJ2 * sinip;
  const double xlcof =
      std::fabs(cosip + 1.0) > 1.5e-12
          ? -0.25 * kJ3OverJ2 * sinip * (3.0 + 5.0 * cosip) / (1.0 + cosip)
          : -0.25 * kJ3OverJ2 * sinip * (3.0 + 5.0 * cosip) / 1.5e-12;
  const double axnl = ep * std::cos(argpp);
  const double temp = 1.0 / (am * (1.0 - ep * ep));
  const double aynl = ep * std::sin(argpp) + temp * aycof;
  const double xl = mp + argpp + nodep + temp * xlcof * axnl;
  const double u = std::fmod(xl - nodep, kTwoPi);

  ShortPeriodInput in;
  SolveKepler(u, axnl, aynl, &in.sineo1, &in.coseo1);
  const double cosisq = cosip * cosip;
  in.am = am;
  in.nm = nm;
  in.axnl = axnl;
  in.aynl = aynl;
  in.nodep = nodep;
  in.xincp = xincp;
  in.sinip = sinip;
  in.cosip = cosip;
  in.con41 = 3.0 * cosisq - 1.0;
  in.x1mth2 = 1.0 - cosisq;
  in.x7thm1 = 7.0 * cosisq - 1.0;
  return ShortPeriodic(in);
}

}  // namespace orbitfl::orbit::sgp4_internal
