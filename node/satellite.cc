#include "node/satellite.h"

#include <cmath>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/model.h"
#include "orbit/frames.h"
#include "orbit/sun.h"
#include "proto/crc32c.h"
#include "proto/tensor_util.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {

absl::StatusOr<std::unique_ptr<Satellite>> Satellite::Create(
    const SatelliteOptions& options) {
  if (options.orbit == nullptr ||
      (options.tiles == nullptr && options.preloaded == nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrCat("satellite ", options.name, ": no orbit or world"));
  }
  ORBITFL_RETURN_IF_ERROR(ValidateComputeProfile(options.compute));
  ORBITFL_RETURN_IF_ERROR(ValidateSeuOptions(options.radiation));
  const Misbehaviour& bad = options.misbehaviour;
  if (bad.kind != "none" && bad.kind != "scale" && bad.kind != "sign_flip") {
    return absl::InvalidArgumentError(absl::StrCat(
        "satellite ", options.name, ": misbehaviour \"", bad.kind,
        "\": expected one of: none, scale, sign_flip"));
  }
  if (!std::isfinite(bad.factor)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "satellite ", options.name, ": misbehaviour factor ", bad.factor,
        ": expected a finite number"));
  }
  std::unique_ptr<PowerSystem> power;
  if (options.power_model) {
    ORBITFL_ASSIGN_OR_RETURN(
        power, PowerSystem::Create(options.power, options.compute, options.epoch));
  }
  std::optional<Sensor> sensor;
  if (options.preloaded != nullptr) {
    sensor.emplace(
        Sensor::Preloaded(options.sensor, *options.preloaded, options.epoch));
  } else {
    ORBITFL_ASSIGN_OR_RETURN(sensor, Sensor::Create(options.sensor, options.orbit,
                                                    options.tiles, options.epoch));
  }
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<LocalTrainer> trainer,
                           LocalTrainer::Create(options.trainer));
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<proto::DeltaEncoder> encoder,
                           proto::DeltaEncoder::Create(options.codec));
  return std::unique_ptr<Satellite>(
      new Satellite(options, *std::move(sensor), std::move(trainer),
                    std::move(encoder), std::move(power)));
}

ComputeProfile DefaultComputeProfile() {
  absl::StatusOr<ComputeProfile> p = FindComputeProfile("ion_scv");
  return p.ok() ? *p : ComputeProfiles().front();
}

SeuOptions NoRadiation() {
  SeuOptions o;
  o.upsets_per_bit_per_day = 0;
  return o;
}

Satellite::Satellite(const SatelliteOptions& options, Sensor sensor,
                     std::unique_ptr<LocalTrainer> trainer,
                     std::unique_ptr<proto::DeltaEncoder> encoder,
                     std::unique_ptr<PowerSystem> power)
    : options_(options),
      trainer_(std::move(trainer)),
      encoder_(std::move(encoder)),
      sensor_(std::move(sensor)),
      power_(std::move(power)),
      radiation_clock_(options.epoch) {
  // Each satellite's own streams: seed_seq{seed, entity, stream}.
  std::seed_seq seq{options.seed, static_cast<uint64_t>(options.index),
                    uint64_t{1}};
  gen_.seed(seq);
  std::seed_seq rad{options.seed, static_cast<uint64_t>(options.index),
                    uint64_t{3}};
  radiation_gen_.seed(rad);
}

std::vector<Eclipse> Satellite::EclipsesBetween(absl::Time from,
                                                absl::Time to) const {
  // Sampled every 20 s: an eclipse edge is placed within 10 s, a few
  // watt-hours' worth of error over a day at most.
  constexpr absl::Duration kStep = absl::Seconds(20);
  std::vector<Eclipse> eclipses;
  auto shadowed = [&](absl::Time t) {
    return orbit::SatelliteIllumination(options_.orbit->Propagate(t).position_km,
                                        t) != orbit::Illumination::kSunlit;
  };
  bool in_shadow = shadowed(from);
  absl::Time edge = from;
  for (absl::Time t = from + kStep;; t += kStep) {
    const absl::Time at = std::min(t, to);
    const bool s = shadowed(at);
    if (s != in_shadow) {
      const absl::Time mid = at - kStep / 2 < from ? from : at - kStep / 2;
      if (in_shadow) eclipses.push_back({edge, mid});
      edge = mid;
      in_shadow = s;
    }
    if (at >= to) break;
  }
  if (in_shadow && to > edge) eclipses.push_back({edge, to});
  return eclipses;
}

absl::Status Satellite::ApplyRadiation(absl::Time t, proto::TrainReply& reply) {
  const SeuOptions& seu = options_.radiation;
  const absl::Time from = radiation_clock_;
  if (t <= from) return absl::OkStatus();
  radiation_clock_ = t;
  if (!model_ || seu.upsets_per_bit_per_day <= 0) return absl::OkStatus();
  // The rate along the ground track, sampled every minute.
  double sum = 0;
  int n = 0;
  for (absl::Time at = from; at <= t; at += absl::Minutes(1), ++n) {
    orbit::Geodetic g = orbit::EcefToGeodetic(
        orbit::InertialToEcef(options_.orbit->Propagate(at).position_km, at));
    sum += UpsetRateMultiplier(g.lat_rad * orbit::kRadToDeg,
                               g.lon_rad * orbit::kRadToDeg, seu);
  }
  ORBITFL_ASSIGN_OR_RETURN(
      const int64_t flips,
      InjectUpsets(t - from, sum / std::max(n, 1), seu, radiation_gen_,
                   model_->model()));
  const int repaired = model_->Scrub();
  upsets_ += flips;
  repaired_ += repaired;
  reply.set_upsets(flips);
  reply.set_tensors_repaired(repaired);
  return absl::OkStatus();
}

void Satellite::CaptureUntil(absl::Time t) { sensor_.CaptureUntil(t); }

absl::StatusOr<TrainResult> Satellite::LocalTraining() {
  const proto::Model& model = model_->model();
  const int64_t tiles = store().size();
  if (memo_ == nullptr) return trainer_->Train(model, store().tiles(), gen_);
  const uint32_t model_crc = proto::Crc32c(model.SerializeAsString());
  ORBITFL_ASSIGN_OR_RETURN(std::optional<proto::TrainingRecord> recorded,
                           memo_->Next());
  TrainResult result;
  if (recorded.has_value()) {
    const proto::TrainingRecord& r = *recorded;
    if (r.satellite() != options_.name || r.base_version() != model.version() ||
        r.model_crc32c() != model_crc || r.tiles() != tiles) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "the recorded training is %s's from v%d (model CRC %08x) on %d "
          "tiles, but %s now trains from v%d (model CRC %08x) on %d tiles: "
          "the record belongs to another run, scenario or build",
          r.satellite(), r.base_version(), r.model_crc32c(), r.tiles(),
          options_.name, model.version(), model_crc, tiles));
    }
    std::istringstream generator(r.generator());
    generator >> gen_;
    if (!result.delta.ParseFromString(r.delta()) || generator.fail()) {
      return absl::DataLossError(absl::StrCat(
          options_.name, ": a recorded training does not parse"));
    }
    result.mean_loss = r.mean_loss();
    result.flops = r.flops();
    return result;
  }
  ORBITFL_ASSIGN_OR_RETURN(result,
                           trainer_->Train(model, store().tiles(), gen_));
  proto::TrainingRecord r;
  r.set_satellite(options_.name);
  r.set_base_version(model.version());
  r.set_model_crc32c(model_crc);
  r.set_tiles(tiles);
  result.delta.SerializeToString(r.mutable_delta());
  r.set_mean_loss(result.mean_loss);
  r.set_flops(result.flops);
  std::ostringstream generator;
  generator << gen_;
  r.set_generator(generator.str());
  ORBITFL_RETURN_IF_ERROR(memo_->Record(r));
  return result;
}

absl::StatusOr<proto::TrainReply> Satellite::Train(absl::Time t) {
  CaptureUntil(t);
  proto::TrainReply reply;
  reply.set_tiles_stored(store().size());
  // A merged update waits to be sent, unless a newer model has come on
  // board since its base: then it is too old to be sent (the run fetches a
  // model only when the pending update would be refused) and training
  // replaces it.
  if (!update_bytes_.empty() && update_contributors_ > 1 &&
      (!model_ || update_base_version_ >= model_->model().version())) {
    reply.set_reason(absl::StrCat("holding an update merged from ",
                                  update_contributors_,
                                  " satellites until it is sent"));
    return reply;
  }
  if (!model_) {
    reply.set_reason("no global model on board yet");
    return reply;
  }
  if (store().size() < options_.min_tiles) {
    reply.set_reason(absl::StrCat("only ", store().size(), " tiles stored, ",
                                  options_.min_tiles, " needed"));
    return reply;
  }
  // Time on board from the computer's throughput; energy from the battery.
  const TrainerOptions& o = trainer_->options();
  const double flops = static_cast<double>(TrainingFlopsPerImage(o.spec)) *
                       o.local_steps * o.batch_size;
  const absl::Duration step = TrainingDuration(flops, options_.compute);
  std::vector<Eclipse> eclipses;
  if (power_ != nullptr) {
    if (t > power_->now()) {
      ORBITFL_RETURN_IF_ERROR(
          power_->AdvanceTo(t, EclipsesBetween(power_->now(), t)));
    }
    reply.set_state_of_charge(power_->state_of_charge());
    if (t < power_->now()) {
      reply.set_reason("the computer is still busy with the last step");
      return reply;
    }
    eclipses = EclipsesBetween(t, t + step);
    if (absl::Status can = power_->CheckCanTrain(step, eclipses); !can.ok()) {
      reply.set_power_limited(true);
      reply.set_reason(std::string(can.message()));
      return reply;
    }
  }
  ORBITFL_RETURN_IF_ERROR(ApplyRadiation(t, reply));
  ORBITFL_ASSIGN_OR_RETURN(TrainResult result, LocalTraining());
  if (power_ != nullptr) {
    ORBITFL_RETURN_IF_ERROR(power_->Train(step, eclipses));
    reply.set_state_of_charge(power_->state_of_charge());
  }
  result.delta.set_satellite(options_.name);
  if (options_.misbehaviour.kind != "none") {
    const float factor = static_cast<float>(
        options_.misbehaviour.kind == "sign_flip" ? -options_.misbehaviour.factor
                                                  : options_.misbehaviour.factor);
    for (proto::Tensor& t : *result.delta.mutable_tensors()) {
      std::vector<float> v = proto::ToFloats(t);
      for (float& x : v) x *= factor;
      proto::SetFloats(v, &t);
    }
  }
  ORBITFL_ASSIGN_OR_RETURN(proto::ModelDelta encoded,
                           encoder_->Encode(result.delta));
  update_bytes_.clear();
  encoded.SerializeToString(&update_bytes_);
  update_base_version_ = model_->model().version();
  update_acked_ = 0;
  update_contributors_ = 1;
  reply.set_trained(true);
  reply.set_base_version(update_base_version_);
  reply.set_num_samples(result.delta.num_samples());
  reply.set_train_loss(result.mean_loss);
  reply.set_onboard_seconds(absl::ToDoubleSeconds(step));
  reply.set_update_bytes(static_cast<int64_t>(update_bytes_.size()));
  return reply;
}

absl::StatusOr<bool> Satellite::ReceiveModelChunk(
    const proto::ModelChunk& chunk) {
  if (proto::Crc32c(chunk.data()) != chunk.crc32c()) {
    return absl::DataLossError(absl::StrCat(
        options_.name, ": CRC32C mismatch in model chunk at offset ",
        chunk.offset()));
  }
  if (chunk.version() != download_version_) {
    download_version_ = chunk.version();
    download_.clear();
  }
  if (chunk.offset() != static_cast<int64_t>(download_.size())) {
    return absl::OutOfRangeError(absl::StrCat(
        options_.name, ": model chunk at offset ", chunk.offset(),
        ", expected ", download_.size()));
  }
  download_.append(chunk.data());
  if (static_cast<int64_t>(download_.size()) < chunk.total_bytes()) {
    return false;
  }
  proto::Model model;
  if (!model.ParseFromString(download_)) {
    download_.clear();
    return absl::DataLossError(
        absl::StrCat(options_.name, ": received model does not parse"));
  }
  model_.emplace(std::move(model), options_.radiation.protection);
  download_.clear();
  download_version_ = -1;
  return true;
}

absl::StatusOr<bool> Satellite::InstallModel(const std::string& bytes) {
  proto::Model model;
  if (!model.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat(
        options_.name, ": model received from a peer does not parse"));
  }
  if (model.version() <= model_version()) return false;
  // Refused at the link, not at the next training, and never passed on.
  ORBITFL_RETURN_IF_ERROR(trainer_->CheckModel(
      model, absl::StrCat(options_.name, ": a peer's model v",
                          model.version())));
  model_.emplace(std::move(model), options_.radiation.protection);
  download_.clear();
  download_version_ = -1;
  return true;
}

std::string Satellite::ModelBytes() const {
  return model_ ? model_->model().SerializeAsString() : std::string();
}

int64_t Satellite::trainable_parameters() const {
  return TrainableParameterCount(options_.trainer.spec);
}

std::string Satellite::update_transfer_id() const {
  return absl::StrCat(options_.name, "@v", update_base_version_);
}

void Satellite::AcknowledgeUpdate(int64_t acked_bytes, bool complete) {
  update_acked_ = acked_bytes;
  if (complete) {
    update_bytes_.clear();
    update_base_version_ = -1;
    update_acked_ = 0;
    update_contributors_ = 1;
  }
}

void Satellite::SetUpdate(std::string bytes, int64_t base_version,
                          int contributors) {
  update_bytes_ = std::move(bytes);
  update_base_version_ = base_version;
  update_acked_ = 0;
  update_contributors_ = contributors;
}

void Satellite::DropUpdateOlderThan(int64_t min_base_version) {
  if (!update_bytes_.empty() && update_base_version_ < min_base_version) {
    AcknowledgeUpdate(0, /*complete=*/true);
  }
}

proto::NodeStatus Satellite::Status() const {
  proto::NodeStatus s;
  s.set_satellite(options_.name);
  s.set_model_version(model_version());
  s.set_downloading_version(download_version_);
  s.set_downloaded_bytes(downloaded_bytes());
  s.set_has_update(!update_bytes_.empty());
  s.set_update_base_version(update_base_version_);
  s.set_update_bytes(static_cast<int64_t>(update_bytes_.size()));
  s.set_update_acked_bytes(update_acked_);
  s.set_tiles_stored(store().size());
  return s;
}

}  // namespace orbitfl::node
