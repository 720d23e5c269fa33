#include "orbit/propagator.h"

#include <cmath>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace orbitfl::orbit {
namespace {

constexpr double kTwoPi = 2.0 * kPi;

// Solves Kepler's equation M = E - e sin E for the eccentric anomaly by
// Newton's method (Vallado, algorithm 2). M is first reduced to [-pi, pi]
// so that the starting guess is close for every revolution.
double EccentricAnomalyRad(double mean_anomaly_rad, double eccentricity) {
  double m = std::remainder(mean_anomaly_rad, kTwoPi);
  // Vallado's starting guess, E0 = M -/+ e, converges for every e < 1.
  double e_anom = m < 0 ? m - eccentricity : m + eccentricity;
  for (int i = 0; i < 50; ++i) {
    const double f = e_anom - eccentricity * std::sin(e_anom) - m;
    const double step = f / (1.0 - eccentricity * std::cos(e_anom));
    e_anom -= step;
    if (std::fabs(step) < 1e-14) break;
  }
  return e_anom;
}

}  // namespace

void Propagator::PropagateSeries(absl::Time start, absl::Duration step,
                                 int count, StateVector* out) const {
  for (int k = 0; k < count; ++k) out[k] = Propagate(start + k * step);
}

absl::StatusOr<std::unique_ptr<J2Propagator>> J2Propagator::Create(
    const KeplerElements& elements) {
  const double a_km = elements.semi_major_axis_km;
  const double e = elements.eccentricity;
  if (!std::isfinite(a_km) || a_km <= kEarthEquatorialRadiusKm) {
    return absl::InvalidArgumentError(
        absl::StrCat("kepler_elements.semi_major_axis_km: expected > ",
                     kEarthEquatorialRadiusKm, " (Earth radius), got ", a_km));
  }
  if (!std::isfinite(e) || e < 0 || e >= 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kepler_elements.eccentricity: expected in [0, 1), got ", e));
  }
  const double perigee_km = a_km * (1.0 - e);
  if (perigee_km <= kEarthEquatorialRadiusKm) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kepler_elements.eccentricity: expected a perigee radius a(1-e) > ",
        kEarthEquatorialRadiusKm, " km, got ", perigee_km, " km"));
  }
  const struct {
    const char* name;
    double value;
  } angles[] = {{"inclination_rad", elements.inclination_rad},
                {"raan_rad", elements.raan_rad},
                {"arg_perigee_rad", elements.arg_perigee_rad},
                {"mean_anomaly_rad", elements.mean_anomaly_rad}};
  for (const auto& angle : angles) {
    if (!std::isfinite(angle.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("kepler_elements.", angle.name,
                       ": expected a finite angle, got ", angle.value));
    }
  }
  if (elements.inclination_rad < 0 || elements.inclination_rad > kPi) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kepler_elements.inclination_rad: expected in [0, pi], got ",
        elements.inclination_rad));
  }
  return std::unique_ptr<J2Propagator>(new J2Propagator(elements));
}

J2Propagator::J2Propagator(const KeplerElements& e) : elements_(e) {
  // Secular J2 rates (Vallado sec. 9.6, eqs. 9-41 and 9-42), with the
  // two-body mean motion n0 and the semi-latus rectum p = a (1 - e^2).
  const double a_km = e.semi_major_axis_km;
  const double n0_rad_s = std::sqrt(kEarthMuKm3S2 / (a_km * a_km * a_km));
  const double p_km = a_km * (1.0 - e.eccentricity * e.eccentricity);
  const double re_over_p = kEarthEquatorialRadiusKm / p_km;
  const double k = kEarthJ2 * re_over_p * re_over_p;
  const double cos_i = std::cos(e.inclination_rad);
  const double eta = std::sqrt(1.0 - e.eccentricity * e.eccentricity);
  raan_rate_rad_s_ = -1.5 * n0_rad_s * k * cos_i;
  arg_perigee_rate_rad_s_ = 0.75 * n0_rad_s * k * (5.0 * cos_i * cos_i - 1.0);
  mean_motion_rad_s_ =
      n0_rad_s * (1.0 + 0.75 * k * eta * (3.0 * cos_i * cos_i - 1.0));
}

// The anomalistic period (perigee to perigee) of the J2-perturbed mean
// motion; it differs from 2 pi sqrt(a^3 / mu) by about J2 (Re/p)^2.
double J2Propagator::period_s() const { return kTwoPi / mean_motion_rad_s_; }

StateVector J2Propagator::Propagate(absl::Time t) const {
  const double dt_s = absl::ToDoubleSeconds(t - elements_.epoch);
  const double a_km = elements_.semi_major_axis_km;
  const double ecc = elements_.eccentricity;
  const double raan = elements_.raan_rad + raan_rate_rad_s_ * dt_s;
  const double argp =
      elements_.arg_perigee_rad + arg_perigee_rate_rad_s_ * dt_s;
  const double mean_anom =
      elements_.mean_anomaly_rad + mean_motion_rad_s_ * dt_s;

  // Position and velocity in the perifocal frame (x towards perigee).
  const double e_anom = EccentricAnomalyRad(mean_anom, ecc);
  const double cos_e = std::cos(e_anom), sin_e = std::sin(e_anom);
  const double eta = std::sqrt(1.0 - ecc * ecc);
  const double x_km = a_km * (cos_e - ecc);
  const double y_km = a_km * eta * sin_e;
  // dE/dt = n / (1 - e cos E) from differentiating Kepler's equation.
  const double e_dot = mean_motion_rad_s_ / (1.0 - ecc * cos_e);
  // The velocity is the exact time derivative of the secular model: in-plane
  // motion, the turn of perigee within the plane, then the turn of the node.
  const double vx_km_s = -a_km * sin_e * e_dot - arg_perigee_rate_rad_s_ * y_km;
  const double vy_km_s =
      a_km * eta * cos_e * e_dot + arg_perigee_rate_rad_s_ * x_km;

  // Perifocal to inertial: R3(-raan) R1(-i) R3(-argp) (Vallado eq. 2-52).
  const double co = std::cos(raan), so = std::sin(raan);
  const double cw = std::cos(argp), sw = std::sin(argp);
  const double ci = std::cos(elements_.inclination_rad);
  const double si = std::sin(elements_.inclination_rad);
  const Vec3 p_hat{co * cw - so * sw * ci, so * cw + co * sw * ci, sw * si};
  const Vec3 q_hat{-co * sw - so * cw * ci, -so * sw + co * cw * ci, cw * si};

  StateVector state;
  state.position_km = x_km * p_hat + y_km * q_hat;
  const Vec3 node_turn_km_s{-raan_rate_rad_s_ * state.position_km.y,
                            raan_rate_rad_s_ * state.position_km.x, 0.0};
  state.velocity_km_s = vx_km_s * p_hat + vy_km_s * q_hat + node_turn_km_s;
  return state;
}

}  // namespace orbitfl::orbit
