#include "sim/embedded_run.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "aggregator/aggregator.h"
#include "aggregator/fedasync.h"
#include "aggregator/fedavg.h"
#include "aggregator/service.h"
#include "grpcpp/grpcpp.h"
#include "node/eurosat.h"
#include "node/model.h"
#include "node/node_service.h"
#include "node/satellite.h"
#include "node/trainer.h"
#include "proto/delta_codec.h"
#include "proto/grpc_status.h"
#include "proto/services.grpc.pb.h"
#include "sim/contact_plan.h"
#include "sim/event_loop.h"
#include "sim/json.h"
#include "sim/run_dir.h"
#include "sim/scenario_world.h"
#include "sim/test_set.h"
#include "sim/time_format.h"
#include "sim/world/land_cover.h"
#include "sim/world/tile.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// A satellite that cannot train yet (no model, too few tiles) tries again
// after this long.
constexpr absl::Duration kTrainRetry = absl::Minutes(10);

enum class Payload { kUpdate, kModel };

// One piece of a transfer: a payload moving over one open window.
struct Segment {
  Payload payload;
  int station;
  absl::Time start;
  absl::Time end;
  int64_t bytes;
};

// What the run tracks per satellite; the node itself holds the rest.
struct SatelliteState {
  std::set<int> open_windows;  // indices into plan.windows
  bool transferring = false;
  bool training = false;  // on-board training in progress
  EventId retry = 0;
  absl::Time last_trained = absl::InfinitePast();
};

class EmbeddedRun {
 public:
  EmbeddedRun(const proto::Scenario& scenario, const RunOptions& options)
      : scenario_(scenario),
        options_(options),
        env_(options.env != nullptr ? options.env : Env::Default()),
        start_(*ParseUtc(scenario.epoch_utc())),
        stop_(start_ + absl::Seconds(std::round(scenario.duration_hours() *
                                                3600.0))),
        loop_(start_) {}

  absl::StatusOr<RunSummary> Run();

 private:
  absl::Status SetUp();
  absl::Status StartServices();
  // A EuroSAT-style folder: the test split, the satellites' shares and
  // the training pool (for pre-training an encoder).
  absl::Status LoadRealData(node::TileDataset& archive);
  void Fail(const absl::Status& status);
  void Check(const absl::Status& status) {
    if (!status.ok()) Fail(status);
  }

  void OnPassOpen(int sat, int window);
  void Pump(int sat);
  void OnSegmentDone(int sat, const Segment& segment);
  void TrainNow(int sat);
  absl::Status Tick();
  // Evaluates now, or (with evaluation.interval_s) once the interval since
  // the last evaluation has passed.
  absl::Status MaybeEvaluate();
  absl::Status EvaluateGlobal();
  absl::StatusOr<proto::NodeStatus> NodeStatus(int sat);
  void Progress(bool force);
  JsonObject Event(absl::string_view name) const {
    JsonObject e;
    e.Add("event", name).Add("utc", FormatUtc(loop_.now()));
    return e;
  }

  const proto::Scenario& scenario_;
  const RunOptions& options_;
  Env* env_;
  const absl::Time start_;
  const absl::Time stop_;
  EventLoop loop_;
  absl::Status error_;

  ContactPlan plan_;
  ScenarioWorld world_;
  // With a EuroSAT-style folder: each satellite's share of the data.
  std::vector<node::TileDataset> shares_;
  node::ModelSpec spec_;
  proto::Model global_model_;  // the latest, as last evaluated
  node::TileDataset test_set_;
  std::unique_ptr<RunDirectory> run_dir_;

  std::unique_ptr<aggregator::Aggregator> aggregator_;
  std::unique_ptr<aggregator::AggregatorService> aggregator_service_;
  std::unique_ptr<grpc::Server> aggregator_server_;
  std::unique_ptr<node::NodeService> node_service_;
  std::unique_ptr<grpc::Server> node_server_;
  std::unique_ptr<proto::Aggregator::Stub> aggregator_client_;
  std::unique_ptr<proto::SatelliteNode::Stub> nodes_client_;

  std::vector<SatelliteState> sats_;
  proto::TickReply tick_;  // the aggregator's state at the last tick
  EventId deadline_event_ = 0;
  EventId eval_event_ = 0;         // a throttled evaluation, when pending
  absl::Time last_eval_ = absl::InfinitePast();
  int64_t evaluated_version_ = -1;
  int64_t deadline_ms_ = 0;

  RunSummary summary_;
  absl::Time wall_start_;
  absl::Time last_progress_;
  double accuracy_ = 0;
};

void EmbeddedRun::Fail(const absl::Status& status) {
  if (error_.ok()) error_ = status;
  loop_.Stop();
}

absl::Status EmbeddedRun::SetUp() {
  ORBITFL_ASSIGN_OR_RETURN(plan_, BuildContactPlan(scenario_, start_, stop_));
  spec_.architecture = scenario_.training().model();
  // Unlabelled tiles the encoder of encoder_head is pre-trained on.
  node::TileDataset archive;
  const proto::TrainingConfig& t = scenario_.training();
  if (!scenario_.world().eurosat_dir().empty()) {
    ORBITFL_RETURN_IF_ERROR(LoadRealData(archive));
  } else {
    ORBITFL_ASSIGN_OR_RETURN(world_, BuildScenarioWorld(scenario_));
    spec_.pixels = world_.tiles->options().pixels;
    spec_.bands = world::kTileBands;
    spec_.num_classes = node::NumClasses(world_.sensor.task.task);
    ORBITFL_ASSIGN_OR_RETURN(
        test_set_,
        BalancedTestSet(*world_.tiles, world_.sensor.task,
                        world_.sensor.min_sun_elevation_deg,
                        scenario_.evaluation().test_tiles(), start_, stop_,
                        scenario_.seed()));
    if (spec_.architecture == "encoder_head") {
      // A ground archive (stream 7, apart from the test set).
      ORBITFL_ASSIGN_OR_RETURN(
          archive, BalancedTestSet(*world_.tiles, world_.sensor.task,
                                   world_.sensor.min_sun_elevation_deg,
                                   t.encoder_pretrain_tiles(), start_, stop_,
                                   scenario_.seed(), /*stream=*/7));
    }
  }
  ORBITFL_RETURN_IF_ERROR(node::ValidateSpec(spec_));
  if (spec_.architecture == "encoder_head") {
    // Before launch: the encoder learns the look of the Earth from
    // unlabelled tiles on the ground, then flies frozen.
    if (options_.progress != nullptr) {
      *options_.progress << absl::StrFormat(
          "[orbitfl] pre-training the encoder on the ground: %d tiles, %d "
          "steps\n",
          archive.size(), t.encoder_pretrain_steps());
    }
    ORBITFL_ASSIGN_OR_RETURN(
        proto::Model encoder,
        node::PretrainEncoder(spec_, archive, t.encoder_pretrain_steps(),
                              scenario_.seed()));
    spec_.encoder = std::make_shared<const proto::Model>(std::move(encoder));
  }
  ORBITFL_ASSIGN_OR_RETURN(run_dir_,
                           RunDirectory::Create(options_.out_dir, env_));
  ORBITFL_RETURN_IF_ERROR(
      run_dir_->WriteContacts(ContactsCsv(plan_, scenario_.link())));
  summary_.contacts = static_cast<int64_t>(plan_.windows.size());
  sats_.resize(plan_.satellite_names.size());
  return StartServices();
}

absl::Status EmbeddedRun::LoadRealData(node::TileDataset& archive) {
  const proto::WorldConfig& w = scenario_.world();
  node::EurosatOptions load;
  load.max_tiles_per_class = w.eurosat_max_tiles_per_class();
  load.read_file = [this](const std::string& path) {
    return env_->ReadFile(path);
  };
  ORBITFL_ASSIGN_OR_RETURN(node::EurosatDataset data,
                           node::LoadEurosatFolder(w.eurosat_dir(), load));
  ORBITFL_ASSIGN_OR_RETURN(
      node::TrainTestSplit split,
      node::SplitTrainTest(data.tiles, w.eurosat_test_fraction(),
                           scenario_.seed()));
  test_set_ = node::Subset(data.tiles, split.test);
  archive = node::Subset(data.tiles, split.train);
  const int classes = static_cast<int>(data.class_names.size());
  ORBITFL_ASSIGN_OR_RETURN(
      std::vector<std::vector<int64_t>> deal,
      node::DealDirichlet(archive.y, classes,
                          static_cast<int>(plan_.satellite_names.size()),
                          w.dirichlet_alpha(), scenario_.seed()));
  for (const std::vector<int64_t>& rows : deal) {
    shares_.push_back(node::Subset(archive, rows));
  }
  spec_.pixels = data.tiles.pixels;
  spec_.bands = data.tiles.bands;
  spec_.num_classes = classes;
  if (options_.progress != nullptr) {
    *options_.progress << absl::StrFormat(
        "[orbitfl] %s: %d classes, %d tiles of %dx%dx%d; %d held out, the "
        "rest dealt to %d satellites (Dirichlet alpha %g)\n",
        w.eurosat_dir(), classes, data.tiles.size(), spec_.pixels,
        spec_.pixels, spec_.bands, test_set_.size(), shares_.size(),
        w.dirichlet_alpha());
  }
  return absl::OkStatus();
}

absl::Status EmbeddedRun::StartServices() {
  const proto::FederationConfig& fed = scenario_.federation();
  std::unique_ptr<aggregator::Strategy> strategy;
  if (fed.strategy() == "fedasync") {
    aggregator::FedAsyncOptions fedasync;
    fedasync.alpha = fed.fedasync_alpha();
    fedasync.staleness_exponent = fed.staleness_exponent();
    fedasync.max_staleness = fed.max_staleness();
    ORBITFL_ASSIGN_OR_RETURN(strategy, aggregator::FedAsync::Create(fedasync));
  } else {
    aggregator::FedAvgOptions fedavg;
    fedavg.round_deadline = absl::Seconds(fed.round_deadline_s());
    fedavg.min_participants = fed.min_participants();
    fedavg.expected_participants = static_cast<int>(sats_.size());
    ORBITFL_ASSIGN_OR_RETURN(strategy, aggregator::FedAvg::Create(fedavg));
  }
  aggregator::AggregatorOptions agg;
  ORBITFL_ASSIGN_OR_RETURN(agg.initial,
                           node::InitialModel(spec_, scenario_.seed()));
  agg.start = start_;
  ORBITFL_ASSIGN_OR_RETURN(
      aggregator_, aggregator::Aggregator::Create(agg, std::move(strategy)));
  const int chunk = scenario_.link().chunk_bytes();
  aggregator_service_ =
      std::make_unique<aggregator::AggregatorService>(aggregator_.get(), chunk);
  grpc::ServerBuilder agg_builder;
  agg_builder.RegisterService(aggregator_service_.get());
  aggregator_server_ = agg_builder.BuildAndStart();
  if (aggregator_server_ == nullptr) {
    return absl::InternalError("cannot start the in-process aggregator");
  }
  grpc::ChannelArguments args;
  auto agg_channel = aggregator_server_->InProcessChannel(args);
  aggregator_client_ = proto::Aggregator::NewStub(agg_channel);

  node_service_ = std::make_unique<node::NodeService>(agg_channel, chunk);
  const proto::TrainingConfig& t = scenario_.training();
  for (size_t i = 0; i < sats_.size(); ++i) {
    node::SatelliteOptions o;
    o.name = plan_.satellite_names[i];
    o.orbit = plan_.orbits[i].get();
    o.tiles = world_.tiles.get();
    if (!shares_.empty()) o.preloaded = &shares_[i];
    o.epoch = start_;
    o.sensor = world_.sensor;
    o.trainer.spec = spec_;
    o.trainer.local_steps = t.local_steps();
    o.trainer.batch_size = t.batch_size();
    o.trainer.learning_rate = t.learning_rate();
    const proto::ComputeConfig& compute = scenario_.compute();
    ORBITFL_ASSIGN_OR_RETURN(o.compute, node::FindComputeProfile(compute.device()));
    if (t.onboard_flops() > 0) o.compute.training_flops_per_s = t.onboard_flops();
    o.power_model = !compute.ignore_power();
    o.power.battery_capacity_wh = compute.battery_wh();
    o.power.solar_power_w = compute.solar_w();
    o.power.bus_load_w = compute.bus_load_w();
    o.power.min_state_of_charge = compute.min_charge();
    o.power.initial_state_of_charge = compute.initial_charge();
    const proto::RadiationConfig& rad = scenario_.radiation();
    o.radiation.upsets_per_bit_per_day = rad.upsets_per_bit_per_day();
    o.radiation.saa_multiplier = rad.saa_multiplier();
    o.radiation.polar_multiplier = rad.polar_multiplier();
    ORBITFL_ASSIGN_OR_RETURN(o.radiation.protection,
                             node::ParseSeuProtection(rad.protection()));
    o.min_tiles = t.min_tiles();
    ORBITFL_ASSIGN_OR_RETURN(
        o.codec.codec,
        proto::ParseDeltaCodec(scenario_.federation().delta_codec()));
    o.codec.topk_fraction = scenario_.federation().topk_fraction();
    o.seed = scenario_.seed();
    o.index = static_cast<int>(i);
    ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<node::Satellite> sat,
                             node::Satellite::Create(o));
    node_service_->Host(std::move(sat));
  }
  grpc::ServerBuilder node_builder;
  node_builder.RegisterService(node_service_.get());
  node_server_ = node_builder.BuildAndStart();
  if (node_server_ == nullptr) {
    return absl::InternalError("cannot start the in-process satellite nodes");
  }
  nodes_client_ = proto::SatelliteNode::NewStub(node_server_->InProcessChannel(args));
  return absl::OkStatus();
}

absl::StatusOr<proto::NodeStatus> EmbeddedRun::NodeStatus(int sat) {
  grpc::ClientContext ctx;
  proto::NodeStatusRequest req;
  req.set_satellite(plan_.satellite_names[sat]);
  proto::NodeStatus status;
  grpc::Status s = nodes_client_->Status(&ctx, req, &status);
  if (!s.ok()) return proto::FromGrpcStatus(s);
  return status;
}

void EmbeddedRun::OnPassOpen(int sat, int window) {
  SatelliteState& st = sats_[sat];
  st.open_windows.insert(window);
  // Close the window at its end; a segment never outlasts its window.
  loop_.Schedule(plan_.windows[window].end,
                 [this, sat, window] { sats_[sat].open_windows.erase(window); });
  Pump(sat);
}

// Starts the next transfer of `sat` if a window is open and something is due:
// first its pending update (downlink), else a newer global model (uplink).
void EmbeddedRun::Pump(int sat) {
  SatelliteState& st = sats_[sat];
  if (st.transferring || st.training || st.open_windows.empty()) return;
  const absl::Time now = loop_.now();
  // Of the windows open now, the one that stays open longest.
  int best = -1;
  for (int w : st.open_windows) {
    if (plan_.windows[w].end > now &&
        (best < 0 || plan_.windows[w].end > plan_.windows[best].end)) {
      best = w;
    }
  }
  if (best < 0) return;
  absl::StatusOr<proto::NodeStatus> status = NodeStatus(sat);
  if (!status.ok()) return Fail(status.status());

  Segment seg{Payload::kUpdate, plan_.windows[best].station, now, now, 0};
  int64_t remaining = 0;
  double rate_bps = 0;
  if (status->has_update() &&
      status->update_base_version() >= tick_.min_base_version()) {
    remaining = status->update_bytes() - status->update_acked_bytes();
    rate_bps = scenario_.link().downlink_rate_bps();
  } else if (status->model_version() < tick_.model_version()) {
    seg.payload = Payload::kModel;
    remaining = tick_.model_bytes();
    if (status->downloading_version() == tick_.model_version()) {
      remaining -= status->downloaded_bytes();
    }
    rate_bps = scenario_.link().uplink_rate_bps();
  }
  if (remaining <= 0) return;
  // Whole milliseconds, rounded so a segment never beats the link's rate.
  const absl::Time full_end =
      now + absl::Milliseconds(std::ceil(remaining * 8000.0 / rate_bps));
  seg.end = std::min(full_end, plan_.windows[best].end);
  seg.bytes = seg.end == full_end
                  ? remaining
                  : static_cast<int64_t>(std::floor(
                        absl::ToInt64Milliseconds(seg.end - now) * rate_bps /
                        8000.0));
  if (seg.bytes <= 0) return;
  st.transferring = true;
  loop_.Schedule(seg.end, [this, sat, seg] { OnSegmentDone(sat, seg); });
}

void EmbeddedRun::OnSegmentDone(int sat, const Segment& seg) {
  SatelliteState& st = sats_[sat];
  proto::LinkRequest req;
  req.set_satellite(plan_.satellite_names[sat]);
  req.set_utc_ms(absl::ToUnixMillis(loop_.now()));
  req.set_max_bytes(seg.bytes);
  proto::LinkReply reply;
  grpc::ClientContext ctx;
  const bool update = seg.payload == Payload::kUpdate;
  grpc::Status s = update ? nodes_client_->SendUpdate(&ctx, req, &reply)
                          : nodes_client_->FetchModel(&ctx, req, &reply);
  if (!s.ok()) return Fail(proto::FromGrpcStatus(s));
  // Still marked as transferring until this segment is fully accounted
  // for, so an aggregation triggered below does not start another one.
  if (reply.bytes_moved() > 0) {
    (update ? summary_.bytes_up : summary_.bytes_down) += reply.bytes_moved();
    ++summary_.transfers;
    JsonObject e = Event("transfer");
    e.Add("kind", "ground")
        .Add("a", plan_.satellite_names[sat])
        .Add("b", plan_.stations[seg.station].name)
        .Add("start_utc", FormatUtc(seg.start))
        .Add("end_utc", FormatUtc(seg.end))
        .Add("bytes", reply.bytes_moved())
        .Add("payload", update ? "update" : "model")
        .Add("complete", reply.complete());
    Check(run_dir_->AppendEvent(e));
  }
  if (reply.complete()) {
    if (update) {
      JsonObject e = Event("update_received");
      e.Add("satellite", plan_.satellite_names[sat])
          .Add("accepted", reply.accepted());
      Check(run_dir_->AppendEvent(e));
      Check(Tick());
    } else {
      TrainNow(sat);
    }
  }
  st.transferring = false;
  Pump(sat);
}

void EmbeddedRun::TrainNow(int sat) {
  SatelliteState& st = sats_[sat];
  loop_.Cancel(st.retry);
  st.retry = 0;
  // At most one local training per min_retrain_interval: without it an
  // asynchronous strategy can loop within one pass (update, new model,
  // retrain, update, ...).
  const absl::Time earliest =
      st.last_trained +
      absl::Seconds(scenario_.training().min_retrain_interval_s());
  if (loop_.now() < earliest) {
    st.retry = loop_.Schedule(earliest, [this, sat] { TrainNow(sat); });
    return;
  }
  proto::TrainRequest req;
  req.set_satellite(plan_.satellite_names[sat]);
  req.set_utc_ms(absl::ToUnixMillis(loop_.now()));
  proto::TrainReply reply;
  grpc::ClientContext ctx;
  const absl::Time wall0 = env_->WallNow();
  grpc::Status s = nodes_client_->Train(&ctx, req, &reply);
  summary_.train_wall_s += absl::ToDoubleSeconds(env_->WallNow() - wall0);
  if (!s.ok()) return Fail(proto::FromGrpcStatus(s));
  if (reply.state_of_charge() > 0 || reply.power_limited()) {
    summary_.min_battery_soc =
        std::min(summary_.min_battery_soc, reply.state_of_charge());
  }
  summary_.power_deferrals += reply.power_limited();
  summary_.upsets += reply.upsets();
  summary_.tensors_repaired += reply.tensors_repaired();
  if (!reply.trained()) {
    st.retry = loop_.Schedule(loop_.now() + kTrainRetry,
                              [this, sat] { TrainNow(sat); });
    return;
  }
  ++summary_.training_steps;
  st.last_trained = loop_.now();
  JsonObject e = Event("train");
  e.Add("satellite", plan_.satellite_names[sat])
      .Add("base_version", reply.base_version())
      .Add("samples", reply.num_samples())
      .Add("loss", reply.train_loss())
      .Add("onboard_s", reply.onboard_seconds())
      .Add("update_bytes", reply.update_bytes())
      .Add("battery_soc", reply.state_of_charge())
      .Add("upsets", reply.upsets())
      .Add("tensors_repaired", reply.tensors_repaired());
  Check(run_dir_->AppendEvent(e));
  // The update exists once the on-board computer has finished.
  st.training = true;
  loop_.Schedule(
      loop_.now() + absl::Milliseconds(std::ceil(reply.onboard_seconds() * 1000)),
      [this, sat] {
        sats_[sat].training = false;
        Pump(sat);
      });
}

absl::Status EmbeddedRun::Tick() {
  grpc::ClientContext ctx;
  proto::TickRequest req;
  req.set_utc_ms(absl::ToUnixMillis(loop_.now()));
  grpc::Status s = aggregator_client_->Tick(&ctx, req, &tick_);
  if (!s.ok()) return proto::FromGrpcStatus(s);
  if (tick_.next_deadline_ms() != deadline_ms_) {
    loop_.Cancel(deadline_event_);
    deadline_ms_ = tick_.next_deadline_ms();
    deadline_event_ =
        deadline_ms_ == 0
            ? 0
            : loop_.Schedule(absl::FromUnixMillis(deadline_ms_), [this] {
                deadline_ms_ = 0;
                Check(Tick());
              });
  }
  if (!tick_.aggregated()) return absl::OkStatus();
  JsonObject e = Event("aggregate");
  e.Add("model_version", tick_.model_version())
      .Add("updates_applied", tick_.updates_applied());
  ORBITFL_RETURN_IF_ERROR(run_dir_->AppendEvent(e));
  ORBITFL_RETURN_IF_ERROR(MaybeEvaluate());
  // Satellites in view start fetching the new model now.
  for (int sat = 0; sat < static_cast<int>(sats_.size()); ++sat) Pump(sat);
  return absl::OkStatus();
}

absl::Status EmbeddedRun::MaybeEvaluate() {
  const absl::Duration every =
      absl::Seconds(scenario_.evaluation().interval_s());
  if (every <= absl::ZeroDuration() || loop_.now() >= last_eval_ + every) {
    return EvaluateGlobal();
  }
  if (eval_event_ == 0) {
    eval_event_ = loop_.Schedule(last_eval_ + every, [this] {
      eval_event_ = 0;
      Check(EvaluateGlobal());
    });
  }
  return absl::OkStatus();
}

absl::Status EmbeddedRun::EvaluateGlobal() {
  // The evaluator fetches the model through the same service as satellites.
  grpc::ClientContext ctx;
  proto::ModelRequest req;
  req.set_satellite("ground-evaluator");
  std::unique_ptr<grpc::ClientReader<proto::ModelChunk>> reader(
      aggregator_client_->DownloadModel(&ctx, req));
  std::string bytes;
  proto::ModelChunk chunk;
  while (reader->Read(&chunk)) bytes += chunk.data();
  if (grpc::Status s = reader->Finish(); !s.ok()) {
    return proto::FromGrpcStatus(s);
  }
  proto::Model model;
  if (!model.ParseFromString(bytes)) {
    return absl::DataLossError("global model does not parse");
  }
  ORBITFL_ASSIGN_OR_RETURN(node::EvalResult eval,
                           node::Evaluate(spec_, model, test_set_));
  MetricsRow row;
  row.utc = loop_.now();
  row.sim_hours = absl::ToDoubleHours(loop_.now() - start_);
  row.model_version = model.version();
  row.accuracy = eval.accuracy;
  row.loss = eval.loss;
  row.updates_applied = tick_.updates_applied();
  row.bytes_up = summary_.bytes_up;
  row.bytes_down = summary_.bytes_down;
  ORBITFL_RETURN_IF_ERROR(run_dir_->AppendMetrics(row));
  if (model.version() == 0) summary_.initial_accuracy = eval.accuracy;
  summary_.best_accuracy = std::max(summary_.best_accuracy, eval.accuracy);
  summary_.final_accuracy = eval.accuracy;
  summary_.model_version = model.version();
  evaluated_version_ = model.version();
  last_eval_ = loop_.now();
  global_model_ = std::move(model);
  summary_.updates_applied = tick_.updates_applied();
  accuracy_ = eval.accuracy;
  Progress(/*force=*/true);
  return absl::OkStatus();
}

void EmbeddedRun::Progress(bool force) {
  if (options_.progress == nullptr) return;
  const absl::Time wall = env_->WallNow();
  if (!force && wall - last_progress_ < options_.progress_interval) return;
  last_progress_ = wall;
  const double total_h = absl::ToDoubleHours(stop_ - start_);
  const double sim_h = absl::ToDoubleHours(loop_.now() - start_);
  *options_.progress << absl::StrFormat(
      "[orbitfl] sim %s  %5.1f/%.1f h (%3.0f%%)  wall %6.1f s  model v%d  "
      "accuracy %5.1f%%  up %.2f MB  down %.2f MB\n",
      FormatUtc(loop_.now()), sim_h, total_h, 100.0 * sim_h / total_h,
      absl::ToDoubleSeconds(wall - wall_start_), tick_.model_version(),
      100.0 * accuracy_, summary_.bytes_up / 1e6, summary_.bytes_down / 1e6);
  options_.progress->flush();
}

absl::StatusOr<RunSummary> EmbeddedRun::Run() {
  wall_start_ = env_->WallNow();
  last_progress_ = wall_start_;
  ORBITFL_RETURN_IF_ERROR(SetUp());
  {
    JsonObject e = Event("run_start");
    e.Add("scenario", scenario_.name())
        .Add("seed", static_cast<int64_t>(scenario_.seed()))
        .Add("satellites", static_cast<int64_t>(sats_.size()))
        .Add("stations", static_cast<int64_t>(plan_.stations.size()))
        .Add("contacts", summary_.contacts)
        .Add("test_tiles", test_set_.size());
    ORBITFL_RETURN_IF_ERROR(run_dir_->AppendEvent(e));
  }
  ORBITFL_RETURN_IF_ERROR(Tick());
  ORBITFL_RETURN_IF_ERROR(EvaluateGlobal());
  for (int w = 0; w < static_cast<int>(plan_.windows.size()); ++w) {
    const orbit::ContactWindow& win = plan_.windows[w];
    loop_.Schedule(win.start,
                   [this, w, sat = win.satellite] { OnPassOpen(sat, w); });
  }
  loop_.RunUntil(stop_, [this] { Progress(/*force=*/false); });
  ORBITFL_RETURN_IF_ERROR(error_);
  // With evaluation.interval_s the newest model may not have been
  // evaluated yet: the summary's final accuracy is always the final model's.
  if (tick_.model_version() != evaluated_version_) {
    ORBITFL_RETURN_IF_ERROR(EvaluateGlobal());
  }

  summary_.sim_hours = absl::ToDoubleHours(stop_ - start_);
  summary_.wall_s = absl::ToDoubleSeconds(env_->WallNow() - wall_start_);
  JsonObject e = Event("run_end");
  e.Add("model_version", summary_.model_version)
      .Add("final_accuracy", summary_.final_accuracy);
  ORBITFL_RETURN_IF_ERROR(run_dir_->AppendEvent(e));
  JsonObject s;
  s.Add("scenario", scenario_.name())
      .Add("seed", static_cast<int64_t>(scenario_.seed()))
      .Add("initial_accuracy", summary_.initial_accuracy)
      .Add("final_accuracy", summary_.final_accuracy)
      .Add("best_accuracy", summary_.best_accuracy)
      .Add("model_version", summary_.model_version)
      .Add("updates_applied", summary_.updates_applied)
      .Add("bytes_up", summary_.bytes_up)
      .Add("bytes_down", summary_.bytes_down)
      .Add("transfers", summary_.transfers)
      .Add("contacts", summary_.contacts)
      .Add("satellites", static_cast<int64_t>(sats_.size()))
      .Add("sim_hours", summary_.sim_hours)
      .Add("wall_s", summary_.wall_s)
      .Add("train_wall_s", summary_.train_wall_s)
      .Add("model", spec_.architecture)
      .Add("parameters", node::ParameterCount(spec_))
      .Add("trainable_parameters", node::TrainableParameterCount(spec_))
      .Add("training_steps", summary_.training_steps)
      .Add("power_deferrals", summary_.power_deferrals)
      .Add("min_battery_soc", summary_.min_battery_soc)
      .Add("upsets", summary_.upsets)
      .Add("tensors_repaired", summary_.tensors_repaired);
  ORBITFL_RETURN_IF_ERROR(run_dir_->WriteSummary(s));
  ORBITFL_ASSIGN_OR_RETURN(std::string pt,
                           node::SerializeModelFile(spec_, global_model_));
  ORBITFL_RETURN_IF_ERROR(run_dir_->WriteModel(pt));
  ORBITFL_RETURN_IF_ERROR(run_dir_->Close());
  return summary_;
}

}  // namespace

absl::StatusOr<RunSummary> RunEmbedded(const proto::Scenario& scenario,
                                       const RunOptions& options) {
  if (!ParseUtc(scenario.epoch_utc()).ok()) {
    return absl::InvalidArgumentError(
        "RunEmbedded needs a validated scenario (see sim/scenario.h)");
  }
  EmbeddedRun run(scenario, options);
  return run.Run();
}

}  // namespace orbitfl::sim
