#ifndef ORBITFL_NODE_SATELLITE_H_
#define ORBITFL_NODE_SATELLITE_H_

// One satellite's on-board software, independent of the wire: the sensor
// (tiles under the ground track, in daylight, into finite storage), the
// local trainer, and the buffers of the model being received and the update
// being sent. The SatelliteNode gRPC service (node_service.h) drives it.

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/power.h"
#include "node/radiation.h"
#include "node/sensor.h"
#include "node/tile_store.h"
#include "node/training_memo.h"
#include "node/trainer.h"
#include "orbit/propagator.h"
#include "proto/delta_codec.h"
#include "proto/services.pb.h"
#include "proto/tensor.pb.h"
#include "sim/world/tile.h"

namespace orbitfl::node {

// The flight computer that trained the first model in orbit.
ComputeProfile DefaultComputeProfile();
// SEU options with a zero rate.
SeuOptions NoRadiation();

// A faulty or malicious satellite: what it does to each delta it trains
// before encoding it (robust-aggregation experiments).
struct Misbehaviour {
  // "none" (default), "scale" (the delta times `factor`) or "sign_flip"
  // (the delta times -`factor`).
  std::string kind = "none";
  double factor = 1;
};

struct SatelliteOptions {
  std::string name;
  // Not owned; must outlive the satellite.
  const orbit::Propagator* orbit = nullptr;
  const world::TileSynthesizer* tiles = nullptr;
  // Real data instead of the world: this satellite's share of a dataset,
  // on board from the epoch (`tiles` is then unused).
  const TileDataset* preloaded = nullptr;
  absl::Time epoch;  // first capture instant
  SensorOptions sensor;
  TrainerOptions trainer;
  // The on-board computer: its training FLOP/s set how long a step takes
  // in simulated time, its power draws on the battery.
  ComputeProfile compute = DefaultComputeProfile();
  // Solar array, battery and bus. With `power_model` off the satellite
  // trains whenever it has a model and tiles.
  bool power_model = true;
  PowerOptions power;
  // Single-event upsets in the on-board model's memory (off when the rate
  // is 0), and whether the model is scrubbed against checksums.
  SeuOptions radiation = NoRadiation();
  int min_tiles = 64;          // tiles needed before training
  // How the update travels: fp32, or fp16/int8/top-k with error feedback
  // (the residual stays on board for the next round).
  proto::CodecOptions codec;
  uint64_t seed = 0;           // scenario seed
  int index = 0;               // satellite index, for its random stream
  Misbehaviour misbehaviour;
};

class Satellite {
 public:
  static absl::StatusOr<std::unique_ptr<Satellite>> Create(
      const SatelliteOptions& options);

  // Captures every tile due in (last capture, t].
  void CaptureUntil(absl::Time t);
  // Captures up to t, then trains from the held model into a pending
  // update. Not an error when it cannot train yet (no model, too few
  // tiles): the reply says why.
  absl::StatusOr<proto::TrainReply> Train(absl::Time t);

  // Model reception: bytes arrive in order; a chunk of another version
  // restarts the download. Returns true when the model is complete.
  absl::StatusOr<bool> ReceiveModelChunk(const proto::ModelChunk& chunk);
  // A whole serialised model from a peer over an inter-satellite link:
  // installed (and any partial download dropped) when newer than the one
  // on board; returns whether it was. DataLoss when it does not parse,
  // InvalidArgument naming the tensor when it is not the model this
  // satellite trains.
  absl::StatusOr<bool> InstallModel(const std::string& bytes);
  // The model on board, serialised; empty without one.
  std::string ModelBytes() const;
  // The model on board; null without one.
  const proto::Model* model() const {
    return model_ ? &model_->model() : nullptr;
  }
  // Values in the model it trains (what travels), with or without one on
  // board.
  int64_t trainable_parameters() const;
  // The pending update, serialised, and how far it has been acknowledged.
  const std::string& update_bytes() const { return update_bytes_; }
  int64_t update_base_version() const { return update_base_version_; }
  int64_t update_acked() const { return update_acked_; }
  std::string update_transfer_id() const;
  // Records the aggregator's acknowledgement; a complete one clears the
  // pending update.
  void AcknowledgeUpdate(int64_t acked_bytes, bool complete);
  // Replaces the pending update (e.g. by one merged on board from several
  // satellites'), none of it acknowledged yet. Until an update speaking
  // for more than one satellite is sent, Train refuses to replace it (but
  // not once a newer model than its base is on board: it is stale then).
  void SetUpdate(std::string bytes, int64_t base_version, int contributors);
  // Drops a pending update the aggregator would refuse as too old.
  void DropUpdateOlderThan(int64_t min_base_version);

  // Where local training results are recorded and, while rebuilding a
  // history, replayed from (not owned; nullptr: none).
  void set_training_memo(TrainingMemo* memo) { memo_ = memo; }

  proto::NodeStatus Status() const;
  const std::string& name() const { return options_.name; }
  int64_t model_version() const {
    return model_ ? model_->model().version() : -1;
  }
  // The power system, or null without a power model.
  const PowerSystem* power() const { return power_.get(); }
  // Bits flipped in the on-board model so far, and tensors repaired.
  int64_t upsets() const { return upsets_; }
  int64_t repaired() const { return repaired_; }
  int64_t downloading_version() const { return download_version_; }
  int64_t downloaded_bytes() const {
    return static_cast<int64_t>(download_.size());
  }
  const TileStore& store() const { return sensor_.store(); }
  const Sensor& sensor() const { return sensor_; }

 private:
  Satellite(const SatelliteOptions& options, Sensor sensor,
            std::unique_ptr<LocalTrainer> trainer,
            std::unique_ptr<proto::DeltaEncoder> encoder,
            std::unique_ptr<PowerSystem> power);
  // Flips bits of the held model for the time since the last call (at the
  // ground track's mean upset rate), then scrubs it when protected.
  absl::Status ApplyRadiation(absl::Time t, proto::TrainReply& reply);
  // The trainer's result from the model on board: replayed from the memo
  // while it has records, else trained (and recorded).
  absl::StatusOr<TrainResult> LocalTraining();
  // Eclipses of this satellite's orbit in [from, to).
  std::vector<Eclipse> EclipsesBetween(absl::Time from, absl::Time to) const;

  SatelliteOptions options_;
  std::unique_ptr<LocalTrainer> trainer_;
  std::unique_ptr<proto::DeltaEncoder> encoder_;
  TrainingMemo* memo_ = nullptr;
  Sensor sensor_;
  std::mt19937_64 gen_;  // this satellite's mini-batch stream
  std::optional<ProtectedModel> model_;
  std::unique_ptr<PowerSystem> power_;
  std::mt19937_64 radiation_gen_;  // this satellite's upset stream
  absl::Time radiation_clock_;     // upsets applied up to here
  int64_t upsets_ = 0;
  int64_t repaired_ = 0;
  int64_t download_version_ = -1;  // -1: no download in progress
  std::string download_;
  std::string update_bytes_;
  int64_t update_base_version_ = -1;
  int64_t update_acked_ = 0;
  // Satellites the pending update speaks for (1 unless merged on board).
  int update_contributors_ = 1;
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_SATELLITE_H_
