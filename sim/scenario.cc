#include "sim/scenario.h"

#include <cmath>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "node/power.h"
#include "node/radiation.h"
#include "proto/delta_codec.h"
#include "sim/stations.h"
#include "sim/time_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// Collects the parser's first error with its 1-based line and column.
class FirstError final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (message_.empty()) {
      message_ = absl::StrCat("line ", line + 1, ", column ", column + 1,
                              ": ", message);
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber,
                  const std::string&) override {}
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// Accumulates "field: expected ..., got ..." checks for one file.
class Checker {
 public:
  explicit Checker(const std::string& filename) : filename_(filename) {}

  void Expect(bool ok, const std::string& field, const std::string& expected,
              const std::string& got) {
    if (!ok && first_.empty()) {
      first_ = absl::StrCat(filename_, ": ", field, ": expected ", expected,
                            ", got ", got);
    }
  }
  // `error` already reads "FIELD: expected ..., got ..." within `prefix`.
  void Nested(const std::string& prefix, const std::string& error) {
    if (!error.empty() && first_.empty()) {
      first_ = absl::StrCat(filename_, ": ", prefix, ".", error);
    }
  }
  void InRange(double v, double lo, double hi, const std::string& field,
               const std::string& what) {
    Expect(std::isfinite(v) && v >= lo && v <= hi, field,
           absl::StrCat(what, " in [", lo, ", ", hi, "]"), absl::StrCat(v));
  }
  void Positive(double v, const std::string& field) {
    Expect(std::isfinite(v) && v > 0, field, "a value > 0", absl::StrCat(v));
  }
  absl::Status status() const {
    return first_.empty() ? absl::OkStatus()
                          : absl::InvalidArgumentError(first_);
  }

 private:
  std::string filename_;
  std::string first_;
};

template <typename T>
void Default(T* field, T value) {
  if (*field == T{}) *field = value;
}

// Proto3 scalars have no mutable_ accessor: a numeric field left at 0 takes
// its default.
#define SCENARIO_DEFAULT(msg, field, value) \
  if ((msg).field() == 0) (msg).set_##field(value)

}  // namespace

absl::Status FinalizeScenario(proto::Scenario& s, const std::string& file) {
  Checker c(file);
  Default<std::string>(s.mutable_epoch_utc(), "2026-03-20T00:00:00Z");
  if (absl::StatusOr<absl::Time> t = ParseUtc(s.epoch_utc()); !t.ok()) {
    c.Expect(false, "epoch_utc", "an ISO 8601 UTC time like 2026-03-20T00:00:00Z",
             absl::StrCat("\"", s.epoch_utc(), "\""));
  }
  if (s.duration_hours() == 0) s.set_duration_hours(24);
  c.InRange(s.duration_hours(), 1e-3, 24 * 366, "duration_hours",
            "a duration in hours");

  proto::Constellation& con = *s.mutable_constellation();
  if (con.kind_case() == proto::Constellation::KIND_NOT_SET) {
    c.Expect(false, "constellation",
             "one of walker_delta { ... }, walker_star { ... } or tle_file",
             "none");
  } else if (con.has_tle_file()) {
    c.Expect(!con.tle_file().empty(), "constellation.tle_file",
             "a TLE file path", "\"\"");
  } else {
    const bool star = con.has_walker_star();
    proto::Walker& w =
        star ? *con.mutable_walker_star() : *con.mutable_walker_delta();
    const std::string f =
        star ? "constellation.walker_star." : "constellation.walker_delta.";
    c.Expect(w.total() >= 1, f + "total", "at least 1 satellite",
             absl::StrCat(w.total()));
    c.Expect(w.planes() >= 1 && w.planes() <= std::max(1, w.total()) &&
                 (w.total() < 1 || w.total() % w.planes() == 0),
             f + "planes", absl::StrCat("a divisor of total (", w.total(), ")"),
             absl::StrCat(w.planes()));
    c.Expect(w.phasing() >= 0 && w.phasing() < std::max(1, w.planes()),
             f + "phasing", absl::StrCat("0 <= F < planes (", w.planes(), ")"),
             absl::StrCat(w.phasing()));
    c.InRange(w.altitude_km(), 100, 100000, f + "altitude_km",
              "an altitude in km");
    c.InRange(w.inclination_deg(), 0, 180, f + "inclination_deg",
              "an inclination in degrees");
    Default<std::string>(w.mutable_name_prefix(), "sat");
  }

  c.Expect(s.stations_size() > 0, "stations",
           "at least one ground station (stations { ... } or stations_file)",
           "none");
  std::set<std::string> names;
  for (int i = 0; i < s.stations_size(); ++i) {
    proto::GroundStation& g = *s.mutable_stations(i);
    const std::string f = absl::StrCat("stations[", i, "]");
    const std::string error = CheckStation(g);
    c.Nested(f, error);
    if (!error.empty()) break;
    c.Expect(names.insert(g.name()).second, f + ".name", "a unique name",
             absl::StrCat("a second \"", g.name(), "\""));
  }

  proto::LinkConfig& link = *s.mutable_link();
  SCENARIO_DEFAULT(link, downlink_rate_bps, 1e6);
  SCENARIO_DEFAULT(link, uplink_rate_bps, 256e3);
  SCENARIO_DEFAULT(link, chunk_bytes, 16 * 1024);
  c.Positive(link.downlink_rate_bps(), "link.downlink_rate_bps");
  c.Positive(link.uplink_rate_bps(), "link.uplink_rate_bps");
  c.InRange(link.chunk_bytes(), 256, 4 << 20, "link.chunk_bytes",
            "a chunk size in bytes");
  c.InRange(link.pass_outage_probability(), 0, 1,
            "link.pass_outage_probability", "a probability");
  if (!link.has_backhaul_delay_s()) link.set_backhaul_delay_s(0.05);
  c.InRange(link.backhaul_delay_s(), 0, 3600, "link.backhaul_delay_s",
            "a delay in seconds");
  proto::IslConfig& isl = *link.mutable_isl();
  Default<std::string>(isl.mutable_topology(), "none");
  SCENARIO_DEFAULT(isl, rate_bps, 100e6);
  SCENARIO_DEFAULT(isl, max_range_km, 5000);
  if (!isl.has_relay()) isl.set_relay(isl.topology() != "none");
  if (!isl.has_share_models()) isl.set_share_models(isl.topology() != "none");
  c.Expect(isl.topology() == "none" || isl.topology() == "same_plane" ||
               isl.topology() == "plus_grid" || isl.topology() == "any",
           "link.isl.topology", "one of: none, same_plane, plus_grid, any",
           absl::StrCat("\"", isl.topology(), "\""));
  c.Expect(isl.topology() == "none" || isl.topology() == "any" ||
               !s.constellation().has_tle_file(),
           "link.isl.topology",
           "\"any\" or \"none\" for a TLE constellation (planes and slots "
           "are known for Walker shells only)",
           absl::StrCat("\"", isl.topology(), "\""));
  c.Positive(isl.rate_bps(), "link.isl.rate_bps");
  c.InRange(isl.max_range_km(), 1, 100000, "link.isl.max_range_km",
            "a range in km");

  proto::WorldConfig& world = *s.mutable_world();
  Default<std::string>(world.mutable_earth_image(),
                       "/usr/share/xplanet/images/earth.jpg");
  Default<std::string>(world.mutable_night_image(),
                       "/usr/share/xplanet/images/night.jpg");
  SCENARIO_DEFAULT(world, tile_pixels, 32);
  c.Expect(world.gsd_m() == 0 || world.tile_km() == 0, "world.tile_km",
           "either world.gsd_m or world.tile_km, not both",
           absl::StrCat(world.tile_km(), " with gsd_m ", world.gsd_m()));
  if (world.gsd_m() == 0 && world.tile_km() != 0 && world.tile_pixels() > 0) {
    world.set_gsd_m(world.tile_km() * 1000.0 / world.tile_pixels());
  }
  world.set_tile_km(0);
  SCENARIO_DEFAULT(world, gsd_m, 30.0);
  if (!world.has_noise_stddev()) world.set_noise_stddev(0.01);
  if (!world.has_cloud_cover()) world.set_cloud_cover(1.0);
  SCENARIO_DEFAULT(world, cloud_evolution_h, 6.0);
  SCENARIO_DEFAULT(world, dirichlet_alpha, 0.5);
  SCENARIO_DEFAULT(world, eurosat_test_fraction, 0.2);
  c.InRange(world.dirichlet_alpha(), 1e-6, 1e6, "world.dirichlet_alpha",
            "a Dirichlet concentration > 0");
  c.InRange(world.eurosat_test_fraction(), 0.01, 0.99,
            "world.eurosat_test_fraction", "a fraction of the tiles");
  c.InRange(world.eurosat_max_tiles_per_class(), 0, 10000000,
            "world.eurosat_max_tiles_per_class", "a tile count (0: all)");
  c.Expect(world.tile_pixels() >= 8 && world.tile_pixels() <= 256 &&
               world.tile_pixels() % 4 == 0,
           "world.tile_pixels", "a multiple of 4 in [8, 256]",
           absl::StrCat(world.tile_pixels()));
  c.InRange(world.gsd_m(), 0.1, 100000, "world.gsd_m",
            "a ground sample distance in metres");
  c.InRange(world.noise_stddev(), 0, 1, "world.noise_stddev",
            "a reflectance standard deviation");
  c.InRange(world.cloud_cover(), 0, 2, "world.cloud_cover",
            "a scale of the climatological cloud cover");
  c.InRange(world.cloud_evolution_h(), 0.01, 1000, "world.cloud_evolution_h",
            "hours");

  proto::SensorConfig& sensor = *s.mutable_sensor();
  SCENARIO_DEFAULT(sensor, capture_interval_s, 60.0);
  if (!sensor.has_min_sun_elevation_deg()) sensor.set_min_sun_elevation_deg(10);
  SCENARIO_DEFAULT(sensor, max_tiles, 2000);
  if (!sensor.has_max_cloud_fraction()) sensor.set_max_cloud_fraction(0.2);
  if (!sensor.has_cloudy_fraction()) sensor.set_cloudy_fraction(0.5);
  c.InRange(sensor.max_cloud_fraction(), 0, 1, "sensor.max_cloud_fraction",
            "a fraction");
  c.InRange(sensor.cloudy_fraction(), 0, 1, "sensor.cloudy_fraction",
            "a fraction");
  c.InRange(sensor.capture_interval_s(), 1, 86400, "sensor.capture_interval_s",
            "seconds between captures");
  c.InRange(sensor.min_sun_elevation_deg(), -90, 90,
            "sensor.min_sun_elevation_deg", "a Sun elevation in degrees");
  c.InRange(sensor.max_tiles(), 1, 1000000, "sensor.max_tiles",
            "a tile count");

  proto::TrainingConfig& train = *s.mutable_training();
  SCENARIO_DEFAULT(train, local_steps, 20);
  SCENARIO_DEFAULT(train, batch_size, 32);
  SCENARIO_DEFAULT(train, learning_rate, 0.05);

  SCENARIO_DEFAULT(train, min_tiles, 64);
  Default<std::string>(train.mutable_task(), "landcover");
  Default<std::string>(train.mutable_model(), "small_cnn");
  SCENARIO_DEFAULT(train, encoder_pretrain_tiles, 2000);
  SCENARIO_DEFAULT(train, encoder_pretrain_steps, 500);
  c.InRange(train.min_retrain_interval_s(), 0, 1e7,
            "training.min_retrain_interval_s", "seconds (0: no limit)");
  c.InRange(train.encoder_pretrain_tiles(), 8, 1000000,
            "training.encoder_pretrain_tiles", "a tile count");
  c.InRange(train.encoder_pretrain_steps(), 1, 1000000,
            "training.encoder_pretrain_steps", "a step count");
  c.Expect(train.task() == "landcover" || train.task() == "cloud",
           "training.task", "one of: landcover, cloud",
           absl::StrCat("\"", train.task(), "\""));
  c.Expect(train.model() == "small_cnn" || train.model() == "resnet" ||
               train.model() == "encoder_head",
           "training.model", "one of: small_cnn, resnet, encoder_head",
           absl::StrCat("\"", train.model(), "\""));
  c.InRange(train.local_steps(), 1, 100000, "training.local_steps",
            "a step count");
  c.InRange(train.batch_size(), 1, 4096, "training.batch_size", "a batch size");
  c.InRange(train.learning_rate(), 1e-9, 10, "training.learning_rate",
            "a learning rate");
  c.Expect(train.onboard_flops() >= 0, "training.onboard_flops",
           "FLOP/s > 0, or 0 for the device profile's",
           absl::StrCat(train.onboard_flops()));

  proto::ComputeConfig& compute = *s.mutable_compute();
  Default<std::string>(compute.mutable_device(), "ion_scv");
  SCENARIO_DEFAULT(compute, battery_wh, 100.0);
  SCENARIO_DEFAULT(compute, solar_w, 60.0);
  SCENARIO_DEFAULT(compute, bus_load_w, 20.0);
  if (!compute.has_min_charge()) compute.set_min_charge(0.3);
  if (!compute.has_initial_charge()) compute.set_initial_charge(1.0);
  // The names are checked by the libraries that own them.
  c.Expect(node::FindComputeProfile(compute.device()).ok(), "compute.device", "one of: ion_scv, embedded_gpu, mcu",
           absl::StrCat("\"", compute.device(), "\""));
  c.InRange(compute.battery_wh(), 1e-3, 1e6, "compute.battery_wh",
            "a battery capacity in Wh");
  c.InRange(compute.solar_w(), 0, 1e6, "compute.solar_w", "watts");
  c.InRange(compute.bus_load_w(), 0, 1e6, "compute.bus_load_w", "watts");
  c.InRange(compute.min_charge(), 0, 1, "compute.min_charge",
            "a state of charge in [0, 1]");
  c.InRange(compute.initial_charge(), 0, 1, "compute.initial_charge",
            "a state of charge in [0, 1]");

  proto::RadiationConfig& rad = *s.mutable_radiation();
  SCENARIO_DEFAULT(rad, saa_multiplier, 30.0);
  SCENARIO_DEFAULT(rad, polar_multiplier, 4.0);
  Default<std::string>(rad.mutable_protection(), "none");
  c.InRange(rad.upsets_per_bit_per_day(), 0, 1, "radiation.upsets_per_bit_per_day",
            "a rate per bit per day");
  c.InRange(rad.saa_multiplier(), 1, 1e4, "radiation.saa_multiplier",
            "a multiplier >= 1");
  c.InRange(rad.polar_multiplier(), 1, 1e4, "radiation.polar_multiplier",
            "a multiplier >= 1");
  c.Expect(node::ParseSeuProtection(rad.protection()).ok(),
           "radiation.protection", "one of: none, checksum",
           absl::StrCat("\"", rad.protection(), "\""));
  c.InRange(train.min_tiles(), 1, 1000000, "training.min_tiles",
            "a tile count");

  proto::FederationConfig& fed = *s.mutable_federation();
  Default<std::string>(fed.mutable_strategy(), "fedavg");
  Default<std::string>(fed.mutable_delta_codec(), "fp32");
  SCENARIO_DEFAULT(fed, topk_fraction, 0.01);
  c.Expect(proto::ParseDeltaCodec(fed.delta_codec()).ok(),
           "federation.delta_codec", "one of: fp32, fp16, int8, topk",
           absl::StrCat("\"", fed.delta_codec(), "\""));
  c.InRange(fed.topk_fraction(), 1e-6, 1, "federation.topk_fraction",
            "a fraction of each tensor's values");
  SCENARIO_DEFAULT(fed, round_deadline_s, 3 * 3600.0);
  SCENARIO_DEFAULT(fed, min_participants, 1);
  const std::set<std::string> strategies = {
      "fedavg", "fedprox", "fedasync", "fedbuff", "fedspace", "hierarchical"};
  c.Expect(strategies.count(fed.strategy()) > 0, "federation.strategy",
           "one of: fedavg, fedprox, fedasync, fedbuff, fedspace, hierarchical",
           absl::StrCat("\"", fed.strategy(), "\""));
  // Hierarchical: FedAvg on the ground over updates merged on board.
  if (!isl.has_aggregate_in_plane()) {
    isl.set_aggregate_in_plane(fed.strategy() == "hierarchical");
  }
  c.Expect(!isl.aggregate_in_plane() || isl.relay(),
           "link.isl.aggregate_in_plane",
           "inter-satellite links that relay updates (link.isl.topology "
           "other than \"none\", link.isl.relay true)",
           absl::StrCat("topology \"", isl.topology(), "\", relay ",
                        isl.relay() ? "true" : "false"));
  if (!train.has_proximal_mu()) {
    train.set_proximal_mu(fed.strategy() == "fedprox" ? 0.01 : 0);
  }
  c.InRange(train.proximal_mu(), 0, 1e6, "training.proximal_mu",
            "a proximal weight >= 0");
  c.InRange(fed.buffer_size(), 0, 1000000, "federation.buffer_size",
            "an update count (0: 10, or the satellite count when smaller)");
  c.InRange(fed.buffer_timeout_s(), 0, 1e7, "federation.buffer_timeout_s",
            "seconds (0: no limit)");
  Default<std::string>(fed.mutable_server_optimizer(), "sgd");
  c.Expect(fed.server_optimizer() == "sgd" ||
               fed.server_optimizer() == "momentum" ||
               fed.server_optimizer() == "adam",
           "federation.server_optimizer", "one of: sgd, momentum, adam",
           absl::StrCat("\"", fed.server_optimizer(), "\""));
  SCENARIO_DEFAULT(fed, server_lr, fed.server_optimizer() == "adam" ? 0.01 : 1);
  SCENARIO_DEFAULT(fed, server_momentum, 0.9);
  SCENARIO_DEFAULT(fed, adam_beta1, 0.9);
  SCENARIO_DEFAULT(fed, adam_beta2, 0.99);
  SCENARIO_DEFAULT(fed, adam_tau, 1e-3);
  c.InRange(fed.server_lr(), 1e-9, 1e3, "federation.server_lr",
            "a learning rate");
  c.InRange(fed.server_momentum(), 0, 0.999999, "federation.server_momentum",
            "a momentum in [0, 1)");
  c.InRange(fed.adam_beta1(), 0, 0.999999, "federation.adam_beta1",
            "a decay in [0, 1)");
  c.InRange(fed.adam_beta2(), 0, 0.999999, "federation.adam_beta2",
            "a decay in [0, 1)");
  c.InRange(fed.adam_tau(), 1e-12, 1, "federation.adam_tau",
            "a small positive constant");
  proto::DpConfig& dp = *fed.mutable_dp();
  c.InRange(dp.clip_norm(), 0, 1e9, "federation.dp.clip_norm",
            "an L2 norm (0: DP off)");
  if (!dp.has_noise_multiplier()) dp.set_noise_multiplier(1);
  SCENARIO_DEFAULT(dp, delta, 1e-5);
  c.InRange(dp.noise_multiplier(), 0, 1e6, "federation.dp.noise_multiplier",
            "a multiple of clip_norm");
  c.Expect(dp.delta() > 0 && dp.delta() < 1, "federation.dp.delta",
           "a probability in (0, 1)", absl::StrCat(dp.delta()));
  proto::RobustConfig& robust = *fed.mutable_robust();
  Default<std::string>(robust.mutable_rule(), "mean");
  if (!robust.has_trim_fraction()) robust.set_trim_fraction(0.1);
  c.Expect(robust.rule() == "mean" || robust.rule() == "median" ||
               robust.rule() == "trimmed_mean",
           "federation.robust.rule", "one of: mean, median, trimmed_mean",
           absl::StrCat("\"", robust.rule(), "\""));
  c.InRange(robust.trim_fraction(), 0, 0.4999999,
            "federation.robust.trim_fraction", "a share in [0, 0.5)");
  c.InRange(robust.clip_norm(), 0, 1e9, "federation.robust.clip_norm",
            "an L2 norm (0: off)");
  c.Expect(fed.strategy() != "fedasync" ||
               (robust.rule() == "mean" && robust.clip_norm() == 0 &&
                !robust.clip_to_median()),
           "federation.robust",
           "nothing with fedasync, which mixes one update at a time (use "
           "federation.dp.clip_norm to clip)",
           absl::StrCat("rule \"", robust.rule(), "\""));
  proto::AdversaryConfig& adversary = *s.mutable_adversary();
  if (adversary.satellites_size() > 0 || !adversary.kind().empty()) {
    c.Expect(adversary.kind() == "scale" || adversary.kind() == "sign_flip",
             "adversary.kind", "one of: scale, sign_flip",
             absl::StrCat("\"", adversary.kind(), "\""));
    if (!adversary.has_factor()) {
      adversary.set_factor(adversary.kind() == "scale" ? 10 : 1);
    }
    c.InRange(adversary.factor(), -1e6, 1e6, "adversary.factor",
              "a finite multiplier");
  }
  SCENARIO_DEFAULT(fed, fedspace_slot_s, 3600);
  c.InRange(fed.fedspace_slot_s(), 60, 1e7, "federation.fedspace_slot_s",
            "seconds");
  c.InRange(fed.fedspace_min_updates(), 0, 1000000,
            "federation.fedspace_min_updates",
            "an update count (0: a quarter of the satellites)");
  SCENARIO_DEFAULT(fed, fedasync_alpha, 0.6);
  if (!fed.has_staleness_exponent()) fed.set_staleness_exponent(0.5);
  c.InRange(fed.fedasync_alpha(), 1e-6, 1, "federation.fedasync_alpha",
            "a mixing weight in (0, 1]");
  c.InRange(fed.staleness_exponent(), 0, 100, "federation.staleness_exponent",
            "an exponent >= 0");
  c.Expect(fed.max_staleness() >= 0, "federation.max_staleness",
           "a version count >= 0 (0: any)", absl::StrCat(fed.max_staleness()));
  c.Positive(fed.round_deadline_s(), "federation.round_deadline_s");
  c.Expect(fed.min_participants() >= 1, "federation.min_participants",
           "at least 1", absl::StrCat(fed.min_participants()));

  proto::EvaluationConfig& eval = *s.mutable_evaluation();
  SCENARIO_DEFAULT(eval, test_tiles, 800);
  SCENARIO_DEFAULT(eval, target_accuracy, 0.6);
  c.InRange(eval.target_accuracy(), 1e-6, 1, "evaluation.target_accuracy",
            "an accuracy in (0, 1]");
  c.InRange(eval.interval_s(), 0, 1e7, "evaluation.interval_s",
            "seconds (0: after every aggregation)");
  c.InRange(eval.test_tiles(), 8, 1000000, "evaluation.test_tiles",
            "a tile count");
  return c.status();
}

namespace {

// `path` relative to the directory of `scenario_path` unless absolute.
std::string Resolve(const std::string& scenario_path, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const size_t slash = scenario_path.find_last_of('/');
  if (slash == std::string::npos) return path;
  return scenario_path.substr(0, slash + 1) + path;
}

}  // namespace

namespace {

absl::StatusOr<proto::Scenario> Parse(absl::string_view text,
                                      const std::string& filename, Env* env,
                                      bool finalize) {
  proto::Scenario scenario;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &scenario)) {
    return absl::InvalidArgumentError(
        absl::StrCat(filename, ": ", errors.message()));
  }
  if (scenario.name().empty()) {
    std::string stem = filename.substr(filename.find_last_of('/') + 1);
    scenario.set_name(stem.substr(0, stem.find('.')));
  }
  proto::Constellation& con = *scenario.mutable_constellation();
  if (con.has_tle_file()) con.set_tle_file(Resolve(filename, con.tle_file()));
  proto::WorldConfig& world = *scenario.mutable_world();
  world.set_eurosat_dir(Resolve(filename, world.eurosat_dir()));
  if (!scenario.stations_file().empty()) {
    scenario.set_stations_file(Resolve(filename, scenario.stations_file()));
    ORBITFL_ASSIGN_OR_RETURN(std::vector<proto::GroundStation> more,
                             LoadStationsCsv(scenario.stations_file(), env));
    for (proto::GroundStation& g : more) *scenario.add_stations() = std::move(g);
  }
  if (finalize) ORBITFL_RETURN_IF_ERROR(FinalizeScenario(scenario, filename));
  return scenario;
}

absl::StatusOr<proto::Scenario> Load(const std::string& path, Env* env,
                                     bool finalize) {
  absl::StatusOr<std::string> text = env->ReadFile(path);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(
          absl::StrCat("scenario file ", path, " does not exist"));
    }
    return text.status();
  }
  return Parse(*text, path, env, finalize);
}

}  // namespace

absl::StatusOr<proto::Scenario> ParseScenario(absl::string_view text,
                                              const std::string& filename,
                                              Env* env) {
  return Parse(text, filename, env, /*finalize=*/true);
}

absl::StatusOr<proto::Scenario> LoadScenario(const std::string& path,
                                             Env* env) {
  return Load(path, env, /*finalize=*/true);
}

absl::StatusOr<proto::Scenario> LoadScenarioUnfinalized(const std::string& path,
                                                        Env* env) {
  return Load(path, env, /*finalize=*/false);
}

}  // namespace orbitfl::sim
