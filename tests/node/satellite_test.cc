// A satellite on a real orbit over the real Earth map, and the SatelliteNode
// service streaming to a real Aggregator service over in-process gRPC.

#include "node/satellite.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "aggregator/aggregator.h"
#include "aggregator/fedavg.h"
#include "aggregator/service.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "node/model.h"
#include "node/node_service.h"
#include "orbit/frames.h"
#include "orbit/sun.h"
#include "proto/crc32c.h"
#include "proto/tensor_util.h"
#include "sim/world/clouds.h"
#include "sim/world/land_cover.h"
#include "sim/world/tile.h"
#include "tests/status_matchers.h"

namespace orbitfl::node {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kEpoch = absl::FromUnixSeconds(1774000000);  // 2026-03-20

class SatelliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    orbit::KeplerElements e;
    e.epoch = kEpoch;
    e.semi_major_axis_km = orbit::kEarthEquatorialRadiusKm + 550;
    e.inclination_rad = 97.6 * orbit::kDegToRad;
    auto p = orbit::J2Propagator::Create(e);
    ASSERT_THAT(p, IsOk());
    orbit_ = std::move(p).value();
    auto map = world::LandCoverMap::Create(world::kDefaultEarthImage);
    ASSERT_THAT(map, IsOk());
    map_ = std::move(map).value();
    clouds_ = std::make_unique<world::CloudField>(map_.get(),
                                                  world::CloudOptions{}, 1);
    world::TileOptions t;
    t.pixels = 16;
    tiles_ = std::make_unique<world::TileSynthesizer>(map_.get(), clouds_.get(),
                                                      t, 1);
  }

  SatelliteOptions Options() const {
    SatelliteOptions o;
    o.name = "sat-a";
    o.orbit = orbit_.get();
    o.tiles = tiles_.get();
    o.epoch = kEpoch;
    o.trainer.spec.pixels = 16;
    o.trainer.spec.num_classes = world::kNumLandCoverClasses;
    o.trainer.local_steps = 5;
    o.trainer.batch_size = 8;
    o.min_tiles = 16;
    o.compute.training_flops_per_s = 1e9;
    return o;
  }

  // A FedAvg aggregator expecting `expected_participants` behind its
  // service, and a NodeService hosting `satellites` whose peers are the
  // node's own server, over in-process gRPC; stub_ calls the node.
  void StartServices(int expected_participants,
                     const std::vector<std::string>& satellites) {
    aggregator::FedAvgOptions f;
    f.expected_participants = expected_participants;
    aggregator::AggregatorOptions a;
    a.initial = *InitialModel(Options().trainer.spec, 3);
    a.start = kEpoch;
    auto agg =
        aggregator::Aggregator::Create(a, *aggregator::FedAvg::Create(f));
    ASSERT_THAT(agg, IsOk());
    aggregator_ = std::move(agg).value();
    aggregator_service_ =
        std::make_unique<aggregator::AggregatorService>(aggregator_.get(), 256);
    grpc::ServerBuilder agg_builder;
    agg_builder.RegisterService(aggregator_service_.get());
    aggregator_server_ = agg_builder.BuildAndStart();

    node_ = std::make_unique<NodeService>(
        aggregator_server_->InProcessChannel(grpc::ChannelArguments()), 256);
    for (const std::string& name : satellites) {
      SatelliteOptions o = Options();
      o.name = name;
      node_->Host(*Satellite::Create(o));
    }
    grpc::ServerBuilder node_builder;
    node_builder.RegisterService(node_.get());
    node_server_ = node_builder.BuildAndStart();
    node_->SetPeerChannel(
        node_server_->InProcessChannel(grpc::ChannelArguments()));
    stub_ = proto::SatelliteNode::NewStub(
        node_server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (node_server_ != nullptr) node_server_->Shutdown();
    if (aggregator_server_ != nullptr) aggregator_server_->Shutdown();
  }

  std::unique_ptr<orbit::J2Propagator> orbit_;
  std::unique_ptr<world::LandCoverMap> map_;
  std::unique_ptr<world::CloudField> clouds_;
  std::unique_ptr<world::TileSynthesizer> tiles_;
  // Set by StartServices. Each server is declared after the service it
  // runs, so that it is destroyed first.
  std::unique_ptr<aggregator::Aggregator> aggregator_;
  std::unique_ptr<aggregator::AggregatorService> aggregator_service_;
  std::unique_ptr<grpc::Server> aggregator_server_;
  std::unique_ptr<NodeService> node_;
  std::unique_ptr<grpc::Server> node_server_;
  std::unique_ptr<proto::SatelliteNode::Stub> stub_;

  // Hands `delta` over to sat-a as a peer would over an inter-satellite
  // link, as transfer ORIGIN@vBASE.
  void HandOver(const proto::ModelDelta& delta) {
    const std::string bytes = delta.SerializeAsString();
    grpc::ClientContext ctx;
    proto::UploadAck ack;
    auto writer = stub_->AcceptRelay(&ctx, &ack);
    proto::UpdateChunk chunk;
    chunk.set_transfer_id(
        absl::StrCat(delta.satellite(), "@v", delta.base_version()));
    chunk.set_satellite(delta.satellite());
    chunk.set_base_version(delta.base_version());
    chunk.set_holder("sat-a");
    chunk.set_total_bytes(static_cast<int64_t>(bytes.size()));
    chunk.set_hops(1);
    for (size_t at = 0; at < bytes.size(); at += 4096) {
      chunk.set_offset(static_cast<int64_t>(at));
      chunk.set_data(bytes.substr(at, 4096));
      chunk.set_crc32c(proto::Crc32c(chunk.data()));
      writer->Write(chunk);
    }
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    ASSERT_TRUE(ack.complete());
  }
};

TEST_F(SatelliteTest, CapturesOnlyInDaylightAtItsCadence) {
  SatelliteOptions all = Options();
  all.sensor.min_sun_elevation_deg = -90;  // day and night
  all.sensor.task.max_cloud_fraction = 1;  // no cloud screening
  auto always = Satellite::Create(all);
  ASSERT_THAT(always, IsOk());
  (*always)->CaptureUntil(kEpoch + absl::Hours(6));
  EXPECT_EQ((*always)->store().captured(), 6 * 60 + 1);

  SatelliteOptions day = Options();  // Sun at least 10 deg up
  day.sensor.task.max_cloud_fraction = 1;
  auto sat = Satellite::Create(day);
  ASSERT_THAT(sat, IsOk());
  (*sat)->CaptureUntil(kEpoch + absl::Hours(3));
  (*sat)->CaptureUntil(kEpoch + absl::Hours(6));  // no capture twice
  int expected = 0;
  for (int k = 0; k <= 6 * 60; ++k) {
    const absl::Time t = kEpoch + absl::Minutes(k);
    orbit::Geodetic g = orbit::EcefToGeodetic(
        orbit::InertialToEcef(orbit_->Propagate(t).position_km, t));
    g.alt_km = 0;
    expected += orbit::SunElevationRad(g, t) >= 10 * orbit::kDegToRad;
  }
  EXPECT_EQ((*sat)->store().captured(), expected);
  EXPECT_EQ((*sat)->sensor().dark(), 6 * 60 + 1 - expected);
  EXPECT_GT(expected, 6 * 60 / 4);
  EXPECT_LT(expected, 6 * 60 * 3 / 4);
  // Every stored tile was taken with the Sun at least 10 deg up, and says
  // where and when.
  for (const TileMeta& m : (*sat)->store().meta()) {
    EXPECT_GE(m.sun_elevation_deg, 9.5);
    EXPECT_GE(m.time, kEpoch);
    EXPECT_LE(m.time, kEpoch + absl::Hours(6));
  }

  // Land cover screens out cloudy tiles on board: the same daylight
  // captures, split between stored and screened.
  auto screening = Satellite::Create(Options());
  ASSERT_THAT(screening, IsOk());
  (*screening)->CaptureUntil(kEpoch + absl::Hours(6));
  const int64_t stored = (*screening)->store().captured();
  EXPECT_EQ(stored + (*screening)->sensor().screened(), expected);
  EXPECT_GT((*screening)->sensor().screened(), expected / 5);
  EXPECT_GT(stored, 0);
  for (const TileMeta& m : (*screening)->store().meta()) {
    EXPECT_LE(m.cloud_fraction, 0.2);
  }
}

TEST_F(SatelliteTest, CannotTrainWithoutAModelAndRefusesCorruptChunks) {
  auto sat = Satellite::Create(Options());
  auto reply = (*sat)->Train(kEpoch + absl::Hours(2));
  ASSERT_THAT(reply, IsOk());
  EXPECT_FALSE(reply->trained());
  EXPECT_THAT(reply->reason(), HasSubstr("no global model"));
  proto::ModelChunk chunk;
  chunk.set_version(0);
  chunk.set_total_bytes(10);
  chunk.set_data("0123456789");
  chunk.set_crc32c(proto::Crc32c(chunk.data()) ^ 1);
  EXPECT_THAT((*sat)->ReceiveModelChunk(chunk),
              StatusIs(absl::StatusCode::kDataLoss, "CRC32C"));
  SatelliteOptions bad = Options();
  bad.compute.training_flops_per_s = 0;
  EXPECT_FALSE(Satellite::Create(bad).ok());
}

// Hands `sat` the initial model in one chunk.
void GiveModel(Satellite& sat, const ModelSpec& spec) {
  proto::ModelChunk chunk;
  chunk.set_version(0);
  ASSERT_TRUE(InitialModel(spec, 3)->SerializeToString(chunk.mutable_data()));
  chunk.set_total_bytes(static_cast<int64_t>(chunk.data().size()));
  chunk.set_crc32c(proto::Crc32c(chunk.data()));
  ASSERT_THAT(sat.ReceiveModelChunk(chunk), IsOk());
}

TEST_F(SatelliteTest, TrainsOnlyWithEnoughChargeAndSunRecharges) {
  SatelliteOptions o = Options();
  o.power.initial_state_of_charge = 0.25;  // below the 30% floor
  o.power.battery_capacity_wh = 20;
  auto sat = Satellite::Create(o);
  ASSERT_THAT(sat, IsOk());
  GiveModel(**sat, o.trainer.spec);
  auto refused = (*sat)->Train(kEpoch + absl::Hours(2));
  ASSERT_THAT(refused, IsOk());
  // Two hours in: the array (60 W in sunlight) has long refilled the
  // 20 Wh battery against the 30 W of bus and idle computer... unless
  // eclipses intervene; either way the reply reports the charge.
  EXPECT_GT(refused->state_of_charge(), 0.0);
  const PowerSystem* power = (*sat)->power();
  ASSERT_NE(power, nullptr);
  const EnergyLedger& l = power->ledger();
  EXPECT_NEAR(l.harvested_wh - l.bus_wh - l.training_wh - l.wasted_wh,
              power->charge_wh() - power->initial_charge_wh(), 1e-6);
  EXPECT_GT(l.harvested_wh, 0);

  // A battery kept below the floor by a load the array cannot cover never
  // lets the satellite train.
  o.power.solar_power_w = 1;
  auto starved = Satellite::Create(o);
  ASSERT_THAT(starved, IsOk());
  GiveModel(**starved, o.trainer.spec);
  auto r = (*starved)->Train(kEpoch + absl::Hours(2));
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->trained());
  EXPECT_THAT(r->reason(), HasSubstr("charge"));
  EXPECT_LT(r->state_of_charge(), 0.3);

  // Without the power model the same satellite trains.
  o.power_model = false;
  auto unlimited = Satellite::Create(o);
  GiveModel(**unlimited, o.trainer.spec);
  auto ok = (*unlimited)->Train(kEpoch + absl::Hours(2));
  ASSERT_THAT(ok, IsOk());
  EXPECT_TRUE(ok->trained()) << ok->reason();
}

TEST_F(SatelliteTest, UpsetsCorruptTheModelUnlessScrubbed) {
  // An accelerated rate: thousands of flips in the model over two hours.
  auto run = [&](double rate, SeuProtection protection) {
    SatelliteOptions o = Options();
    o.power_model = false;
    o.radiation.upsets_per_bit_per_day = rate;
    o.radiation.protection = protection;
    auto sat = Satellite::Create(o);
    EXPECT_THAT(sat, IsOk());
    GiveModel(**sat, o.trainer.spec);
    auto r = (*sat)->Train(kEpoch + absl::Hours(2));
    EXPECT_THAT(r, IsOk());
    EXPECT_TRUE(r->trained()) << r->reason();
    return std::make_pair(std::move(*sat), *r);
  };
  auto [clean, clean_reply] = run(0, SeuProtection::kNone);
  auto [hit, hit_reply] = run(1e-2, SeuProtection::kNone);
  auto [scrubbed, scrubbed_reply] = run(1e-2, SeuProtection::kChecksum);
  EXPECT_EQ(clean->upsets(), 0);
  EXPECT_GT(hit->upsets(), 10);
  EXPECT_EQ(hit_reply.upsets(), hit->upsets());
  EXPECT_EQ(hit->repaired(), 0);
  EXPECT_NE(hit->update_bytes(), clean->update_bytes());
  // The same upsets, repaired from the protected copy before training:
  // the update is exactly the clean one.
  EXPECT_EQ(scrubbed->upsets(), hit->upsets());
  EXPECT_GT(scrubbed_reply.tensors_repaired(), 0);
  EXPECT_EQ(scrubbed->update_bytes(), clean->update_bytes());
}

// A misbehaving satellite sends its honest delta scaled or sign-flipped:
// the same data, model and random stream give exactly -3x the honest one.
TEST_F(SatelliteTest, AMisbehavingSatelliteScalesOrFlipsItsDelta) {
  auto delta_of = [&](const std::string& kind, double factor) {
    SatelliteOptions o = Options();
    o.power_model = false;
    o.misbehaviour.kind = kind;
    o.misbehaviour.factor = factor;
    auto sat = Satellite::Create(o);
    EXPECT_THAT(sat, IsOk());
    GiveModel(**sat, o.trainer.spec);
    auto reply = (*sat)->Train(kEpoch + absl::Hours(2));
    EXPECT_THAT(reply, IsOk());
    EXPECT_TRUE(reply->trained()) << reply->reason();
    proto::ModelDelta delta;
    EXPECT_TRUE(delta.ParseFromString((*sat)->update_bytes()));
    return proto::ToFloats(delta.tensors(0));
  };
  const std::vector<float> honest = delta_of("none", 1);
  const std::vector<float> flipped = delta_of("sign_flip", 3);
  ASSERT_EQ(honest.size(), flipped.size());
  float largest = 0;
  for (size_t i = 0; i < honest.size(); ++i) {
    EXPECT_EQ(flipped[i], -3.0f * honest[i]) << i;
    largest = std::max(largest, std::abs(honest[i]));
  }
  EXPECT_GT(largest, 0);
  SatelliteOptions bad = Options();
  bad.misbehaviour.kind = "lie";
  EXPECT_THAT(Satellite::Create(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "expected one of: none, scale, sign_flip"));
}

// Records trainings, and hands them back in order while replaying.
class QueueMemo : public TrainingMemo {
 public:
  absl::StatusOr<std::optional<proto::TrainingRecord>> Next() override {
    if (replay.empty()) return std::nullopt;
    proto::TrainingRecord r = replay.front();
    replay.erase(replay.begin());
    return r;
  }
  absl::Status Record(const proto::TrainingRecord& record) override {
    recorded.push_back(record);
    return absl::OkStatus();
  }
  std::vector<proto::TrainingRecord> replay, recorded;
};

// A satellite rebuilt from recorded trainings holds what the original held
// (the same updates, byte for byte) without training, and goes on from
// there exactly as the original does: the mini-batch stream is restored.
TEST_F(SatelliteTest, RecordedTrainingsReplayIntoTheSameSatellite) {
  SatelliteOptions o = Options();
  o.power_model = false;
  auto run = [&](QueueMemo& memo) {
    auto sat = Satellite::Create(o);
    EXPECT_THAT(sat, IsOk());
    (*sat)->set_training_memo(&memo);
    GiveModel(**sat, o.trainer.spec);
    std::vector<std::string> updates;
    for (int h : {2, 3, 4}) {
      auto reply = (*sat)->Train(kEpoch + absl::Hours(h));
      EXPECT_THAT(reply, IsOk());
      EXPECT_TRUE(reply->trained()) << reply->reason();
      updates.push_back((*sat)->update_bytes());
    }
    return updates;
  };
  QueueMemo original;
  const std::vector<std::string> trained = run(original);
  ASSERT_EQ(original.recorded.size(), 3u);
  EXPECT_NE(trained[0], trained[1]);
  // Two trainings replayed, the third for real.
  QueueMemo rebuilt;
  rebuilt.replay.assign(original.recorded.begin(), original.recorded.begin() + 2);
  EXPECT_EQ(run(rebuilt), trained);
  ASSERT_EQ(rebuilt.recorded.size(), 1u);
  EXPECT_EQ(rebuilt.recorded[0].SerializeAsString(),
            original.recorded[2].SerializeAsString());

  // Records of another satellite, or from another model, are refused.
  QueueMemo other;
  other.replay = original.recorded;
  other.replay[0].set_satellite("sat-b");
  auto sat = Satellite::Create(o);
  ASSERT_THAT(sat, IsOk());
  (*sat)->set_training_memo(&other);
  GiveModel(**sat, o.trainer.spec);
  EXPECT_THAT((*sat)->Train(kEpoch + absl::Hours(2)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "belongs to another run"));
  other.replay = original.recorded;
  other.replay[0].set_model_crc32c(other.replay[0].model_crc32c() ^ 1);
  EXPECT_THAT((*sat)->Train(kEpoch + absl::Hours(2)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "belongs to another run"));
}

// A merged update holds training back only while it is based on the model
// on board: once a newer model has come (the update was too old to send),
// training replaces it instead of waiting forever.
TEST_F(SatelliteTest, AStaleMergedUpdateNoLongerHoldsTrainingBack) {
  SatelliteOptions o = Options();
  o.power_model = false;
  auto sat = Satellite::Create(o);
  ASSERT_THAT(sat, IsOk());
  GiveModel(**sat, o.trainer.spec);
  auto first = (*sat)->Train(kEpoch + absl::Hours(2));
  ASSERT_THAT(first, IsOk());
  ASSERT_TRUE(first->trained()) << first->reason();
  (*sat)->SetUpdate((*sat)->update_bytes(), 0, /*contributors=*/3);
  auto held = (*sat)->Train(kEpoch + absl::Hours(3));
  ASSERT_THAT(held, IsOk());
  EXPECT_FALSE(held->trained());
  EXPECT_THAT(held->reason(), HasSubstr("merged from 3 satellites"));
  proto::Model newer = *InitialModel(o.trainer.spec, 3);
  newer.set_version(1);
  ASSERT_THAT((*sat)->InstallModel(newer.SerializeAsString()), IsOk());
  auto retrained = (*sat)->Train(kEpoch + absl::Hours(4));
  ASSERT_THAT(retrained, IsOk());
  EXPECT_TRUE(retrained->trained()) << retrained->reason();
  EXPECT_EQ(retrained->base_version(), 1);
}

// A model from a peer that is not the model the satellite trains is
// refused at the link, naming the tensor, and the one on board stays.
TEST_F(SatelliteTest, AModelFromAPeerMustBeTheModelItTrains) {
  SatelliteOptions o = Options();
  auto sat = Satellite::Create(o);
  ASSERT_THAT(sat, IsOk());
  GiveModel(**sat, o.trainer.spec);
  const proto::Model good = *InitialModel(o.trainer.spec, 3);
  proto::Model reshaped = good;
  reshaped.set_version(5);
  reshaped.mutable_tensors(0)->set_shape(0, good.tensors(0).shape(0) + 1);
  EXPECT_THAT((*sat)->InstallModel(reshaped.SerializeAsString()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("sat-a: a peer's model v5 tensor \"",
                                    good.tensors(0).name(), "\": expected")));
  proto::Model short_one = good;
  short_one.set_version(5);
  short_one.mutable_tensors()->RemoveLast();
  EXPECT_THAT((*sat)->InstallModel(short_one.SerializeAsString()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("expected ", good.tensors_size(),
                                    " tensors, got ",
                                    good.tensors_size() - 1)));
  EXPECT_EQ((*sat)->model_version(), 0);
  proto::Model newer = good;
  newer.set_version(5);
  EXPECT_THAT((*sat)->InstallModel(newer.SerializeAsString()), IsOk());
  EXPECT_EQ((*sat)->model_version(), 5);
}

TEST_F(SatelliteTest, NodeServiceFetchesTrainsAndUploadsAcrossCutLinks) {
  ASSERT_NO_FATAL_FAILURE(StartServices(1, {"sat-a"}));

  auto link = [&](bool upload, int64_t max_bytes) {
    grpc::ClientContext ctx;
    proto::LinkRequest req;
    req.set_satellite("sat-a");
    req.set_max_bytes(max_bytes);
    proto::LinkReply reply;
    grpc::Status s = upload ? stub_->SendUpdate(&ctx, req, &reply)
                            : stub_->FetchModel(&ctx, req, &reply);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return reply;
  };
  // The model arrives over two passes.
  proto::LinkReply r = link(false, 1000);
  EXPECT_EQ(r.bytes_moved(), 1000);
  EXPECT_FALSE(r.complete());
  r = link(false, 0);
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.model_version(), 0);

  grpc::ClientContext ctx;
  proto::TrainRequest train;
  train.set_satellite("sat-a");
  train.set_utc_ms(absl::ToUnixMillis(kEpoch + absl::Hours(2)));
  proto::TrainReply trained;
  ASSERT_TRUE(stub_->Train(&ctx, train, &trained).ok());
  ASSERT_TRUE(trained.trained()) << trained.reason();
  EXPECT_EQ(trained.base_version(), 0);
  EXPECT_DOUBLE_EQ(trained.onboard_seconds(),
                   3.0 * ForwardFlopsPerImage(Options().trainer.spec) * 5 * 8 /
                       1e9);

  // The update goes down over two passes and is accepted once complete:
  // 500 bytes in 256-byte chunks, so the first pass ends mid-chunk and
  // the second resumes from its last byte.
  r = link(true, 500);
  EXPECT_EQ(r.bytes_moved(), 500);
  EXPECT_FALSE(r.complete());
  r = link(true, 0);
  EXPECT_TRUE(r.complete());
  EXPECT_TRUE(r.accepted());
  auto tick = aggregator_->Tick(kEpoch + absl::Hours(2));
  ASSERT_THAT(tick, IsOk());
  EXPECT_TRUE(tick->aggregated());
  EXPECT_EQ(tick->model_version(), 1);

  // Nothing is pending now, and an unknown satellite is NOT_FOUND.
  grpc::ClientContext ctx2;
  proto::LinkRequest none;
  none.set_satellite("sat-a");
  proto::LinkReply reply;
  EXPECT_EQ(stub_->SendUpdate(&ctx2, none, &reply).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  grpc::ClientContext ctx3;
  none.set_satellite("sat-zz");
  EXPECT_EQ(stub_->FetchModel(&ctx3, none, &reply).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Store and forward: sat-a hands its update whole to sat-b over an
// inter-satellite link; sat-b holds it, lists it, hands it on to sat-c, and
// sat-c's downlink delivers it to the aggregator as sat-a's own.
// A node with a journal, restarted on it, holds what it held (without
// training again), answers a repeated call from the journal instead of
// making it twice, and goes on where it was: the upload resumes.
TEST_F(SatelliteTest, AJournaledNodeRestartsWhereItWas) {
  ASSERT_NO_FATAL_FAILURE(StartServices(1, {"sat-a"}));
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string journal =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/node.journal";
  std::remove(journal.c_str());
  ASSERT_THAT(node_->OpenJournal(journal), IsOk());
  EXPECT_EQ(node_->replayed(), 0);

  auto link = [&](proto::SatelliteNode::Stub* node, bool upload,
                  int64_t max_bytes, int64_t call_id) {
    grpc::ClientContext ctx;
    proto::LinkRequest req;
    req.set_satellite("sat-a");
    req.set_max_bytes(max_bytes);
    req.set_call_id(call_id);
    proto::LinkReply reply;
    grpc::Status s = upload ? node->SendUpdate(&ctx, req, &reply)
                            : node->FetchModel(&ctx, req, &reply);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return reply;
  };
  auto status = [&](proto::SatelliteNode::Stub* node) {
    grpc::ClientContext ctx;
    proto::NodeStatusRequest req;
    req.set_satellite("sat-a");
    proto::NodeStatus reply;
    EXPECT_TRUE(node->Status(&ctx, req, &reply).ok());
    return reply;
  };
  link(stub_.get(), false, 1000, 1);
  ASSERT_TRUE(link(stub_.get(), false, 0, 2).complete());
  grpc::ClientContext ctx;
  proto::TrainRequest train;
  train.set_satellite("sat-a");
  train.set_utc_ms(absl::ToUnixMillis(kEpoch + absl::Hours(2)));
  train.set_call_id(3);
  proto::TrainReply trained;
  ASSERT_TRUE(stub_->Train(&ctx, train, &trained).ok());
  ASSERT_TRUE(trained.trained()) << trained.reason();
  EXPECT_EQ(link(stub_.get(), true, 500, 4).bytes_moved(), 500);
  // Call 4 again (its reply lost): the same answer, nothing more sent.
  EXPECT_EQ(link(stub_.get(), true, 500, 4).bytes_moved(), 500);
  const proto::NodeStatus before = status(stub_.get());
  EXPECT_EQ(before.update_acked_bytes(), 500);

  // The node restarts: a fresh satellite, the same journal.
  NodeService restarted(
      aggregator_server_->InProcessChannel(grpc::ChannelArguments()), 256);
  restarted.Host(*Satellite::Create(Options()));
  ASSERT_THAT(restarted.OpenJournal(journal), IsOk());
  EXPECT_EQ(restarted.replayed(), 4);
  grpc::ServerBuilder builder;
  builder.RegisterService(&restarted);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto again = proto::SatelliteNode::NewStub(
      server->InProcessChannel(grpc::ChannelArguments()));
  EXPECT_EQ(status(again.get()).SerializeAsString(), before.SerializeAsString());
  // A repeated call is answered from the replayed journal too.
  EXPECT_EQ(link(again.get(), true, 500, 4).bytes_moved(), 500);
  // The upload resumes at byte 500 and completes.
  const proto::LinkReply rest = link(again.get(), true, 0, 5);
  EXPECT_EQ(rest.bytes_moved(), before.update_bytes() - 500);
  EXPECT_TRUE(rest.complete());
  EXPECT_TRUE(rest.accepted());
  server->Shutdown();

  // The journal of another configuration does not replay into this one.
  SatelliteOptions other = Options();
  other.trainer.local_steps = 6;
  NodeService wrong(
      aggregator_server_->InProcessChannel(grpc::ChannelArguments()), 256);
  wrong.Host(*Satellite::Create(other));
  EXPECT_THAT(wrong.OpenJournal(journal),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "replays to another answer"));
}

TEST_F(SatelliteTest, RelayedUpdatesTravelWholeAndArriveAsTheirOrigins) {
  ASSERT_NO_FATAL_FAILURE(StartServices(3, {"sat-a", "sat-b", "sat-c"}));

  auto status = [&](const std::string& sat) {
    grpc::ClientContext ctx;
    proto::NodeStatusRequest req;
    req.set_satellite(sat);
    proto::NodeStatus st;
    EXPECT_TRUE(stub_->Status(&ctx, req, &st).ok());
    return st;
  };
  auto relay = [&](const std::string& from, const std::string& to,
                   const std::string& id) {
    grpc::ClientContext ctx;
    proto::RelayRequest req;
    req.set_satellite(from);
    req.set_peer(to);
    req.set_transfer_id(id);
    proto::LinkReply reply;
    grpc::Status st = stub_->RelayUpdate(&ctx, req, &reply);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return reply;
  };
  // sat-a: the model, then an update.
  {
    grpc::ClientContext ctx;
    proto::LinkRequest req;
    req.set_satellite("sat-a");
    proto::LinkReply reply;
    ASSERT_TRUE(stub_->FetchModel(&ctx, req, &reply).ok());
    ASSERT_TRUE(reply.complete());
    grpc::ClientContext train_ctx;
    proto::TrainRequest train;
    train.set_satellite("sat-a");
    train.set_utc_ms(absl::ToUnixMillis(kEpoch + absl::Hours(2)));
    proto::TrainReply trained;
    ASSERT_TRUE(stub_->Train(&train_ctx, train, &trained).ok());
    ASSERT_TRUE(trained.trained()) << trained.reason();
  }
  const proto::NodeStatus before = status("sat-a");
  ASSERT_TRUE(before.has_update());

  // The model crosses to sat-b whole; a second time it is not newer.
  auto share = [&](const std::string& from, const std::string& to) {
    grpc::ClientContext ctx;
    proto::RelayRequest req;
    req.set_satellite(from);
    req.set_peer(to);
    proto::LinkReply reply;
    grpc::Status st = stub_->ShareModel(&ctx, req, &reply);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return reply;
  };
  EXPECT_EQ(status("sat-b").model_version(), -1);
  proto::LinkReply shared = share("sat-a", "sat-b");
  EXPECT_TRUE(shared.complete());
  EXPECT_TRUE(shared.accepted());
  EXPECT_EQ(status("sat-b").model_version(), 0);
  EXPECT_FALSE(share("sat-a", "sat-b").accepted());
  {
    grpc::ClientContext ctx;
    proto::RelayRequest req;
    req.set_satellite("sat-c");  // holds no model
    req.set_peer("sat-b");
    proto::LinkReply reply;
    EXPECT_EQ(stub_->ShareModel(&ctx, req, &reply).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }

  // a -> b: whole, and sat-a no longer holds it.
  proto::LinkReply r = relay("sat-a", "sat-b", "");
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.bytes_moved(), before.update_bytes());
  EXPECT_FALSE(status("sat-a").has_update());
  proto::NodeStatus b = status("sat-b");
  ASSERT_EQ(b.relayed_size(), 1);
  EXPECT_EQ(b.relayed(0).origin(), "sat-a");
  EXPECT_EQ(b.relayed(0).base_version(), 0);
  EXPECT_EQ(b.relayed(0).total_bytes(), before.update_bytes());
  EXPECT_EQ(b.relayed(0).hops(), 1);
  const std::string id = b.relayed(0).transfer_id();

  // b -> c, then c's downlink over two passes (cut mid-chunk).
  EXPECT_TRUE(relay("sat-b", "sat-c", id).complete());
  EXPECT_EQ(status("sat-b").relayed_size(), 0);
  proto::NodeStatus c = status("sat-c");
  ASSERT_EQ(c.relayed_size(), 1);
  EXPECT_EQ(c.relayed(0).hops(), 2);
  auto send = [&](int64_t max_bytes) {
    grpc::ClientContext ctx;
    proto::LinkRequest req;
    req.set_satellite("sat-c");
    req.set_transfer_id(id);
    req.set_max_bytes(max_bytes);
    proto::LinkReply reply;
    EXPECT_TRUE(stub_->SendUpdate(&ctx, req, &reply).ok());
    return reply;
  };
  r = send(300);
  EXPECT_EQ(r.bytes_moved(), 300);
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(status("sat-c").relayed(0).forwarded_bytes(), 300);
  r = send(0);
  EXPECT_TRUE(r.complete());
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(status("sat-c").relayed_size(), 0);
  // FedAvg's deadline applies it: as sat-a's update.
  auto tick = aggregator_->Tick(kEpoch + absl::Hours(10));
  ASSERT_THAT(tick, IsOk());
  ASSERT_EQ(tick->applied_size(), 1);
  EXPECT_EQ(tick->applied(0).satellite(), "sat-a");

  // Nothing left to relay, and an unknown held update, are refused.
  grpc::ClientContext ctx;
  proto::RelayRequest req;
  req.set_satellite("sat-a");
  req.set_peer("sat-b");
  proto::LinkReply reply;
  EXPECT_EQ(stub_->RelayUpdate(&ctx, req, &reply).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  grpc::ClientContext ctx2;
  req.set_satellite("sat-b");
  req.set_transfer_id("nobody@v0");
  EXPECT_EQ(stub_->RelayUpdate(&ctx2, req, &reply).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// A peer keeps only whole, intact hand-overs.
TEST_F(SatelliteTest, AcceptRelayRefusesCorruptAndDiscardsPartialStreams) {
  ASSERT_NO_FATAL_FAILURE(StartServices(1, {"sat-a"}));

  const std::string data(600, 'x');
  auto hand_over = [&](int64_t send_bytes, int64_t corrupt_at,
                       int64_t total = 600) {
    grpc::ClientContext ctx;
    proto::UploadAck ack;
    auto writer = stub_->AcceptRelay(&ctx, &ack);
    proto::UpdateChunk chunk;
    chunk.set_transfer_id("sat-z@v0");
    chunk.set_satellite("sat-z");
    chunk.set_holder("sat-a");
    chunk.set_total_bytes(total);
    chunk.set_hops(1);
    for (int64_t at = 0; at < send_bytes; at += 256) {
      chunk.set_offset(at);
      chunk.set_data(data.substr(at, std::min<int64_t>(256, send_bytes - at)));
      chunk.set_crc32c(proto::Crc32c(chunk.data()) + (at == corrupt_at ? 1 : 0));
      writer->Write(chunk);
    }
    writer->WritesDone();
    grpc::Status st = writer->Finish();
    return std::make_pair(st, ack);
  };
  auto held = [&] {
    grpc::ClientContext ctx;
    proto::NodeStatusRequest req;
    req.set_satellite("sat-a");
    proto::NodeStatus st;
    EXPECT_TRUE(stub_->Status(&ctx, req, &st).ok());
    return st.relayed_size();
  };
  auto [corrupt, ack1] = hand_over(600, 256);
  EXPECT_EQ(corrupt.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_EQ(held(), 0);
  auto [partial, ack2] = hand_over(300, -1);  // the link closed mid-way
  EXPECT_TRUE(partial.ok());
  EXPECT_FALSE(ack2.complete());
  EXPECT_EQ(ack2.acked_bytes(), 0);
  EXPECT_EQ(held(), 0);
  // A peer may not announce more than an update can be, nor nothing.
  for (int64_t total : {(int64_t{64} << 20) + 1, int64_t{0}}) {
    auto [big, ack] = hand_over(600, -1, total);
    EXPECT_EQ(big.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << total;
    EXPECT_THAT(big.error_message(),
                HasSubstr(absl::StrCat("relay of sat-z@v0: announces ", total,
                                       " bytes, expected 1 to 67108864")));
    EXPECT_EQ(held(), 0);
  }
  auto [whole, ack3] = hand_over(600, -1);
  EXPECT_TRUE(whole.ok());
  EXPECT_TRUE(ack3.complete());
  EXPECT_EQ(held(), 1);
}

// Hierarchical aggregation on board. Round v0: two held updates merge
// into a new held one, their sample-weighted mean, and FedAvg counts it
// once per contributor (the round of 2 closes with it). Round v1: the
// holder's own update and a held one merge into the own update, which
// training may not replace before it is sent.
TEST_F(SatelliteTest, MergeHeldMakesTheSampleWeightedMeanForEveryContributor) {
  ASSERT_NO_FATAL_FAILURE(StartServices(2, {"sat-a"}));
  const proto::Model initial = *InitialModel(Options().trainer.spec, 3);
  auto hand_over = [&](const std::string& origin, float value,
                       int64_t samples, int64_t base) {
    proto::ModelDelta delta;
    delta.set_satellite(origin);
    delta.set_base_version(base);
    delta.set_num_samples(samples);
    delta.set_train_loss(value);
    for (const proto::Tensor& t : initial.tensors()) {
      proto::Tensor* d = delta.add_tensors();
      d->set_name(t.name());
      *d->mutable_shape() = t.shape();
      proto::SetFloats(std::vector<float>(proto::ToFloats(t).size(), value), d);
    }
    HandOver(delta);
  };
  auto merge = [&](const std::vector<std::string>& keep) {
    grpc::ClientContext ctx;
    proto::MergeRequest req;
    req.set_satellite("sat-a");
    for (const std::string& id : keep) req.add_keep_transfer_ids(id);
    proto::LinkReply reply;
    EXPECT_TRUE(stub_->MergeHeld(&ctx, req, &reply).ok());
    return reply;
  };
  auto status = [&] {
    grpc::ClientContext ctx;
    proto::NodeStatusRequest req;
    req.set_satellite("sat-a");
    proto::NodeStatus s;
    EXPECT_TRUE(stub_->Status(&ctx, req, &s).ok());
    return s;
  };
  auto train = [&](int hours) {
    grpc::ClientContext ctx;
    proto::TrainRequest req;
    req.set_satellite("sat-a");
    req.set_utc_ms(absl::ToUnixMillis(kEpoch + absl::Hours(hours)));
    proto::TrainReply reply;
    EXPECT_TRUE(stub_->Train(&ctx, req, &reply).ok());
    return reply;
  };
  auto link = [&](bool upload, const std::string& transfer_id) {
    grpc::ClientContext ctx;
    proto::LinkRequest req;
    req.set_satellite("sat-a");
    req.set_transfer_id(transfer_id);
    proto::LinkReply reply;
    grpc::Status s = upload ? stub_->SendUpdate(&ctx, req, &reply)
                            : stub_->FetchModel(&ctx, req, &reply);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return reply;
  };
  auto global = [&](int64_t version) {
    auto model = aggregator_->ModelBytes(version);
    EXPECT_THAT(model, IsOk());
    proto::Model m;
    EXPECT_TRUE(model.ok() && m.ParseFromString(*model->second));
    return proto::ToFloats(m.tensors(0));
  };

  // Round v0.
  ASSERT_NO_FATAL_FAILURE(hand_over("sat-x", 1.0f, 1, 0));
  ASSERT_NO_FATAL_FAILURE(hand_over("sat-y", 5.0f, 3, 0));
  ASSERT_NO_FATAL_FAILURE(hand_over("sat-z", 9.0f, 2, 0));
  // sat-z's hand-over onwards is under way: it stays out of the merge.
  proto::LinkReply merged = merge({"sat-z@v0"});
  EXPECT_TRUE(merged.accepted());
  EXPECT_THAT(merged.contributors(), ElementsAre("sat-x", "sat-y"));
  EXPECT_EQ(merged.transfer_id(), "sat-a@v0+merge1");
  proto::NodeStatus held = status();
  EXPECT_FALSE(held.has_update());
  ASSERT_EQ(held.relayed_size(), 2);
  EXPECT_EQ(held.relayed(0).origin(), "sat-z");
  EXPECT_EQ(held.relayed(1).transfer_id(), "sat-a@v0+merge1");
  EXPECT_EQ(held.relayed(1).total_bytes(), merged.remaining_bytes());
  // Nothing left to merge: sat-z is still kept out, and alone.
  EXPECT_FALSE(merge({"sat-z@v0"}).accepted());
  // Down to the aggregator: (1 x 1 + 3 x 5) / 4 = 4 on every value, and
  // the round of 2 satellites closes with this one update.
  proto::LinkReply sent = link(true, merged.transfer_id());
  EXPECT_TRUE(sent.complete());
  EXPECT_TRUE(sent.accepted());
  auto tick = aggregator_->Tick(kEpoch + absl::Minutes(1));
  ASSERT_THAT(tick, IsOk());
  EXPECT_TRUE(tick->aggregated());
  ASSERT_EQ(tick->applied_size(), 1);
  EXPECT_EQ(tick->applied(0).satellite(), "sat-a");
  const std::vector<float> before = proto::ToFloats(initial.tensors(0));
  const std::vector<float> v1 = global(1);
  ASSERT_EQ(before.size(), v1.size());
  for (size_t k = 0; k < before.size(); ++k) {
    EXPECT_NEAR(v1[k], before[k] + 4.0f, 1e-5) << k;
  }

  // Round v1: sat-a trains on v1, then merges sat-w's update into its own.
  ASSERT_TRUE(link(false, "").complete());
  proto::TrainReply trained = train(2);
  ASSERT_TRUE(trained.trained()) << trained.reason();
  ASSERT_NO_FATAL_FAILURE(hand_over("sat-w", 2.0f, trained.num_samples(), 1));
  merged = merge({});
  EXPECT_TRUE(merged.accepted());
  EXPECT_THAT(merged.contributors(), ElementsAre("sat-a", "sat-w"));
  EXPECT_EQ(merged.transfer_id(), "sat-a@v1");
  EXPECT_TRUE(status().has_update());
  EXPECT_EQ(status().relayed_size(), 1);  // only sat-z's, stale now
  proto::TrainReply refused = train(3);
  EXPECT_FALSE(refused.trained());
  EXPECT_THAT(refused.reason(), HasSubstr("merged from 2 satellites"));
  ASSERT_TRUE(link(true, "").accepted());
  tick = aggregator_->Tick(kEpoch + absl::Hours(3));
  ASSERT_THAT(tick, IsOk());
  EXPECT_TRUE(tick->aggregated());
  EXPECT_EQ(tick->model_version(), 2);
  // Sent, it no longer holds training back.
  proto::TrainReply again = train(4);
  EXPECT_TRUE(again.trained()) << again.reason();
}

// A peer's top-k update states its size in a few bytes: one claiming far
// more values than the model holds, or other tensors, stays out of a merge
// (nothing of it is decoded), stays held, and goes down as it is, where
// the aggregator refuses it with its reason.
TEST_F(SatelliteTest, MergeHeldLeavesOutUpdatesThatDoNotFitTheModel) {
  ASSERT_NO_FATAL_FAILURE(StartServices(1, {"sat-a"}));
  const proto::Model initial = *InitialModel(Options().trainer.spec, 3);
  auto honest = [&](const std::string& origin, float value) {
    proto::ModelDelta delta;
    delta.set_satellite(origin);
    delta.set_num_samples(2);
    for (const proto::Tensor& t : initial.tensors()) {
      proto::Tensor* d = delta.add_tensors();
      d->set_name(t.name());
      *d->mutable_shape() = t.shape();
      proto::SetFloats(std::vector<float>(proto::ToFloats(t).size(), value), d);
    }
    return delta;
  };
  // First, before sat-a has a model: a forged update of 2^26 values.
  proto::ModelDelta huge;
  huge.set_satellite("sat-m");
  huge.set_num_samples(1000);
  proto::Tensor* t = huge.add_tensors();
  t->set_name(initial.tensors(0).name());
  t->add_shape(int64_t{1} << 26);
  t->set_encoding(proto::TENSOR_ENCODING_TOPK);
  ASSERT_LT(huge.ByteSizeLong(), 100u);
  ASSERT_NO_FATAL_FAILURE(HandOver(huge));
  ASSERT_NO_FATAL_FAILURE(HandOver(honest("sat-x", 1.0f)));
  // One with the model's size but another tensor's name.
  proto::ModelDelta renamed = honest("sat-n", 7.0f);
  renamed.mutable_tensors(0)->set_name("not-in-the-model");
  ASSERT_NO_FATAL_FAILURE(HandOver(renamed));
  ASSERT_NO_FATAL_FAILURE(HandOver(honest("sat-y", 3.0f)));

  grpc::ClientContext ctx;
  proto::MergeRequest req;
  req.set_satellite("sat-a");
  proto::LinkReply merged;
  grpc::Status s = stub_->MergeHeld(&ctx, req, &merged);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(merged.accepted());
  EXPECT_THAT(merged.contributors(), ElementsAre("sat-x", "sat-y"));

  grpc::ClientContext status_ctx;
  proto::NodeStatusRequest status_req;
  status_req.set_satellite("sat-a");
  proto::NodeStatus status;
  ASSERT_TRUE(stub_->Status(&status_ctx, status_req, &status).ok());
  std::vector<std::string> held;
  for (const auto& r : status.relayed()) held.push_back(r.transfer_id());
  EXPECT_THAT(held, ElementsAre("sat-m@v0", "sat-n@v0", "sat-a@v0+merge1"));

  // Down at the aggregator, the forged one is refused for its shape.
  grpc::ClientContext send_ctx;
  proto::LinkRequest send;
  send.set_satellite("sat-a");
  send.set_transfer_id("sat-m@v0");
  proto::LinkReply sent;
  ASSERT_TRUE(stub_->SendUpdate(&send_ctx, send, &sent).ok());
  EXPECT_TRUE(sent.complete());
  EXPECT_FALSE(sent.accepted());
}

}  // namespace
}  // namespace orbitfl::node
