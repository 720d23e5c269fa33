#include "node/satellite.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "orbit/frames.h"
#include "orbit/sun.h"
#include "proto/crc32c.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {

absl::StatusOr<std::unique_ptr<Satellite>> Satellite::Create(
    const SatelliteOptions& options) {
  if (options.orbit == nullptr || options.tiles == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("satellite ", options.name, ": no orbit or world"));
  }
  if (!(options.onboard_flops > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("training.onboard_flops: expected > 0, got ",
                     options.onboard_flops));
  }
  ORBITFL_ASSIGN_OR_RETURN(
      Sensor sensor,
      Sensor::Create(options.sensor, options.orbit, options.tiles, options.epoch));
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<LocalTrainer> trainer,
                           LocalTrainer::Create(options.trainer));
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<proto::DeltaEncoder> encoder,
                           proto::DeltaEncoder::Create(options.codec));
  return std::unique_ptr<Satellite>(new Satellite(
      options, std::move(sensor), std::move(trainer), std::move(encoder)));
}

Satellite::Satellite(const SatelliteOptions& options, Sensor sensor,
                     std::unique_ptr<LocalTrainer> trainer,
                     std::unique_ptr<proto::DeltaEncoder> encoder)
    : options_(options),
      trainer_(std::move(trainer)),
      encoder_(std::move(encoder)),
      sensor_(std::move(sensor)) {
  // Each satellite's own stream: seed_seq{seed, entity, stream}.
  std::seed_seq seq{options.seed, static_cast<uint64_t>(options.index),
                    uint64_t{1}};
  gen_.seed(seq);
}

void Satellite::CaptureUntil(absl::Time t) { sensor_.CaptureUntil(t); }

absl::StatusOr<proto::TrainReply> Satellite::Train(absl::Time t) {
  CaptureUntil(t);
  proto::TrainReply reply;
  reply.set_tiles_stored(store().size());
  if (!model_) {
    reply.set_reason("no global model on board yet");
    return reply;
  }
  if (store().size() < options_.min_tiles) {
    reply.set_reason(absl::StrCat("only ", store().size(), " tiles stored, ",
                                  options_.min_tiles, " needed"));
    return reply;
  }
  ORBITFL_ASSIGN_OR_RETURN(TrainResult result,
                           trainer_->Train(*model_, store().tiles(), gen_));
  result.delta.set_satellite(options_.name);
  ORBITFL_ASSIGN_OR_RETURN(proto::ModelDelta encoded,
                           encoder_->Encode(result.delta));
  update_bytes_.clear();
  encoded.SerializeToString(&update_bytes_);
  update_base_version_ = model_->version();
  update_acked_ = 0;
  reply.set_trained(true);
  reply.set_base_version(update_base_version_);
  reply.set_num_samples(result.delta.num_samples());
  reply.set_train_loss(result.mean_loss);
  reply.set_onboard_seconds(static_cast<double>(result.flops) /
                            options_.onboard_flops);
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
  model_ = std::move(model);
  download_.clear();
  download_version_ = -1;
  return true;
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
  }
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
