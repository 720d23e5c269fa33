// InitDeepSpace (sgp4_deep.h): V2006 dscom and dsinit, from Spacetrack
// Report #3 sec. 10 (DEEP, "entrance for deep space initialization").

#include <cmath>

#include "orbit/sgp4_deep.h"

namespace orbitfl::orbit::sgp4_internal {
namespace {

// Third-body constants of SDP4: eccentricities of the Sun's and Moon's
// apparent orbits, their perturbation strengths (c1ss, c1l), the
// obliquity and the Sun's argument of perigee at the reference epoch.
constexpr double kZes = 0.01675;
constexpr double kZel = 0.05490;
constexpr double kC1ss = 2.9864797e-6;
constexpr double kC1l = 4.7968065e-7;
constexpr double kZsinis = 0.39785416;
constexpr double kZcosis = 0.91744867;
constexpr double kZcosgs = 0.1945905;
constexpr double kZsings = -0.98088458;
constexpr double kZns = 1.19459e-5;    // Sun's mean motion, rad/min
constexpr double kZnl = 1.5835218e-4;  // Moon's mean motion, rad/min
// Resonance: Earth's rotation rate (rad/min) and tesseral coefficients.
constexpr double kRptim = 4.37526908801129966e-3;
constexpr double kQ22 = 1.7891679e-6;
constexpr double kQ31 = 2.1460748e-6;
constexpr double kQ33 = 2.2123015e-7;
constexpr double kRoot22 = 1.7891679e-6;
constexpr double kRoot44 = 7.3636953e-9;
constexpr double kRoot54 = 2.1765803e-9;
constexpr double kRoot32 = 3.7393792e-7;
constexpr double kRoot52 = 1.1428639e-7;

// dscom's per-body terms: the satellite's orbit seen from the Sun's or the
// Moon's orbit plane (z*) and the scale factors (s*).
struct ThirdBodyTerms {
  double s1, s2, s3, s4, s5, s6, s7;
  double z1, z2, z3, z11, z12, z13, z21, z22, z23, z31, z32, z33;
};

struct Orientation {
  double sinim, cosim, sinomm, cosomm, em, emsq, betasq, rtemsq, xnoi;
};

ThirdBodyTerms ThirdBody(const Orientation& o, double zcosg, double zsing,
                         double zcosi, double zsini, double zcosh, double zsinh,
                         double cc) {
  const double a1 = zcosg * zcosh + zsing * zcosi * zsinh;
  const double a3 = -zsing * zcosh + zcosg * zcosi * zsinh;
  const double a7 = -zcosg * zsinh + zsing * zcosi * zcosh;
  const double a8 = zsing * zsini;
  const double a9 = zsing * zsinh + zcosg * zcosi * zcosh;
  const double a10 = zcosg * zsini;
  const double a2 = o.cosim * a7 + o.sinim * a8;
  const double a4 = o.cosim * a9 + o.sinim * a10;
  const double a5 = -o.sinim * a7 + o.cosim * a8;
  const double a6 = -o.sinim * a9 + o.cosim * a10;

  const double x1 = a1 * o.cosomm + a2 * o.sinomm;
  const double x2 = a3 * o.cosomm + a4 * o.sinomm;
  const double x3 = -a1 * o.sinomm + a2 * o.cosomm;
  const double x4 = -a3 * o.sinomm + a4 * o.cosomm;
  const double x5 = a5 * o.sinomm;
  const double x6 = a6 * o.sinomm;
  const double x7 = a5 * o.cosomm;
  const double x8 = a6 * o.cosomm;

  const double emsq = o.emsq;
  ThirdBodyTerms t;
  t.z31 = 12.0 * x1 * x1 - 3.0 * x3 * x3;
  t.z32 = 24.0 * x1 * x2 - 6.0 * x3 * x4;
  t.z33 = 12.0 * x2 * x2 - 3.0 * x4 * x4;
  t.z1 = 3.0 * (a1 * a1 + a2 * a2) + t.z31 * emsq;
  t.z2 = 6.0 * (a1 * a3 + a2 * a4) + t.z32 * emsq;
  t.z3 = 3.0 * (a3 * a3 + a4 * a4) + t.z33 * emsq;
  t.z11 = -6.0 * a1 * a5 + emsq * (-24.0 * x1 * x7 - 6.0 * x3 * x5);
  t.z12 = -6.0 * (a1 * a6 + a3 * a5) +
          emsq * (-24.0 * (x2 * x7 + x1 * x8) - 6.0 * (x3 * x6 + x4 * x5));
  t.z13 = -6.0 * a3 * a6 + emsq * (-24.0 * x2 * x8 - 6.0 * x4 * x6);
  t.z21 = 6.0 * a2 * a5 + emsq * (24.0 * x1 * x5 - 6.0 * x3 * x7);
  t.z22 = 6.0 * (a4 * a5 + a2 * a6) +
          emsq * (24.0 * (x2 * x5 + x1 * x6) - 6.0 * (x4 * x7 + x3 * x8));
  t.z23 = 6.0 * a4 * a6 + emsq * (24.0 * x2 * x6 - 6.0 * x4 * x8);
  t.z1 = t.z1 + t.z1 + o.betasq * t.z31;
  t.z2 = t.z2 + t.z2 + o.betasq * t.z32;
  t.z3 = t.z3 + t.z3 + o.betasq * t.z33;
  t.s3 = cc * o.xnoi;
  t.s2 = -0.5 * t.s3 / o.rtemsq;
  t.s4 = t.s3 * o.rtemsq;
  t.s1 = -15.0 * o.em * t.s4;
  t.s5 = x1 * x3 + x2 * x4;
  t.s6 = x2 * x3 + x1 * x4;
  t.s7 = x2 * x4 - x1 * x3;
  return t;
}

// dsinit's resonance coefficients for half-day orbits (e >= 0.5): the
// eccentricity functions G of STR#3 sec. 10, fitted in e.
void InitHalfDayResonance(const Orientation& o, double aonv, double nm,
                          DeepSpaceModel* m) {
  const double em = o.em, emsq = o.emsq;
  const double cosim = o.cosim, sinim = o.sinim;
  const double cosisq = cosim * cosim;
  const double eoc = em * emsq;
  const double g201 = -0.306 - (em - 0.64) * 0.440;
  double g211, g310, g322, g410, g422, g520, g521, g532, g533;
  if (em <= 0.65) {
    g211 = 3.616 - 13.2470 * em + 16.2900 * emsq;
    g310 = -19.302 + 117.3900 * em - 228.4190 * emsq + 156.5910 * eoc;
    g322 = -18.9068 + 109.7927 * em - 214.6334 * emsq + 146.5816 * eoc;
    g410 = -41.122 + 242.6940 * em - 471.0940 * emsq + 313.9530 * eoc;
    g422 = -146.407 + 841.8800 * em - 1629.014 * emsq + 1083.4350 * eoc;
    g520 = -532.114 + 3017.977 * em - 5740.032 * emsq + 3708.2760 * eoc;
  } else {
    g211 = -72.099 + 331.819 * em - 508.738 * emsq + 266.724 * eoc;
    g310 = -346.844 + 1582.851 * em - 2415.925 * emsq + 1246.113 * eoc;
    g322 = -342.585 + 1554.908 * em - 2366.899 * emsq + 1215.972 * eoc;
    g410 = -1052.797 + 4758.686 * em - 7193.992 * emsq + 3651.957 * eoc;
    g422 = -3581.690 + 16178.110 * em - 24462.770 * emsq + 12422.520 * eoc;
    g520 = em > 0.715
               ? -5149.66 + 29936.92 * em - 54087.36 * emsq + 31324.56 * eoc
               : 1464.74 - 4664.75 * em + 3763.64 * emsq;
  }
  if (em < 0.7) {
    g533 = -919.22770 + 4988.6100 * em - 9064.7700 * emsq + 5542.21 * eoc;
    g521 = -822.71072 + 4568.6173 * em - 8491.4146 * emsq + 5337.524 * eoc;
    g532 = -853.66600 + 4690.2500 * em - 8624.7700 * emsq + 5341.4 * eoc;
  } else {
    g533 = -37995.780 + 161616.52 * em - 229838.20 * emsq + 109377.94 * eoc;
    g521 = -51752.104 + 218913.95 * em - 309468.16 * emsq + 146349.42 * eoc;
    g532 = -40023.880 + 170470.89 * em - 242699.48 * emsq + 115605.82 * eoc;
  }
  // Inclination functions F.
  const double sini2 = sinim * sinim;
  const double f220 = 0.75 * (1.0 + 2.0 * cosim + cosisq);
  const double f221 = 1.5 * sini2;
  const double f321 = 1.875 * sinim * (1.0 - 2.0 * cosim - 3.0 * cosisq);
  const double f322 = -1.875 * sinim * (1.0 + 2.0 * cosim - 3.0 * cosisq);
  const double f441 = 35.0 * sini2 * f220;
  const double f442 = 39.3750 * sini2 * sini2;
  const double f522 = 9.84375 * sinim *
                      (sini2 * (1.0 - 2.0 * cosim - 5.0 * cosisq) +
                       0.33333333 * (-2.0 + 4.0 * cosim + 6.0 * cosisq));
  const double f523 =
      sinim * (4.92187512 * sini2 * (-2.0 - 4.0 * cosim + 10.0 * cosisq) +
               6.56250012 * (1.0 + 2.0 * cosim - 3.0 * cosisq));
  const double f542 =
      29.53125 * sinim *
      (2.0 - 8.0 * cosim + cosisq * (-12.0 + 8.0 * cosim + 10.0 * cosisq));
  const double f543 =
      29.53125 * sinim *
      (-2.0 - 8.0 * cosim + cosisq * (12.0 + 8.0 * cosim - 10.0 * cosisq));
  const double xno2 = nm * nm;
  const double ainv2 = aonv * aonv;
  double temp1 = 3.0 * xno2 * ainv2;
  double temp = temp1 * kRoot22;
  m->d2201 = temp * f220 * g201;
  m->d2211 = temp * f221 * g211;
  temp1 = temp1 * aonv;
  temp = temp1 * kRoot32;
  m->d3210 = temp * f321 * g310;
  m->d3222 = temp * f322 * g322;
  temp1 = temp1 * aonv;
  temp = 2.0 * temp1 * kRoot44;
  m->d4410 = temp * f441 * g410;
  m->d4422 = temp * f442 * g422;
  temp1 = temp1 * aonv;
  temp = temp1 * kRoot52;
  m->d5220 = temp * f522 * g520;
  m->d5232 = temp * f523 * g532;
  temp = 2.0 * temp1 * kRoot54;
  m->d5421 = temp * f542 * g521;
  m->d5433 = temp * f543 * g533;
}

}  // namespace

void InitDeepSpace(const DeepSpaceInput& in, DeepSpaceModel* m) {
  *m = DeepSpaceModel();
  m->gsto = in.gsto;
  m->argpo = in.argpo;
  m->argpdot = in.argpdot;
  m->no_unkozai = in.no_unkozai;

  // dscom: the Sun's and Moon's geometry at epoch.
  Orientation o;
  o.sinim = std::sin(in.inclo);
  o.cosim = std::cos(in.inclo);
  o.sinomm = std::sin(in.argpo);
  o.cosomm = std::cos(in.argpo);
  o.em = in.ecco;
  o.emsq = o.em * o.em;
  o.betasq = 1.0 - o.emsq;
  o.rtemsq = std::sqrt(o.betasq);
  o.xnoi = 1.0 / in.no_unkozai;
  const double snodm = std::sin(in.nodeo);
  const double cnodm = std::cos(in.nodeo);

  // Days since 1900 January 0.5, the epoch of the lunar theory.
  const double day = in.epoch_days_since_1950 + 18261.5;
  const double xnodce = std::fmod(4.5236020 - 9.2422029e-4 * day, kTwoPi);
  const double stem = std::sin(xnodce);
  const double ctem = std::cos(xnodce);
  const double zcosil = 0.91375164 - 0.03568096 * ctem;
  const double zsinil = std::sqrt(1.0 - zcosil * zcosil);
  const double zsinhl = 0.089683511 * stem / zsinil;
  const double zcoshl = std::sqrt(1.0 - zsinhl * zsinhl);
  const double gam = 5.8351514 + 0.0019443680 * day;
  double zx = 0.39785416 * stem / zsinil;
  const double zy = zcoshl * ctem + 0.91744867 * zsinhl * stem;
  zx = std::atan2(zx, zy);
  zx = gam + zx - xnodce;
  const double zcosgl = std::cos(zx);
  const double zsingl = std::sin(zx);

  const ThirdBodyTerms sun =
      ThirdBody(o, kZcosgs, kZsings, kZcosis, kZsinis, cnodm, snodm, kC1ss);
  const ThirdBodyTerms moon = ThirdBody(o, zcosgl, zsingl, zcosil, zsinil,
                                        zcoshl * cnodm + zsinhl * snodm,
                                        snodm * zcoshl - cnodm * zsinhl, kC1l);

  m->zmol = std::fmod(4.7199672 + 0.22997150 * day - gam, kTwoPi);
  m->zmos = std::fmod(6.2565837 + 0.017201977 * day, kTwoPi);
  const double emsq = o.emsq;
  m->se2 = 2.0 * sun.s1 * sun.s6;
  m->se3 = 2.0 * sun.s1 * sun.s7;
  m->si2 = 2.0 * sun.s2 * sun.z12;
  m->si3 = 2.0 * sun.s2 * (sun.z13 - sun.z11);
  m->sl2 = -2.0 * sun.s3 * sun.z2;
  m->sl3 = -2.0 * sun.s3 * (sun.z3 - sun.z1);
  m->sl4 = -2.0 * sun.s3 * (-21.0 - 9.0 * emsq) * kZes;
  m->sgh2 = 2.0 * sun.s4 * sun.z32;
  m->sgh3 = 2.0 * sun.s4 * (sun.z33 - sun.z31);
  m->sgh4 = -18.0 * sun.s4 * kZes;
  m->sh2 = -2.0 * sun.s2 * sun.z22;
  m->sh3 = -2.0 * sun.s2 * (sun.z23 - sun.z21);
  m->ee2 = 2.0 * moon.s1 * moon.s6;
  m->e3 = 2.0 * moon.s1 * moon.s7;
  m->xi2 = 2.0 * moon.s2 * moon.z12;
  m->xi3 = 2.0 * moon.s2 * (moon.z13 - moon.z11);
  m->xl2 = -2.0 * moon.s3 * moon.z2;
  m->xl3 = -2.0 * moon.s3 * (moon.z3 - moon.z1);
  m->xl4 = -2.0 * moon.s3 * (-21.0 - 9.0 * emsq) * kZel;
  m->xgh2 = 2.0 * moon.s4 * moon.z32;
  m->xgh3 = 2.0 * moon.s4 * (moon.z33 - moon.z31);
  m->xgh4 = -18.0 * moon.s4 * kZel;
  m->xh2 = -2.0 * moon.s2 * moon.z22;
  m->xh3 = -2.0 * moon.s2 * (moon.z23 - moon.z21);

  // dsinit: secular rates from the Sun and the Moon.
  const double nm = in.no_unkozai, em = in.ecco, inclm = in.inclo;
  const double sinim = o.sinim, cosim = o.cosim;
  // Near-equatorial orbits (within 3 deg of 0 or 180) get no nodal rate:
  // it is singular there.
  const bool equatorial = inclm < 5.2359877e-2 || inclm > kPi - 5.2359877e-2;
  const double ses = sun.s1 * kZns * sun.s5;
  const double sis = sun.s2 * kZns * (sun.z11 + sun.z13);
  const double sls = -kZns * sun.s3 * (sun.z1 + sun.z3 - 14.0 - 6.0 * emsq);
  const double sghs = sun.s4 * kZns * (sun.z31 + sun.z33 - 6.0);
  double shs = -kZns * sun.s2 * (sun.z21 + sun.z23);
  if (equatorial) shs = 0.0;
  if (sinim != 0.0) shs = shs / sinim;
  const double sgs = sghs - cosim * shs;
  m->dedt = ses + moon.s1 * kZnl * moon.s5;
  m->didt = sis + moon.s2 * kZnl * (moon.z11 + moon.z13);
  m->dmdt = sls - kZnl * moon.s3 * (moon.z1 + moon.z3 - 14.0 - 6.0 * emsq);
  const double sghl = moon.s4 * kZnl * (moon.z31 + moon.z33 - 6.0);
  double shll = -kZnl * moon.s2 * (moon.z21 + moon.z23);
  if (equatorial) shll = 0.0;
  m->domdt = sgs + sghl;
  m->dnodt = shs;
  if (sinim != 0.0) {
    m->domdt = m->domdt - cosim / sinim * shll;
    m->dnodt = m->dnodt + shll / sinim;
  }

  // Resonance: periods near 24 h (synchronous) or near 12 h with e >= 0.5.
  m->irez = 0;
  if (nm < 0.0052359877 && nm > 0.0034906585) m->irez = 1;
  if (nm >= 8.26e-3 && nm <= 9.24e-3 && em >= 0.5) m->irez = 2;
  if (m->irez == 0) return;
  const double theta = std::fmod(in.gsto, kTwoPi);
  const double aonv = std::pow(nm / kXke, kTwoThirds);
  if (m->irez == 2) {
    InitHalfDayResonance(o, aonv, nm, m);
    m->xlamo = std::fmod(in.mo + in.nodeo + in.nodeo - theta - theta, kTwoPi);
    m->xfact = in.mdot + m->dmdt + 2.0 * (in.nodedot + m->dnodt - kRptim) -
               in.no_unkozai;
  } else {
    const double g200 = 1.0 + emsq * (-2.5 + 0.8125 * emsq);
    const double g310 = 1.0 + 2.0 * emsq;
    const double g300 = 1.0 + emsq * (-6.0 + 6.60937 * emsq);
    const double f220 = 0.75 * (1.0 + cosim) * (1.0 + cosim);
    const double f311 =
        0.9375 * sinim * sinim * (1.0 + 3.0 * cosim) - 0.75 * (1.0 + cosim);
    double f330 = 1.0 + cosim;
    f330 = 1.875 * f330 * f330 * f330;
    const double del1 = 3.0 * nm * nm * aonv * aonv;
    m->del2 = 2.0 * del1 * f220 * g200 * kQ22;
    m->del3 = 3.0 * del1 * f330 * g300 * kQ33 * aonv;
    m->del1 = del1 * f311 * g310 * kQ31 * aonv;
    m->xlamo = std::fmod(in.mo + in.nodeo + in.argpo - theta, kTwoPi);
    m->xfact = in.mdot + in.xpidot - kRptim + m->dmdt + m->domdt + m->dnodt -
               in.no_unkozai;
  }
}

}  // namespace orbitfl::orbit::sgp4_internal
