#include "orbit/sgp4_model.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace orbitfl::orbit::sgp4_internal {
namespace {

// Minutes per day over 2 pi: rev/day to rad/min (V2006 xpdotp).
constexpr double kXpdotp = 1440.0 / (2.0 * kPi);

absl::Status CheckElements(const Tle& tle) {
  const struct {
    const char* field;
    double value;
  } values[] = {{"inclination_deg", tle.inclination_deg},
                {"raan_deg", tle.raan_deg},
                {"eccentricity", tle.eccentricity},
                {"arg_perigee_deg", tle.arg_perigee_deg},
                {"mean_anomaly_deg", tle.mean_anomaly_deg},
                {"mean_motion_rev_per_day", tle.mean_motion_rev_per_day},
                {"bstar_per_earth_radius", tle.bstar_per_earth_radius},
                {"epoch_day", tle.epoch_day}};
  for (const auto& v : values) {
    if (!std::isfinite(v.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(v.field, ": expected a finite number, got ", v.value));
    }
  }
  if (!(tle.eccentricity >= 0 && tle.eccentricity < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("eccentricity: expected [0, 1), got ", tle.eccentricity,
                     " (SGP4 error 1)"));
  }
  if (!(tle.mean_motion_rev_per_day > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mean_motion_rev_per_day: expected > 0, got ",
                     tle.mean_motion_rev_per_day, " (SGP4 error 2)"));
  }
  if (!(tle.inclination_deg >= 0 && tle.inclination_deg <= 180)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "inclination_deg: expected [0, 180], got ", tle.inclination_deg));
  }
  if (tle.epoch_year < 1901 || tle.epoch_year > 2099) {
    return absl::InvalidArgumentError(
        absl::StrCat("epoch_year: expected 1901..2099, got ", tle.epoch_year));
  }
  return absl::OkStatus();
}

}  // namespace

double EpochDaysSince1950(int year, double day_of_year) {
  // Julian date of the epoch's day at 00:00 (V2006 jday, valid 1901-2099).
  const double whole_day = std::floor(day_of_year);
  const double jd_day = 367.0 * year - std::floor(7.0 * year / 4.0) +
                        std::floor(275.0 / 9.0) + whole_day + 1721013.5;
  // The reference forms the epoch as one Julian date in a double
  // (resolution 4.7e-10 day) before subtracting JD 2433281.5. SDP4's
  // lunar-solar terms feel that rounding (2.2e-10 day moves WIND, 23333 in
  // the verification set, by 4e-6 km), so we round the same way.
  const double jd = jd_day + (day_of_year - whole_day);
  return jd - 2433281.5;
}

double GstimeRad(double days_since_1950) {
  // Julian centuries of UT1 from J2000, from the Julian date as V2006
  // forms it (epoch + 2433281.5).
  const double jdut1 = days_since_1950 + 2433281.5;
  const double tut1 = (jdut1 - 2451545.0) / 36525.0;
  double temp = -6.2e-6 * tut1 * tut1 * tut1 + 0.093104 * tut1 * tut1 +
                (876600.0 * 3600 + 8640184.812866) * tut1 + 67310.54841;
  // Seconds of time to radians: 360 deg / 86400 s = 1 deg / 240 s.
  temp = std::fmod(temp * kDegToRad / 240.0, kTwoPi);
  if (temp < 0.0) temp += kTwoPi;
  return temp;
}

absl::Status InitSgp4(const Tle& tle, Sgp4Model* model) {
  if (absl::Status s = CheckElements(tle); !s.ok()) return s;
  // Mean elements in SGP4's units (V2006 twoline2rv).
  const double no_kozai = tle.mean_motion_rev_per_day / kXpdotp;
  const double ecco = tle.eccentricity;
  const double inclo = tle.inclination_deg * kDegToRad;
  const double nodeo = tle.raan_deg * kDegToRad;
  const double argpo = tle.arg_perigee_deg * kDegToRad;
  const double mo = tle.mean_anomaly_deg * kDegToRad;
  const double bstar = tle.bstar_per_earth_radius;
  const double epoch = EpochDaysSince1950(tle.epoch_year, tle.epoch_day);

  // initl: recover the original mean motion (un-Kozai) and semi-major axis.
  const double eccsq = ecco * ecco;
  const double omeosq = 1.0 - eccsq;
  const double rteosq = std::sqrt(omeosq);
  const double cosio = std::cos(inclo);
  const double cosio2 = cosio * cosio;
  const double ak = std::pow(kXke / no_kozai, kTwoThirds);
  const double d1 = 0.75 * kJ2 * (3.0 * cosio2 - 1.0) / (rteosq * omeosq);
  double del = d1 / (ak * ak);
  const double adel =
      ak * (1.0 - del * del - del * (1.0 / 3.0 + 134.0 * del * del / 81.0));
  del = d1 / (adel * adel);
  const double no_unkozai = no_kozai / (1.0 + del);
  if (!(no_unkozai > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mean_motion_rev_per_day: ", tle.mean_motion_rev_per_day,
                     " leaves a mean motion of ", no_unkozai * kXpdotp,
                     " rev/day after removing the Kozai term (SGP4 error 2)"));
  }
  const double ao = std::pow(kXke / no_unkozai, kTwoThirds);
  const double sinio = std::sin(inclo);
  const double po = ao * omeosq;
  const double con42 = 1.0 - 5.0 * cosio2;
  const double con41 = -con42 - cosio2 - cosio2;
  const double posq = po * po;
  const double rp = ao * (1.0 - ecco);
  const double gsto = GstimeRad(epoch);

  // sgp4init: drag model. Perigee below 220 km uses the simplified model;
  // below 156 km the atmosphere's s parameter is lowered (STR#3 sec. 6).
  const double ss = 78.0 / kRadiusEarthKm + 1.0;
  const double qzms2t = std::pow((120.0 - 78.0) / kRadiusEarthKm, 4.0);
  bool isimp = rp < (220.0 / kRadiusEarthKm + 1.0);
  double sfour = ss;
  double qzms24 = qzms2t;
  const double perige = (rp - 1.0) * kRadiusEarthKm;
  if (perige < 156.0) {
    sfour = perige - 78.0;
    if (perige < 98.0) sfour = 20.0;
    qzms24 = std::pow((120.0 - sfour) / kRadiusEarthKm, 4.0);
    sfour = sfour / kRadiusEarthKm + 1.0;
  }
  const double pinvsq = 1.0 / posq;
  const double tsi = 1.0 / (ao - sfour);
  const double eta = ao * ecco * tsi;
  const double etasq = eta * eta;
  const double eeta = ecco * eta;
  const double psisq = std::fabs(1.0 - etasq);
  const double coef = qzms24 * std::pow(tsi, 4.0);
  const double coef1 = coef / std::pow(psisq, 3.5);
  const double cc2 =
      coef1 * no_unkozai *
      (ao * (1.0 + 1.5 * etasq + eeta * (4.0 + etasq)) +
       0.375 * kJ2 * tsi / psisq * con41 * (8.0 + 3.0 * etasq * (8.0 + etasq)));
  const double cc1 = bstar * cc2;
  const double cc3 =
      ecco > 1.0e-4 ? -2.0 * coef * tsi * kJ3OverJ2 * no_unkozai * sinio / ecco
                    : 0.0;
  const double x1mth2 = 1.0 - cosio2;
  const double cc4 =
      2.0 * no_unkozai * coef1 * ao * omeosq *
      (eta * (2.0 + 0.5 * etasq) + ecco * (0.5 + 2.0 * etasq) -
       kJ2 * tsi / (ao * psisq) *
           (-3.0 * con41 * (1.0 - 2.0 * eeta + etasq * (1.5 - 0.5 * eeta)) +
            0.75 * x1mth2 * (2.0 * etasq - eeta * (1.0 + etasq)) *
                std::cos(2.0 * argpo)));
  const double cc5 =
      2.0 * coef1 * ao * omeosq * (1.0 + 2.75 * (etasq + eeta) + eeta * etasq);

  // Secular rates of M, argument of perigee and node from J2 and J4.
  const double cosio4 = cosio2 * cosio2;
  const double temp1 = 1.5 * kJ2 * pinvsq * no_unkozai;
  const double temp2 = 0.5 * temp1 * kJ2 * pinvsq;
  const double temp3 = -0.46875 * kJ4 * pinvsq * pinvsq * no_unkozai;
  const double mdot =
      no_unkozai + 0.5 * temp1 * rteosq * con41 +
      0.0625 * temp2 * rteosq * (13.0 - 78.0 * cosio2 + 137.0 * cosio4);
  const double argpdot =
      -0.5 * temp1 * con42 +
      0.0625 * temp2 * (7.0 - 114.0 * cosio2 + 395.0 * cosio4) +
      temp3 * (3.0 - 36.0 * cosio2 + 49.0 * cosio4);
  const double xhdot1 = -temp1 * cosio;
  const double nodedot = xhdot1 + (0.5 * temp2 * (4.0 - 19.0 * cosio2) +
                                   2.0 * temp3 * (3.0 - 7.0 * cosio2)) *
                                      cosio;
  const double xpidot = argpdot + nodedot;
  double omgcof = bstar * cc3 * std::cos(argpo);
  double xmcof = ecco > 1.0e-4 ? -kTwoThirds * coef * bstar / eeta : 0.0;
  const double nodecf = 3.5 * omeosq * xhdot1 * cc1;
  const double t2cof = 1.5 * cc1;
  // V2006's guard against division by zero at 180 deg inclination.
  const double xlcof =
      std::fabs(cosio + 1.0) > 1.5e-12
          ? -0.25 * kJ3OverJ2 * sinio * (3.0 + 5.0 * cosio) / (1.0 + cosio)
          : -0.25 * kJ3OverJ2 * sinio * (3.0 + 5.0 * cosio) / 1.5e-12;
  const double aycof = -0.5 * kJ3OverJ2 * sinio;
  // With the kernel's sine and cosine, so that the drag terms in M vanish
  // exactly at epoch.
  double sin_mo, cos_mo;
  SinCos(mo, &sin_mo, &cos_mo);
  const double delmtemp = 1.0 + eta * cos_mo;
  const double delmo = delmtemp * delmtemp * delmtemp;
  const double x7thm1 = 7.0 * cosio2 - 1.0;

  model->deep_space = kTwoPi / no_unkozai >= 225.0;
  if (model->deep_space) {
    isimp = true;
    DeepSpaceInput in;
    in.epoch_days_since_1950 = epoch;
    in.ecco = ecco;
    in.argpo = argpo;
    in.inclo = inclo;
    in.nodeo = nodeo;
    in.mo = mo;
    in.no_unkozai = no_unkozai;
    in.mdot = mdot;
    in.argpdot = argpdot;
    in.nodedot = nodedot;
    in.xpidot = xpidot;
    in.gsto = gsto;
    InitDeepSpace(in, &model->deep);
  }

  double d2 = 0, d3 = 0, d4 = 0, t3cof = 0, t4cof = 0, t5cof = 0;
  double cc5_used = cc5;
  if (!isimp) {
    const double cc1sq = cc1 * cc1;
    d2 = 4.0 * ao * tsi * cc1sq;
    const double temp = d2 * tsi * cc1 / 3.0;
    d3 = (17.0 * ao + sfour) * temp;
    d4 = 0.5 * temp * ao * tsi * (221.0 * ao + 31.0 * sfour) * cc1;
    t3cof = d2 + 2.0 * cc1sq;
    t4cof = 0.25 * (3.0 * d3 + cc1 * (12.0 * d2 + 10.0 * cc1sq));
    t5cof = 0.2 * (3.0 * d4 + 12.0 * cc1 * d3 + 6.0 * d2 * d2 +
                   15.0 * cc1sq * (2.0 * d2 + cc1sq));
  } else {
    // The simplified model drops these terms (see NearEarthField).
    omgcof = 0;
    xmcof = 0;
    cc5_used = 0;
  }

  double* v = model->near.value;
  v[kMo] = mo;
  v[kMdot] = mdot;
  v[kArgpo] = argpo;
  v[kArgpdot] = argpdot;
  v[kNodeo] = nodeo;
  v[kNodedot] = nodedot;
  v[kNodecf] = nodecf;
  v[kBstar] = bstar;
  v[kCc1] = cc1;
  v[kCc4] = cc4;
  v[kCc5] = cc5_used;
  v[kD2] = d2;
  v[kD3] = d3;
  v[kD4] = d4;
  v[kT2cof] = t2cof;
  v[kT3cof] = t3cof;
  v[kT4cof] = t4cof;
  v[kT5cof] = t5cof;
  v[kOmgcof] = omgcof;
  v[kXmcof] = xmcof;
  v[kEta] = eta;
  v[kDelmo] = delmo;
  v[kSinmao] = sin_mo;
  v[kNoUnkozai] = no_unkozai;
  v[kAmBase] = ao;  // (xke / no_unkozai)^(2/3), computed above as ao
  v[kEcco] = ecco;
  v[kInclo] = inclo;
  v[kSinio] = sinio;
  v[kCosio] = cosio;
  v[kCon41] = con41;
  v[kX1mth2] = x1mth2;
  v[kX7thm1] = x7thm1;
  v[kXlcof] = xlcof;
  v[kAycof] = aycof;
  return absl::OkStatus();
}

}  // namespace orbitfl::orbit::sgp4_internal
